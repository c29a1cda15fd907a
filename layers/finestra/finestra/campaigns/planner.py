"""Planning a launched campaign: its segment's members written as recipients, in batches.

A campaign in ``planning`` is planned from its cursor: the members after the last
citizen id planned (members come in ascending citizen id) are cut into batches of
:data:`~finestra.domain.campaign.BATCH_SIZE`, and each batch is written in one
transaction with the cursor's move, on the condition that the cursor is where the
batch starts. A planner that stops half way (a crash, its time up) is run again and
carries on from the cursor; two planners at once cannot both write a batch, so nobody
is planned twice. When the members run out, every batch is queued for the sender and
the campaign goes ``running`` (or straight to ``completed`` when nobody was planned).

A member is planned on the first of the campaign's channels on which it has a contact
point and has granted the campaign's purpose; a member with none is written
``opted_out`` (reason ``no_consent``), counted, and never sent anything.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Final

from pydantic import BaseModel, ConfigDict

from finestra.campaigns.queue import BatchMessage, CampaignQueue
from finestra.campaigns.store import CampaignStore
from finestra.domain.campaign import (
    BATCH_SIZE,
    Campaign,
    CampaignState,
    Channel,
    Recipient,
    RecipientState,
)
from finestra.domain.errors import Conflict
from finestra.domain.segment import Member

__all__ = ["MemberSource", "PlanOutcome", "Planner", "channel_for"]

MemberSource = Callable[[Campaign, str | None], Iterable[Member]]
"""The members of a campaign's segment after a citizen id, in ascending citizen id."""

NO_CONSENT: Final = "no_consent"


def channel_for(campaign: Campaign, member: Member) -> Channel | None:
    """The first of the campaign's channels the member can be reached on with consent."""
    for channel in campaign.channels:
        if f"{channel}:{campaign.purpose.value}" in member.reach:
            return channel
    return None


class PlanOutcome(BaseModel):
    """What one run of the planner did."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    outcome: str
    """``planned`` (all done, batches queued), ``more`` (time ran out), ``skipped``."""
    batches: int
    recipients: int


class Planner:
    """Plans campaigns in ``planning`` and queues their batches.

    Parameters
    ----------
    store
        The campaign store.
    members
        The members of a campaign's segment (:class:`finestra.segments.SegmentEvaluator`
        through the campaign's segment, in the function).
    queue
        The sender's queue.
    clock
        Stamps the recipients.
    """

    def __init__(
        self,
        store: CampaignStore,
        members: MemberSource,
        queue: CampaignQueue,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._members = members
        self._queue = queue
        self._clock = clock

    def plan(
        self, campaign_id: str, out_of_time: Callable[[], bool] = lambda: False
    ) -> PlanOutcome:
        """Plan ``campaign_id`` from its cursor until done or ``out_of_time()``.

        Returns
        -------
        PlanOutcome
            ``more`` when time ran out (queue a :class:`PlanMessage` to go on),
            ``skipped`` when the campaign is not in ``planning`` or another planner
            moved its cursor meanwhile.
        """
        campaign = self._store.get(campaign_id, consistent=True)
        if campaign.state is not CampaignState.PLANNING:
            return self._outcome(campaign, "skipped", 0)
        batch, written = campaign.batches, 0
        for chunk in _chunks(iter(self._members(campaign, campaign.cursor)), BATCH_SIZE):
            try:
                self._store.plan_batch(
                    campaign, batch, self._recipients(campaign, batch, chunk), self._clock()
                )
            except Conflict:
                return self._outcome(campaign, "skipped", written)
            campaign = campaign.model_copy(
                update={"batches": batch + 1, "cursor": chunk[-1].citizen_id}
            )
            batch, written = batch + 1, written + len(chunk)
            if out_of_time():
                return self._outcome(campaign, "more", written)
        self._queue.send(BatchMessage(campaign_id=campaign_id, batch=n) for n in range(batch))
        final = CampaignState.RUNNING if batch else CampaignState.COMPLETED
        try:
            self._store.move(campaign_id, {CampaignState.PLANNING}, final, self._clock())
        except Conflict:
            return self._outcome(campaign, "skipped", written)
        return self._outcome(campaign, "planned", written)

    def _recipients(self, campaign: Campaign, batch: int, members: list[Member]) -> list[Recipient]:
        at = self._clock()
        planned = []
        for member in members:
            channel = channel_for(campaign, member)
            planned.append(
                Recipient(
                    campaign_id=campaign.id,
                    batch=batch,
                    citizen_id=member.citizen_id,
                    language=member.language,
                    channel=channel,
                    state=RecipientState.PLANNED if channel else RecipientState.OPTED_OUT,
                    reason=None if channel else NO_CONSENT,
                    at=at,
                )
            )
        return planned

    @staticmethod
    def _outcome(campaign: Campaign, outcome: str, recipients: int) -> PlanOutcome:
        return PlanOutcome(
            campaign_id=campaign.id,
            outcome=outcome,
            batches=campaign.batches,
            recipients=recipients,
        )


def _chunks(members: Iterator[Member], size: int) -> Iterator[list[Member]]:
    while chunk := list(islice(members, size)):
        yield chunk

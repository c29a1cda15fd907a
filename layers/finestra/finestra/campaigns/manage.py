"""What staff do with campaigns: write drafts, estimate, launch, pause, resume, cancel.

Every change is made on the version staff last read; a change the campaign's state does
not allow is a :class:`~finestra.domain.errors.Conflict`. Launching a campaign without
``starts_at`` (or one whose time has passed) moves it to ``planning`` and queues its
plan; a later ``starts_at`` makes it ``scheduled``, and the ticker starts it.

The estimate counts each language's SMS as the citizen receives it (worded for GSM-7,
the opt-out hint included) with :mod:`finestra.domain.sms_text`, and the segment's
reachable citizens per channel from its preview: the first channel is counted for
everyone it reaches, the second for the rest of the segment it reaches, at most; a
citizen reachable on both is counted once. The total prices every SMS at the longest
language's segments, so it is an upper bound.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.campaigns.queue import CampaignQueue, PlanMessage
from finestra.campaigns.store import CampaignStore
from finestra.domain.campaign import (
    ALLOWED_MOVES,
    Campaign,
    CampaignDraft,
    CampaignState,
    Recipient,
    RecipientState,
    sms_body,
)
from finestra.domain.ids import new_id
from finestra.domain.segment import Preview, SegmentDefinition
from finestra.domain.sms_text import Encoding, segments

__all__ = [
    "CampaignChange",
    "CampaignDesk",
    "Estimate",
    "Prices",
    "RecipientPage",
    "estimate",
]

PAGE: Final = 100


class Prices(BaseModel):
    """What one SMS segment and one email cost, in euros."""

    model_config = ConfigDict(frozen=True)

    sms_segment_eur: float = Field(ge=0)
    email_eur: float = Field(ge=0)


class Estimate(BaseModel):
    """What a campaign will cost before it is launched."""

    model_config = ConfigDict(frozen=True)

    segments_sms: dict[str, int]
    encoding: dict[str, Encoding]
    recipients: dict[str, int]
    cost_per_message: dict[str, float]
    total: float
    currency: str = "EUR"


class CampaignChange(CampaignDraft):
    """An edited draft, on the version last read."""

    version: int = Field(ge=1)


class RecipientPage(BaseModel):
    """One page of a campaign's recipients: ids and states only."""

    model_config = ConfigDict(frozen=True)

    recipients: list[Recipient]
    next_batch: int | None


def estimate(campaign: CampaignDraft, preview: Preview, prices: Prices) -> Estimate:
    """Count what ``campaign`` costs sent to the segment ``preview`` describes."""
    sms = {
        language.value: segments(sms_body(text, language))
        for language, text in campaign.messages.items()
    }
    longest = max((cost.segments for cost in sms.values()), default=0)
    left = preview.count
    recipients: dict[str, int] = {}
    for channel in campaign.channels:
        reached = min(preview.reachable.get(f"{channel}:{campaign.purpose.value}", 0), left)
        recipients[channel] = reached
        left -= reached
    per_message = {
        "sms": round(longest * prices.sms_segment_eur, 6),
        "email": round(prices.email_eur, 6),
    }
    total = sum(recipients[c] * per_message[c] for c in recipients)
    return Estimate(
        segments_sms={language: cost.segments for language, cost in sms.items()},
        encoding={language: cost.encoding for language, cost in sms.items()},
        recipients=recipients,
        cost_per_message={c: per_message[c] for c in campaign.channels},
        total=round(total, 2),
    )


class CampaignDesk:
    """The staff's campaign actions."""

    def __init__(
        self,
        store: CampaignStore,
        *,
        queue: CampaignQueue | None,
        definition: Callable[[str], SegmentDefinition],
        preview: Callable[[SegmentDefinition], Preview],
        prices: Prices,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._queue = queue
        self._definition = definition
        self._preview = preview
        self._prices = prices
        self._clock = clock

    def create(self, draft: CampaignDraft, created_by: str) -> Campaign:
        """Store a new draft; its segment must exist.

        Raises
        ------
        NotFound
            When the segment does not exist.
        """
        self._definition(draft.segment_id)
        now = self._clock()
        campaign = Campaign(
            **draft.model_dump(),
            id=new_id("cmp"),
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        self._store.create(campaign)
        return self._store.get(campaign.id, consistent=True)

    def get(self, campaign_id: str) -> Campaign:
        """One campaign, with its counts."""
        return self._store.get(campaign_id, consistent=True)

    def every(self) -> list[Campaign]:
        """Every campaign, newest first."""
        return self._store.every()

    def edit(self, campaign_id: str, change: CampaignChange) -> Campaign:
        """Replace a draft's content, on its version.

        Raises
        ------
        Conflict
            When the campaign is no longer a draft or changed since it was read.
        """
        current = self._store.get(campaign_id, consistent=True)
        self._definition(change.segment_id)
        content = dict(CampaignDraft.model_validate(change.model_dump(exclude={"version"})))
        edited = current.model_copy(update={**content, "updated_at": self._clock()})
        self._store.replace(edited, change.version)
        return self._store.get(campaign_id, consistent=True)

    def estimate(self, campaign_id: str) -> Estimate:
        """What the campaign will cost."""
        campaign = self._store.get(campaign_id)
        return estimate(
            campaign, self._preview(self._definition(campaign.segment_id)), self._prices
        )

    def act(self, campaign_id: str, action: str, version: int) -> Campaign:
        """Launch, pause, resume or cancel a campaign, on its version.

        Raises
        ------
        Conflict
            When the state does not allow the action or the version moved on.
        """
        allowed, to = ALLOWED_MOVES[action]
        now = self._clock()
        if to is None:
            current = self._store.get(campaign_id, consistent=True)
            later = current.starts_at is not None and current.starts_at > now
            to = CampaignState.SCHEDULED if later else CampaignState.PLANNING
        if action == "resume" and self._store.get(campaign_id, consistent=True).batches == 0:
            to = CampaignState.SCHEDULED
        moved = self._store.move(campaign_id, allowed, to, now, version=version)
        if moved.state is CampaignState.PLANNING and self._queue is not None:
            self._queue.send([PlanMessage(plan=campaign_id)])
        return self._store.get(campaign_id, consistent=True)

    def recipients(
        self, campaign_id: str, state: RecipientState | None, batch: int, limit: int = PAGE
    ) -> RecipientPage:
        """A page of recipients from ``batch`` on, in ``state`` if given."""
        found, following = self._store.page(campaign_id, state, batch, limit)
        return RecipientPage(recipients=found, next_batch=following)

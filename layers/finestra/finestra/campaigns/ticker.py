"""The campaign ticker, every five minutes: what the clock, not a message, moves on.

Each tick reads the city's campaigns (one ``Query`` of ``CAMPAIGNS``) and:

- moves a ``scheduled`` campaign whose ``starts_at`` has come to ``planning`` and
  queues its plan;
- queues the plan of a campaign still in ``planning`` whose plan was last moved more
  than :data:`STALLED` ago (a planner that stopped);
- for a ``running`` campaign, queues again the batches the sender held for the quiet
  hours once they are over, and those it held for a pause; and completes the campaign
  once every batch is done, should the sender of its last batch not have;
- queues the satisfaction invitations that have come due.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict

from finestra.campaigns.invitations import InvitationBook
from finestra.campaigns.queue import BatchMessage, CampaignQueue, PlanMessage, QueueMessage
from finestra.campaigns.store import CampaignStore
from finestra.domain.campaign import Campaign, CampaignState
from finestra.domain.errors import Conflict

__all__ = ["STALLED", "CampaignTicker", "TickOutcome"]

STALLED: Final = timedelta(minutes=10)


class TickOutcome(BaseModel):
    """What one tick did; counts only."""

    model_config = ConfigDict(frozen=True)

    started: int = 0
    replanned: int = 0
    requeued: int = 0
    completed: int = 0
    invitations: int = 0


class CampaignTicker:
    """Starts, resumes and completes campaigns, and queues due invitations."""

    def __init__(
        self,
        store: CampaignStore,
        queue: CampaignQueue,
        invitations: InvitationBook,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._queue = queue
        self._invitations = invitations
        self._clock = clock

    def tick(self) -> TickOutcome:
        """Do what is due now."""
        now = self._clock()
        started = replanned = requeued = completed = 0
        for campaign in self._store.every():
            if campaign.state is CampaignState.SCHEDULED:
                started += self._start(campaign, now)
            elif campaign.state is CampaignState.PLANNING:
                replanned += self._replan(campaign, now)
            elif campaign.state is CampaignState.RUNNING:
                requeued += self._requeue(campaign, now)
                completed += self._complete(campaign, now)
        due = self._invitations.due(now)
        self._queue.send(due)
        return TickOutcome(
            started=started,
            replanned=replanned,
            requeued=requeued,
            completed=completed,
            invitations=len(due),
        )

    def _start(self, campaign: Campaign, now: datetime) -> int:
        if campaign.starts_at is None or campaign.starts_at > now:
            return 0
        try:
            self._store.move(campaign.id, {CampaignState.SCHEDULED}, CampaignState.PLANNING, now)
        except Conflict:
            return 0
        self._queue.send([PlanMessage(plan=campaign.id)])
        return 1

    def _replan(self, campaign: Campaign, now: datetime) -> int:
        if campaign.updated_at > now - STALLED:
            return 0
        self._queue.send([PlanMessage(plan=campaign.id)])
        return 1

    def _requeue(self, campaign: Campaign, now: datetime) -> int:
        messages: list[QueueMessage] = []
        for held in self._store.held_batches(campaign.id):
            if held["reason"] == "quiet_hours" and datetime.fromisoformat(held["until"]) > now:
                continue
            if self._store.release_batch(campaign.id, int(held["batch"])):
                messages.append(BatchMessage(campaign_id=campaign.id, batch=int(held["batch"])))
        return self._queue.send(messages)

    def _complete(self, campaign: Campaign, now: datetime) -> int:
        if campaign.batches_done < campaign.batches:
            return 0
        return int(self._store.complete_if_done(campaign.id, now))

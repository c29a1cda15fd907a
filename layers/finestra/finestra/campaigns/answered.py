"""A campaign's recipient becomes ``answered`` when their survey response is stored.

The response item (``type = "survey_answer"``) names the campaign and the batch the
recipient was planned in, so the statistics function's stream finds the recipient with
one read. The move is conditional on the recipient being ``sent`` or ``delivered``, so a
record seen twice, or a late delivery event, never moves the recipient back or counts
the answer twice.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from finestra.campaigns.store import CampaignStore
from finestra.domain.campaign import RecipientState
from finestra.stats.stream import StreamOutcome
from finestra.storage.table import deserialise

__all__ = ["RecipientAnswered"]

_ANSWERABLE: Final = frozenset({RecipientState.SENT, RecipientState.DELIVERED})
_ATTEMPTS: Final = 3


class RecipientAnswered:
    """The stream consumer that moves a campaign's recipient to ``answered``."""

    def __init__(self, store: CampaignStore, attempts: int = _ATTEMPTS) -> None:
        self._store = store
        self._attempts = attempts

    def handle(self, record: Mapping[str, Any]) -> StreamOutcome | None:
        """Move the recipient a new survey response comes from; ``None`` for anything else."""
        if record.get("eventName") != "INSERT":
            return None
        image = (record.get("dynamodb") or {}).get("NewImage") or {}
        if (image.get("type") or {}).get("S") != "survey_answer":
            return None
        item = deserialise(image)
        if not item.get("campaign_id") or item.get("batch") is None:
            return None
        campaign_id = str(item["campaign_id"])
        outcome = self._move(campaign_id, int(item["batch"]), item)
        return StreamOutcome(
            consumer="campaigns",
            outcome=outcome,
            metric="CampaignRecipientsAnswered" if outcome == "answered" else None,
            fields={"campaign_id": campaign_id},
        )

    def _move(self, campaign_id: str, batch: int, item: Mapping[str, Any]) -> str:
        citizen_id, at = str(item["citizen_id"]), datetime.fromisoformat(str(item["at"]))
        for _ in range(self._attempts):
            recipient = self._store.recipient(campaign_id, batch, citizen_id)
            if recipient is None:
                return "recipient_unknown"
            if recipient.state not in _ANSWERABLE:
                return "unchanged"
            if self._store.mark(recipient, _ANSWERABLE, RecipientState.ANSWERED, at):
                return "answered"
        return "unchanged"

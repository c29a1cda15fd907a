"""Records of messages the city could not accept: the reason, never the content."""

from datetime import datetime, timedelta

from finestra.domain.errors import Conflict
from finestra.storage import keys
from finestra.storage.table import Put, Table

KEEP_FOR = timedelta(days=90)


class RejectionStore:
    """Writes one record per refused message; a replay of the same message adds nothing."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def record(self, channel: str, provider_id: str, reason: str, at: datetime) -> None:
        """Keep why ``provider_id`` was refused, for 90 days."""
        item = {
            **keys.rejection(channel, provider_id),
            "type": "rejection",
            "channel": channel,
            "provider_message_id": provider_id,
            "reason": reason,
            "at": at.isoformat(),
            "expires_at": int((at + KEEP_FOR).timestamp()),
        }
        try:
            self._table.put(Put(item=item))
        except Conflict:
            return

    def get(self, channel: str, provider_id: str) -> dict[str, object] | None:
        """The record of a refused message, if any."""
        return self._table.get(keys.rejection(channel, provider_id))

"""What the back-office systems said about a citizen, kept until it grows stale."""

from datetime import datetime, timedelta
from typing import Any

from finestra.storage import keys
from finestra.storage.table import Put, Table


class SnapshotStore:
    """One item per citizen (or citizen-less request) and system, expiring by TTL."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def fresh(self, owner: str, system: str, now: datetime) -> dict[str, Any] | None:
        """The stored answer, if it has not expired yet."""
        item = self._table.get(keys.snapshot(owner, system))
        if item is None or int(item.get("expires_at", 0)) <= int(now.timestamp()):
            return None
        return item

    def keep(
        self,
        owner: str,
        system: str,
        answer: dict[str, Any],
        *,
        status: str,
        fetched_at: datetime,
        keep_for: timedelta,
    ) -> None:
        """Store a system's answer; the table's TTL removes it after ``keep_for``."""
        item = {
            **keys.snapshot(owner, system),
            "type": "snapshot",
            "system": system,
            "status": status,
            "data": answer,
            "fetched_at": fetched_at.isoformat(),
            "expires_at": int((fetched_at + keep_for).timestamp()),
        }
        self._table.put(
            Put(
                item=item,
                condition="attribute_not_exists(PK) OR expires_at < :now",
                values={":now": int(fetched_at.timestamp())},
            )
        )

"""The SLA watch: open requests about to breach or past their due time, raised in place."""

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel

from finestra.storage.requests import RequestStore

SLA_NEAR = "sla_near"
SLA_BREACHED = "sla_breached"
LOOKAHEAD = timedelta(hours=72)
"""A tenth of the longest SLA (30 days): the farthest a request can be from breach
while 90 % of its time is spent."""


class SlaSweep(BaseModel):
    """What one run of the watch found and raised."""

    checked: int
    near: int
    breached: int


class SlaWatch:
    """Reads the due-time index, shard by shard; never scans the table."""

    def __init__(
        self, requests: RequestStore, clock: Callable[[], datetime], near_fraction: float
    ) -> None:
        self._requests = requests
        self._clock = clock
        self._near_fraction = near_fraction

    def sweep(self) -> SlaSweep:
        """Flag each open request whose SLA is nearly spent, or spent."""
        now = self._clock()
        checked = near = breached = 0
        for shard in range(self._requests.shards):
            for item in self._requests.due_before(now + LOOKAHEAD, shard):
                checked += 1
                flag = self._flag_for(item, now)
                if flag is None or flag in set(item.get("flags") or ()):
                    continue
                self._requests.flag(str(item["reference"]), flag, at=now)
                near += flag == SLA_NEAR
                breached += flag == SLA_BREACHED
        return SlaSweep(checked=checked, near=near, breached=breached)

    def _flag_for(self, item: dict[str, object], now: datetime) -> str | None:
        due = datetime.fromisoformat(str(item["sla_due_at"]))
        if due <= now:
            return SLA_BREACHED
        created = datetime.fromisoformat(str(item["created_at"]))
        spent = (now - created) / (due - created) if due > created else 1.0
        return SLA_NEAR if spent >= self._near_fraction else None

"""The consumers of the table's stream that run in the statistics function.

A DynamoDB stream serves two readers per shard before it throttles them, and the
workflow starter is one; so everything else that follows the table's changes (the
report counters, the segment index, the insight counters, satisfaction invitations)
runs here, one consumer after another on each record. A consumer ignores records that
are not its own, writes nothing the second time it sees a record, and raises when it
fails, which fails the record for every consumer: it is retried, then sent to the
function's on-failure queue.
"""

from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from finestra.stats.recorder import StatsRecorder

__all__ = ["CounterConsumer", "StreamConsumer", "StreamOutcome"]

LogValue = str | int | float | bool | None


class StreamOutcome(BaseModel):
    """What one consumer did with one record: a metric to count and fields to log."""

    model_config = ConfigDict(frozen=True)

    consumer: str = Field(min_length=1)
    outcome: str = Field(min_length=1)
    metric: str | None = Field(default=None, description="the metric counted once, if any")
    fields: dict[str, LogValue] = Field(
        default_factory=dict, description="what is logged beside it: ids and counts only"
    )


class StreamConsumer(Protocol):
    """One reader of the table's changes."""

    def handle(self, record: Mapping[str, Any]) -> StreamOutcome | None:
        """Act on one raw stream record; ``None`` when the record is not this consumer's."""
        ...


_REPORT_METRICS = {"counted": "StatsCounted", "unchanged": "StatsUnchanged", "seen": "StatsSeen"}


class CounterConsumer:
    """The report counters (:class:`~finestra.stats.recorder.StatsRecorder`) as a consumer."""

    def __init__(self, recorder: StatsRecorder) -> None:
        self.recorder = recorder

    def handle(self, record: Mapping[str, Any]) -> StreamOutcome | None:
        """Count one change of a request."""
        recorded = self.recorder.record(record)
        if recorded is None:
            return None
        return StreamOutcome(
            consumer="reports",
            outcome=recorded.outcome,
            metric=_REPORT_METRICS[recorded.outcome],
            fields={
                "reference": recorded.reference,
                "events": ",".join(recorded.events),
                "counters": recorded.counters,
            },
        )

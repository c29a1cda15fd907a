"""The insights' items: a tally per request, a mark per counted answer, day counters.

==============================================  ==========================================
key                                             item
==============================================  ==========================================
``INSIGHTTALLY#<reference>`` / ``TALLY``        what the insights last counted a request as
``INSIGHTSEEN#<item PK>`` / ``<item SK>``       a survey answer or opinion already counted
``INSIGHT#<dimension>#<yyyy-mm>`` /             one day's insight counters for one value
``<dd>#<value>``                                (district, neighbourhood, theme, channel or
                                                language)
==============================================  ==========================================

A change is one transaction: the tally (conditional on the version read before, or on
there being none) or the answer's mark (conditional on there being none), and an
``ADD`` to every counter item it moves. A replay finds the tally newer or the mark
there, or loses the race on its condition, and writes nothing. Reading a dimension is
one ``Query`` per month of the range, on that month's partition: a key range of days.
"""

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.insights.counting import (
    BUCKETS,
    CLOSED,
    CLOSED_LATE,
    CLOSED_WITHIN_SLA,
    OPENED,
    RATINGS,
    REPEAT,
    SATISFACTION_COUNT,
    SATISFACTION_SQUARES,
    SATISFACTION_SUM,
    SENTIMENT_METHODS,
    SENTIMENTS,
    Counts,
    Dimension,
    InsightKey,
    InsightTally,
    bucket_counter,
    method_counter,
    rating_counter,
    sentiment_counter,
)
from finestra.stats.store import day_counter_update, months_between
from finestra.storage.table import Item, Put, Table, Update

__all__ = [
    "COUNTERS",
    "INSIGHT_TYPE",
    "InsightDay",
    "InsightStore",
    "insight_key",
    "insight_month",
]

INSIGHT_TYPE: Final = "insight"
TALLY_TYPE: Final = "insight_tally"
SEEN_TYPE: Final = "insight_seen"
COUNTERS: Final = (
    OPENED,
    REPEAT,
    CLOSED,
    CLOSED_WITHIN_SLA,
    CLOSED_LATE,
    *(bucket_counter(index) for index in range(BUCKETS)),
    SATISFACTION_COUNT,
    SATISFACTION_SUM,
    SATISFACTION_SQUARES,
    *(rating_counter(rating) for rating in RATINGS),
    *(sentiment_counter(label) for label in SENTIMENTS),
    *(method_counter(method) for method in SENTIMENT_METHODS),
)
"""Every counter an insight item may hold."""
_LAST: Final = "~"


def insight_month(dimension: Dimension, month: str) -> str:
    """Partition key of one dimension's insight counters for a month (``yyyy-mm``)."""
    return f"INSIGHT#{dimension.value}#{month}"


def insight_key(dimension: Dimension, day: date, value: str) -> dict[str, str]:
    """Key of one day's insight counters for one value."""
    iso = day.isoformat()
    return {"PK": insight_month(dimension, iso[:7]), "SK": f"{iso[8:10]}#{value}"}


def tally_key(reference: str) -> dict[str, str]:
    """Key of what the insights last counted of a request."""
    return {"PK": f"INSIGHTTALLY#{reference}", "SK": "TALLY"}


def seen_key(item_key: Mapping[str, str]) -> dict[str, str]:
    """Key of the mark that a survey answer or opinion has been counted."""
    return {"PK": f"INSIGHTSEEN#{item_key['PK']}", "SK": item_key["SK"]}


class InsightDay(BaseModel):
    """One day's insight counters for one value of a dimension."""

    model_config = ConfigDict(frozen=True)

    dimension: Dimension
    day: date
    value: str
    counters: dict[str, int] = Field(default_factory=dict)


class InsightStore:
    """Reads and writes the insights' tallies, marks and day counters."""

    def __init__(self, table: Table) -> None:
        self._table = table

    @property
    def table(self) -> Table:
        """The table the insights are kept in."""
        return self._table

    def tally(self, reference: str) -> InsightTally | None:
        """What the request was last counted as (a consistent read)."""
        item = self._table.get(tally_key(reference), consistent=True)
        if item is None:
            return None
        fields = {k: v for k, v in item.items() if k in InsightTally.model_fields}
        return InsightTally.model_validate(fields)

    def record(self, before: InsightTally | None, tally: InsightTally, counts: Counts) -> None:
        """Write the new tally and every increment, all or none.

        Raises
        ------
        TransactionConflict
            When the tally changed since ``before`` was read, or another transaction
            held one of the items.
        """
        item: Item = {**tally_key(tally.reference), "type": TALLY_TYPE}
        item.update(tally.model_dump(mode="json"))
        put = (
            Put(item=item)
            if before is None
            else Put(item=item, condition="version = :seen", values={":seen": before.version})
        )
        self._table.transact([put, *(_increment(k, c) for k, c in counts.items())])

    def record_once(self, item_key: Mapping[str, str], counts: Counts) -> None:
        """Write the mark of the answer or opinion at ``item_key`` and its increments.

        Raises
        ------
        TransactionConflict
            When the mark is already there (``ConditionalCheckFailed`` first) or another
            transaction held an item.
        """
        mark = Put(item={**seen_key(item_key), "type": SEEN_TYPE})
        self._table.transact([mark, *(_increment(k, c) for k, c in counts.items())])

    def counted(self, item_key: Mapping[str, str]) -> bool:
        """Whether the answer or opinion at ``item_key`` has been counted."""
        return self._table.get(seen_key(item_key), consistent=True) is not None

    def days(self, dimension: Dimension, first: date, last: date) -> list[InsightDay]:
        """Every day's counters of ``dimension`` from ``first`` to ``last``, both included.

        One ``Query`` per month of the range (a page per megabyte).
        """
        found: list[InsightDay] = []
        for month, start, end in months_between(first, last):
            found.extend(
                _day(dimension, item) for item in self._month(dimension, month, start, end)
            )
        return found

    def _month(self, dimension: Dimension, month: str, start: int, end: int) -> Iterator[Item]:
        values: Item = {
            ":pk": insight_month(dimension, month),
            ":from": f"{start:02d}#",
            ":to": f"{end:02d}#{_LAST}",
        }
        position: dict[str, Any] | None = None
        while True:
            items, position = self._table.query(
                "PK = :pk AND SK BETWEEN :from AND :to", values, start=position
            )
            yield from items
            if position is None:
                return


def increment_item(key: InsightKey, counters: Mapping[str, int]) -> Item:
    """The counter item a first increment would create (for loading counters in bulk)."""
    dimension, day, value = key
    return {
        **insight_key(dimension, day, value),
        "type": INSIGHT_TYPE,
        "dimension": dimension.value,
        "day": day.isoformat(),
        "value": value,
        **counters,
    }


def _increment(key: InsightKey, counters: Mapping[str, int]) -> Update:
    dimension, day, value = key
    return day_counter_update(
        insight_key(dimension, day, value), INSIGHT_TYPE, (dimension.value, day, value), counters
    )


def _day(dimension: Dimension, item: Item) -> InsightDay:
    return InsightDay(
        dimension=dimension,
        day=date.fromisoformat(str(item["day"])),
        value=str(item["value"]),
        counters={name: int(item[name]) for name in COUNTERS if name in item},
    )

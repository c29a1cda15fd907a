"""The statistics' items: one tally per request, day counters per dimension and value.

========================================  ==============================================
key                                       item
========================================  ==============================================
``TALLY#<reference>`` / ``TALLY``         what a request was last counted as
``STATS#<dimension>#<yyyy-mm>`` /         one day's counters for one value (theme code,
``<dd>#<value>``                          district code, input channel or group)
========================================  ==============================================

A change is written as one transaction: the tally, conditional on the version read
before (or on there being none), and an ``ADD`` to each counter item it moves. A replay
either finds the tally already newer and writes nothing, or loses the race on the
tally's condition and writes nothing either. A report reads one dimension's partition per
month with one ``Query`` (a page per megabyte), a key range of days; nothing scans.
"""

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.stats.counting import Counter, Counting, Dimension, StatKey, Tally
from finestra.storage import keys
from finestra.storage.table import Item, Put, Table, Update

__all__ = ["DayCount", "StatsStore", "day_counter_update", "months_between"]

TALLY_TYPE: Final = "tally"
STATISTIC_TYPE: Final = "statistic"
_LAST: Final = "~"
"""Sorts after every character of a value, so ``<dd>#~`` closes a day's key range."""


class DayCount(BaseModel):
    """One day's counters for one value of a dimension."""

    model_config = ConfigDict(frozen=True)

    dimension: Dimension
    day: date
    value: str
    counters: dict[Counter, int] = Field(default_factory=dict)

    def get(self, counter: Counter) -> int:
        """The counter's value, zero if it was never added to."""
        return self.counters.get(counter, 0)


class StatsStore:
    """Reads and writes the tallies and the day counters."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def tally(self, reference: str) -> Tally | None:
        """What the request was last counted as (a consistent read: one read unit)."""
        item = self._table.get(keys.request_tally(reference), consistent=True)
        if item is None:
            return None
        return Tally.model_validate({k: v for k, v in item.items() if k in Tally.model_fields})

    def record(self, before: Tally | None, counting: Counting) -> None:
        """Write the new tally and every increment, all or none.

        Raises
        ------
        TransactionConflict
            When the tally changed since ``before`` was read (``ConditionalCheckFailed``
            first among the reasons), or another transaction held an item.
        """
        writes: list[Put | Update] = [self._tally_put(before, counting.tally)]
        writes.extend(_increment(key, counters) for key, counters in counting.items())
        self._table.transact(writes)

    def days(self, dimension: Dimension, first: date, last: date) -> list[DayCount]:
        """Every day count of ``dimension`` from ``first`` to ``last``, both included.

        One ``Query`` per month of the range, on that month's partition.
        """
        found: list[DayCount] = []
        for month, start, end in months_between(first, last):
            items = self._month(dimension, month, start, end)
            found.extend(_day_count(dimension, item) for item in items)
        return found

    def _month(self, dimension: Dimension, month: str, start: int, end: int) -> Iterator[Item]:
        values: Item = {
            ":pk": keys.statistics_month(dimension.value, month),
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

    @staticmethod
    def _tally_put(before: Tally | None, tally: Tally) -> Put:
        item: Item = {
            **keys.request_tally(tally.reference),
            "type": TALLY_TYPE,
            **tally.model_dump(mode="json"),
        }
        if before is None:
            return Put(item=item)
        return Put(item=item, condition="version = :seen", values={":seen": before.version})


def months_between(first: date, last: date) -> list[tuple[str, int, int]]:
    """Each month from ``first`` to ``last`` as (``yyyy-mm``, first day, last day) read."""
    months: list[tuple[str, int, int]] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        start = first.day if (year, month) == (first.year, first.month) else 1
        end = last.day if (year, month) == (last.year, last.month) else 31
        months.append((f"{year:04d}-{month:02d}", start, end))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _increment(key: StatKey, counters: dict[Counter, int]) -> Update:
    dimension, day, value = key
    return day_counter_update(
        keys.statistic(dimension.value, day.isoformat(), value),
        STATISTIC_TYPE,
        (dimension.value, day, value),
        {counter.value: amount for counter, amount in counters.items()},
    )


def day_counter_update(
    key: dict[str, str],
    item_type: str,
    label: tuple[str, date, str],
    counters: Mapping[str, int],
) -> Update:
    """The ``ADD`` of ``counters`` to one day counter item, created with its dimension,
    day and value (``label``) the first time; refused on an item of another type."""
    dimension, day, value = label
    names = {"#type": "type", "#dimension": "dimension", "#day": "day", "#value": "value"}
    values: Item = {
        ":type": item_type,
        ":dimension": dimension,
        ":day": day.isoformat(),
        ":value": value,
    }
    additions: list[str] = []
    for index, (counter, amount) in enumerate(sorted(counters.items())):
        names[f"#c{index}"] = counter
        values[f":c{index}"] = amount
        additions.append(f"#c{index} :c{index}")
    return Update(
        key=key,
        expression="SET #type = :type, #dimension = :dimension, #day = :day, #value = :value "
        f"ADD {', '.join(additions)}",
        condition="attribute_not_exists(PK) OR #type = :type",
        names=names,
        values=values,
    )


def _day_count(dimension: Dimension, item: Item) -> DayCount:
    return DayCount(
        dimension=dimension,
        day=date.fromisoformat(str(item["day"])),
        value=str(item["value"]),
        counters={counter: int(item.get(counter.value, 0)) for counter in Counter},
    )

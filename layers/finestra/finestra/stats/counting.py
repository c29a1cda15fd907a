"""What one change of a request adds to the day counters.

Volumes (``opened``) follow each request as it is now: a request counts once, on the
city's date of its creation, under its theme, district, input channel and responsible
group; when one of those changes (a free-text request is classified, a request is routed
or handed to another group), its count moves from the old value to the new one.

Closing is an event: the change of a request into a final state
(:data:`~finestra.domain.vocabulary.FINAL_STATES`) counts on the city's date it happened,
under the values the request had then (its group at closing is the one its SLA counts
for), with the seconds it took and whether it met its SLA. Leaving a final state again
counts as ``reopened``; closing it once more counts a second closing.

What the statistics last counted of a request is its :class:`Tally`, kept beside the
counters. Each change is counted against the tally rather than the stream's old image,
and only a change newer than the tally counts, so a record delivered twice or late adds
nothing.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from finestra.domain.vocabulary import FINAL_STATES, RequestState

__all__ = [
    "NO_VALUE",
    "Counter",
    "Counting",
    "Dimension",
    "RequestImage",
    "StatKey",
    "Tally",
    "city_date",
    "count_change",
]

NO_VALUE: Final = "none"
"""The value counted for a request with no theme (not classified yet) or no district."""


class Dimension(StrEnum):
    """What the counters are kept by."""

    THEME = "theme"
    DISTRICT = "district"
    CHANNEL = "channel"
    GROUP = "group"


class Counter(StrEnum):
    """The numbers kept for each day and value of a dimension."""

    OPENED = "opened"
    CLOSED = "closed"
    CLOSING_SECONDS = "closing_seconds_sum"
    CLOSED_WITHIN_SLA = "closed_within_sla"
    CLOSED_LATE = "closed_late"
    REOPENED = "reopened"


class RequestImage(BaseModel):
    """The fields of a stored request that the statistics read, from a stream image."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    reference: str = Field(min_length=1)
    version: int = Field(ge=1)
    state: RequestState
    input_channel: str = Field(min_length=1)
    responsible_group: str = Field(min_length=1)
    theme_code: str | None = None
    district_code: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    sla_due_at: AwareDatetime | None = None

    @property
    def final(self) -> bool:
        """Whether the request has ended (closed, cancelled or not processed)."""
        return self.state in FINAL_STATES


class Tally(BaseModel):
    """What the statistics count a request as: its values, its opening day, whether it ended."""

    model_config = ConfigDict(frozen=True)

    reference: str
    version: int = Field(ge=1, description="the request's version this tally counts")
    opened_on: date = Field(description="the city's date the request was created")
    theme: str
    district: str
    channel: str
    group: str
    final: bool

    @classmethod
    def of(cls, image: RequestImage, zone: ZoneInfo) -> "Tally":
        """The tally of a request as ``image`` shows it."""
        return cls(
            reference=image.reference,
            version=image.version,
            opened_on=city_date(image.created_at, zone),
            theme=image.theme_code or NO_VALUE,
            district=image.district_code or NO_VALUE,
            channel=image.input_channel,
            group=image.responsible_group,
            final=image.final,
        )

    def value(self, dimension: Dimension) -> str:
        """The value this request counts under for ``dimension``."""
        return str(getattr(self, dimension.value))


StatKey = tuple[Dimension, date, str]
"""One counter item: a dimension, a day of the city, and a value of the dimension."""


@dataclass
class Counting:
    """What one change adds: the request's new tally and the increments of each counter item."""

    tally: Tally
    increments: dict[StatKey, dict[Counter, int]] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)

    def add(self, key: StatKey, counters: dict[Counter, int]) -> None:
        """Add ``counters`` to the item ``key``; increments that cancel out are dropped."""
        current = self.increments.setdefault(key, {})
        for counter, amount in counters.items():
            current[counter] = current.get(counter, 0) + amount
            if current[counter] == 0:
                del current[counter]
        if not current:
            del self.increments[key]

    def items(self) -> Iterator[tuple[StatKey, dict[Counter, int]]]:
        """Each counter item and its increments, in a stable order."""
        for key in sorted(self.increments, key=lambda k: (k[0].value, k[1], k[2])):
            yield key, self.increments[key]


def city_date(moment: datetime, zone: ZoneInfo) -> date:
    """The date ``moment`` falls on in the city."""
    return moment.astimezone(zone).date()


def count_change(
    before: Tally | None, ended_before: bool, image: RequestImage, zone: ZoneInfo
) -> Counting:
    """What the request in ``image`` adds to the counters, given what was counted before.

    Parameters
    ----------
    before
        The request's tally, or ``None`` if the statistics have not counted it yet.
    ended_before
        Whether the request was in a final state before this change.
    image
        The request after the change.
    zone
        The city's time zone, which decides the day each count falls on.
    """
    counting = Counting(tally=Tally.of(image, zone))
    _count_opening(counting, before)
    if image.final and not ended_before:
        _count_closing(counting, image, zone)
    elif ended_before and not image.final:
        day = city_date(image.updated_at, zone)
        for dimension in Dimension:
            counting.add((dimension, day, counting.tally.value(dimension)), {Counter.REOPENED: 1})
        counting.events.append("reopened")
    return counting


def _count_opening(counting: Counting, before: Tally | None) -> None:
    after = counting.tally
    if before is None:
        for dimension in Dimension:
            counting.add((dimension, after.opened_on, after.value(dimension)), {Counter.OPENED: 1})
        counting.events.append("opened")
        return
    for dimension in Dimension:
        old, new = before.value(dimension), after.value(dimension)
        if old != new:
            counting.add((dimension, before.opened_on, old), {Counter.OPENED: -1})
            counting.add((dimension, after.opened_on, new), {Counter.OPENED: 1})
            counting.events.append(f"{dimension.value}_changed")


def _count_closing(counting: Counting, image: RequestImage, zone: ZoneInfo) -> None:
    closed_at = image.updated_at
    seconds = max(0, int((closed_at - image.created_at).total_seconds()))
    counters = {Counter.CLOSED: 1, Counter.CLOSING_SECONDS: seconds}
    if image.sla_due_at is not None:
        met = closed_at <= image.sla_due_at
        counters[Counter.CLOSED_WITHIN_SLA if met else Counter.CLOSED_LATE] = 1
    day = city_date(closed_at, zone)
    for dimension in Dimension:
        counting.add((dimension, day, counting.tally.value(dimension)), counters)
    counting.events.append("closed")

"""What one change adds to the insight counters, and what a closing-time histogram says.

The insight counters are kept apart from the report counters of :mod:`finestra.stats`,
with a tally of their own per request: they follow other dimensions (neighbourhood and
language, no group), and they count what the reports do not (a histogram of closing
times, repeat contacts, satisfaction and sentiment). They share the report counters'
rules: a request opens once, on the city's date it was created, under the values it has
now (a value that changes moves its count); a change into a final state is a closing on
the city's date it happened, under the values of then; only a version newer than the
tally counts, so a record delivered twice or late adds nothing.

A request is a repeat contact when its citizen had another request created in the 30
days before it; that is decided once, when the request is first counted, and kept in
its tally. Survey answers and opinions are written once and never change what they
count: each is counted once, on its own day, under its citizen's district,
neighbourhood and language.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from finestra.stats.counting import NO_VALUE, RequestImage, city_date

__all__ = [
    "BUCKET_BOUNDS_HOURS",
    "NO_VALUE",
    "REPEAT_WINDOW",
    "SENTIMENTS",
    "Counts",
    "Dimension",
    "InsightImage",
    "InsightKey",
    "InsightTally",
    "Observation",
    "bucket_counter",
    "bucket_of",
    "count_observation",
    "count_request",
    "histogram_quantile",
    "histogram_share_above",
    "method_counter",
    "rating_counter",
    "sentiment_counter",
]

BUCKET_BOUNDS_HOURS: Final = (1, 2, 4, 8, 24, 48, 72, 120, 168, 240, 360, 720, 1440)
"""Upper bounds of the closing-time buckets, in hours (the last is > 60 days)."""
BUCKETS: Final = len(BUCKET_BOUNDS_HOURS) + 1
REPEAT_WINDOW: Final = timedelta(days=30)
"""How far back another request of the citizen makes a new one a repeat contact."""
SENTIMENTS: Final = ("positive", "negative", "neutral", "mixed")
SENTIMENT_METHODS: Final = ("comprehend", "lexicon")
"""How a text's sentiment was judged: Amazon Comprehend, or the project's own lexicon."""
RATINGS: Final = range(1, 6)

OPENED: Final = "opened"
CLOSED: Final = "closed"
CLOSED_WITHIN_SLA: Final = "closed_within_sla"
CLOSED_LATE: Final = "closed_late"
REPEAT: Final = "repeat"
SATISFACTION_COUNT: Final = "satisfaction_count"
SATISFACTION_SUM: Final = "satisfaction_sum"
SATISFACTION_SQUARES: Final = "satisfaction_squares"


class Dimension(StrEnum):
    """What the insight counters are kept by."""

    DISTRICT = "district"
    NEIGHBOURHOOD = "neighbourhood"
    THEME = "theme"
    CHANNEL = "channel"
    LANGUAGE = "language"


def bucket_counter(index: int) -> str:
    """The counter of closings in bucket ``index`` (``closed_h00`` is under one hour)."""
    return f"closed_h{index:02d}"


def rating_counter(rating: int) -> str:
    """The counter of satisfaction answers that gave ``rating``."""
    return f"rating_{rating}"


def sentiment_counter(label: str) -> str:
    """The counter of texts whose sentiment is ``label``."""
    return f"sentiment_{label}"


def method_counter(method: str) -> str:
    """The counter of texts whose sentiment was judged by ``method``."""
    return f"sentiment_by_{method}"


def bucket_of(hours: float) -> int:
    """The bucket a closing after ``hours`` falls in."""
    for index, bound in enumerate(BUCKET_BOUNDS_HOURS):
        if hours < bound:
            return index
    return len(BUCKET_BOUNDS_HOURS)


class InsightImage(RequestImage):
    """The fields of a stored request the insights read, beside what the reports read."""

    language: str = Field(min_length=1)
    request_type: str | None = None
    response_channel: str | None = None
    citizen_id: str | None = None
    location: dict[str, object] | None = None

    @property
    def neighbourhood_code(self) -> str | None:
        """The neighbourhood of the request's location, if it has one."""
        code = (self.location or {}).get("neighbourhood_code")
        return str(code) if code else None


class InsightTally(BaseModel):
    """What the insights count a request as."""

    model_config = ConfigDict(frozen=True)

    reference: str
    version: int = Field(ge=1)
    opened_on: date
    district: str
    neighbourhood: str
    theme: str
    channel: str
    language: str
    final: bool
    repeat: bool = Field(
        description="whether the citizen had another request in the 30 days before"
    )

    @classmethod
    def of(cls, image: InsightImage, zone: ZoneInfo, *, repeat: bool) -> "InsightTally":
        """The tally of the request in ``image``."""
        return cls(
            reference=image.reference,
            version=image.version,
            opened_on=city_date(image.created_at, zone),
            district=image.district_code or NO_VALUE,
            neighbourhood=image.neighbourhood_code or NO_VALUE,
            theme=image.theme_code or NO_VALUE,
            channel=image.input_channel,
            language=image.language,
            final=image.final,
            repeat=repeat,
        )

    def value(self, dimension: Dimension) -> str:
        """The value the request counts under for ``dimension``."""
        return str(getattr(self, dimension.value))


InsightKey = tuple[Dimension, date, str]
"""One insight counter item: a dimension, a day of the city and a value."""


@dataclass
class Counts:
    """The increments one change adds to each counter item."""

    increments: dict[InsightKey, dict[str, int]] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)

    def add(self, key: InsightKey, counters: dict[str, int]) -> None:
        """Add ``counters`` to the item ``key``; increments that cancel out are dropped."""
        current = self.increments.setdefault(key, {})
        for counter, amount in counters.items():
            current[counter] = current.get(counter, 0) + amount
            if current[counter] == 0:
                del current[counter]
        if not current:
            del self.increments[key]

    def items(self) -> Iterator[tuple[InsightKey, dict[str, int]]]:
        """Each counter item and its increments, in a stable order."""
        for key in sorted(self.increments, key=lambda k: (k[0].value, k[1], k[2])):
            yield key, self.increments[key]


def count_request(
    before: InsightTally | None,
    ended_before: bool,
    image: InsightImage,
    tally: InsightTally,
    zone: ZoneInfo,
) -> Counts:
    """What the request in ``image`` (counted as ``tally``) adds, given what was counted before.

    Parameters
    ----------
    before
        The request's previous tally, or ``None`` if the insights have not counted it.
    ended_before
        Whether the request was in a final state before this change.
    image
        The request after the change.
    tally
        What the request counts as after it (its repeat flag decided by the caller).
    zone
        The city's time zone, which decides the day a closing falls on.
    """
    counts = Counts()
    opening = {OPENED: 1, REPEAT: 1} if tally.repeat else {OPENED: 1}
    if before is None:
        for dimension in Dimension:
            counts.add((dimension, tally.opened_on, tally.value(dimension)), opening)
        counts.events.append("opened")
    else:
        for dimension in Dimension:
            old, new = before.value(dimension), tally.value(dimension)
            if old != new:
                counts.add((dimension, before.opened_on, old), {k: -v for k, v in opening.items()})
                counts.add((dimension, tally.opened_on, new), opening)
                counts.events.append(f"{dimension.value}_changed")
    if image.final and not ended_before:
        _count_closing(counts, image, tally, zone)
    return counts


def _count_closing(
    counts: Counts, image: InsightImage, tally: InsightTally, zone: ZoneInfo
) -> None:
    hours = max(0.0, (image.updated_at - image.created_at).total_seconds() / 3600)
    counters = {CLOSED: 1, bucket_counter(bucket_of(hours)): 1}
    if image.sla_due_at is not None:
        met = image.updated_at <= image.sla_due_at
        counters[CLOSED_WITHIN_SLA if met else CLOSED_LATE] = 1
    day = city_date(image.updated_at, zone)
    for dimension in Dimension:
        counts.add((dimension, day, tally.value(dimension)), counters)
    counts.events.append("closed")


class Observation(BaseModel):
    """One survey answer or opinion as the insights count it: where it is from, what it says."""

    model_config = ConfigDict(frozen=True)

    day: date
    district: str
    neighbourhood: str
    theme: str
    channel: str
    language: str
    rating: int | None = Field(default=None, ge=1, le=5)
    sentiment: str | None = None
    sentiment_method: str | None = None

    def value(self, dimension: Dimension) -> str:
        """The value the observation counts under for ``dimension``."""
        return str(getattr(self, dimension.value))


def count_observation(observation: Observation) -> Counts:
    """What one survey answer or opinion adds: its rating and its sentiment, once."""
    counters: dict[str, int] = {}
    if observation.rating is not None:
        rating = observation.rating
        counters.update(
            {
                SATISFACTION_COUNT: 1,
                SATISFACTION_SUM: rating,
                SATISFACTION_SQUARES: rating * rating,
                rating_counter(rating): 1,
            }
        )
    if observation.sentiment in SENTIMENTS:
        counters[sentiment_counter(observation.sentiment)] = 1
        if observation.sentiment_method in SENTIMENT_METHODS:
            counters[method_counter(observation.sentiment_method)] = 1
    counts = Counts()
    if counters:
        for dimension in Dimension:
            counts.add((dimension, observation.day, observation.value(dimension)), counters)
        counts.events.append("observed")
    return counts


def histogram_quantile(buckets: Sequence[float], quantile: float) -> float | None:
    """The ``quantile`` (0 to 1) of the closing hours a histogram holds, interpolated.

    Closings are taken as spread evenly within their bucket. In the last, open bucket
    (more than 60 days) no spread is known: its lower bound is answered, a floor.
    ``None`` for an empty histogram.
    """
    total = sum(buckets)
    if total <= 0:
        return None
    wanted = quantile * total
    below = 0.0
    for index, count in enumerate(buckets):
        if count > 0 and below + count >= wanted:
            low = _lower_bound(index)
            if index == len(BUCKET_BOUNDS_HOURS):
                return float(low)
            width = BUCKET_BOUNDS_HOURS[index] - low
            return low + width * (wanted - below) / count
        below += count
    return float(_lower_bound(len(buckets) - 1))


def histogram_share_above(buckets: Sequence[float], hours: float) -> float:
    """How many closings of a histogram took longer than ``hours`` (interpolated, so fractional)."""
    above = 0.0
    for index, count in enumerate(buckets):
        low = _lower_bound(index)
        high = BUCKET_BOUNDS_HOURS[index] if index < len(BUCKET_BOUNDS_HOURS) else None
        if low >= hours:
            above += count
        elif high is not None and high > hours:
            above += count * (high - hours) / (high - low)
    return above


def _lower_bound(index: int) -> int:
    return 0 if index == 0 else BUCKET_BOUNDS_HOURS[index - 1]

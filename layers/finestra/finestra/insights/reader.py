"""Insights of segments of the city, from the insight counters alone.

A segment here is one value of one dimension (a district, a neighbourhood, a theme, an
input channel, a language) over a range of days, or the whole city. Reading one costs one
``Query`` per month of the range on the dimension's partition, whatever the size of the
city: the counters are per day and value, not per citizen or request.

Figures
-------
- requests per 1,000 residents: for districts (populations of ``districts.csv``) and the
  whole city; ``None`` for neighbourhoods (``neighbourhoods.csv`` has no populations) and
  for the other dimensions, which have no residents.
- median and 90th-percentile resolution hours: from the closing-time histogram,
  interpolated linearly within the bucket they fall in (the last bucket, over 60 days,
  answers its lower bound).
- breach rate: closings late over closings with an SLA; repeat rate: repeat contacts
  over requests opened; satisfaction: the mean rating of the survey answers; sentiment
  shares: each label over every text scored.

Closings are those of any final state (closed, cancelled, not processed), as in the
reports.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar, Final, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import FinestraError, MalformedInput
from finestra.insights.counting import (
    BUCKETS,
    CLOSED,
    CLOSED_LATE,
    CLOSED_WITHIN_SLA,
    NO_VALUE,
    OPENED,
    RATINGS,
    REPEAT,
    SATISFACTION_COUNT,
    SATISFACTION_SQUARES,
    SATISFACTION_SUM,
    SENTIMENT_METHODS,
    SENTIMENTS,
    Dimension,
    bucket_counter,
    histogram_quantile,
    histogram_share_above,
    method_counter,
    rating_counter,
    sentiment_counter,
)
from finestra.insights.significance import (
    ALPHA,
    Sums,
    ZTest,
    benjamini_hochberg,
    mean_test,
    proportion_test,
)
from finestra.insights.store import InsightDay, InsightStore

__all__ = [
    "MAX_DAYS",
    "MAX_OPEN_DATA_DAYS",
    "Difference",
    "DifferenceQuery",
    "InsightReader",
    "Metric",
    "OpenDataQuery",
    "Overview",
    "SegmentInsight",
    "SegmentQuery",
]

MAX_DAYS: Final = 366
"""The longest range an insight covers, both ends included."""
MAX_OPEN_DATA_DAYS: Final = 31
"""The longest range one open-data download covers."""
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RULES: Final = {
    "since": "must be a date as YYYY-MM-DD",
    "until": "must be a date as YYYY-MM-DD",
    "dimension": "must be district, neighbourhood, theme, channel or language",
    "metric": "must be breach_rate, repeat_rate, resolution, satisfaction or negative_sentiment",
    "value": "must be 1 to 80 characters",
}


class Metric(StrEnum):
    """What a difference from the city is looked for in."""

    BREACH_RATE = "breach_rate"
    REPEAT_RATE = "repeat_rate"
    RESOLUTION = "resolution"
    SATISFACTION = "satisfaction"
    NEGATIVE_SENTIMENT = "negative_sentiment"


def _iso_date(value: object) -> object:
    if isinstance(value, str) and not _DATE.match(value):
        raise ValueError("is not a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class _RangeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    since: IsoDate
    until: IsoDate

    longest: ClassVar[int] = MAX_DAYS

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Self:
        """The query string; a broken rule is :class:`MalformedInput` naming the parameter."""
        try:
            query = cls.model_validate(dict(params))
        except ValidationError as exc:
            raise _refusal(exc) from None
        if query.until < query.since:
            raise MalformedInput("must not be before since", field="until")
        if query.days > query.longest:
            raise MalformedInput(f"must be at most {query.longest} days after since", field="until")
        return query

    @property
    def days(self) -> int:
        """How many days the range covers, both ends included."""
        return (self.until - self.since).days + 1


class SegmentQuery(_RangeQuery):
    """``GET /insights/segments``: a dimension, a range, and optionally one value."""

    dimension: Dimension
    value: str | None = Field(default=None, min_length=1, max_length=80)


class DifferenceQuery(_RangeQuery):
    """``GET /insights/differences``: a dimension, a metric and a range."""

    dimension: Dimension
    metric: Metric


class OpenDataQuery(_RangeQuery):
    """``GET /insights/open-data``: a range of opening days, at most a month."""

    longest: ClassVar[int] = MAX_OPEN_DATA_DAYS


def _refusal(exc: ValidationError) -> FinestraError:
    error = exc.errors(include_input=False, include_url=False)[0]
    field = str(error["loc"][0]) if error["loc"] else "query"
    if error["type"] == "missing":
        return MalformedInput("is required", field=field)
    if error["type"] == "extra_forbidden":
        return MalformedInput("is not a parameter of this route", field=field)
    return MalformedInput(_RULES.get(field, "breaks its rule"), field=field)


class SegmentInsight(BaseModel):
    """What the counters say of one segment over a range of days."""

    dimension: Dimension
    value: str | None = Field(description="the code; None for the whole city")
    since: date
    until: date
    opened: int
    closed: int
    population: int | None = Field(description="residents, where the city knows them")
    requests_per_1000: float | None
    median_resolution_hours: float | None
    p90_resolution_hours: float | None
    closed_with_sla: int
    breach_rate: float | None
    repeat_contacts: int
    repeat_rate: float | None
    satisfaction_count: int
    satisfaction_mean: float | None
    ratings: dict[str, int] = Field(description="answers per rating, 1 to 5")
    sentiment: dict[str, int] = Field(description="texts scored per label")
    sentiment_shares: dict[str, float] = Field(description="empty when no text was scored")
    sentiment_methods: dict[str, int] = Field(
        default_factory=dict, description="texts scored by Comprehend and by the lexicon"
    )


class Overview(BaseModel):
    """The insights of a dimension's values and of the whole city, over the same days."""

    segments: list[SegmentInsight]
    city: SegmentInsight


class Difference(BaseModel):
    """How one value compares with the rest of the city on one metric."""

    value: str
    metric: Metric
    figure: float | None = Field(description="the value's rate, mean or median hours")
    city_figure: float | None = Field(description="the same for the whole city")
    sample: float = Field(description="what the value's figure is computed from")
    rest_sample: float
    z: float | None
    p_value: float | None
    q_value: float | None = Field(description="the p-value adjusted across the dimension")
    status: Literal["higher", "lower", "no_difference", "not_enough_data"]


class _Totals:
    """The counters of one value added up over a range of days."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}

    def add(self, counters: Mapping[str, int]) -> None:
        for name, amount in counters.items():
            self.counters[name] = self.counters.get(name, 0) + amount

    def __sub__(self, other: "_Totals") -> "_Totals":
        rest = _Totals()
        rest.add(self.counters)
        rest.add({name: -amount for name, amount in other.counters.items()})
        return rest

    def get(self, name: str) -> int:
        return self.counters.get(name, 0)

    @property
    def histogram(self) -> list[float]:
        return [float(self.get(bucket_counter(index))) for index in range(BUCKETS)]

    @property
    def with_sla(self) -> int:
        return self.get(CLOSED_WITHIN_SLA) + self.get(CLOSED_LATE)

    @property
    def scored(self) -> int:
        return sum(self.get(sentiment_counter(label)) for label in SENTIMENTS)

    @property
    def satisfaction(self) -> Sums:
        return Sums(
            count=self.get(SATISFACTION_COUNT),
            total=self.get(SATISFACTION_SUM),
            squares=self.get(SATISFACTION_SQUARES),
        )


def _totals(days: Iterable[InsightDay]) -> dict[str, _Totals]:
    found: dict[str, _Totals] = {}
    for day in days:
        found.setdefault(day.value, _Totals()).add(day.counters)
    return found


def _city(values: Mapping[str, _Totals]) -> _Totals:
    city = _Totals()
    for totals in values.values():
        city.add(totals.counters)
    return city


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


class InsightReader:
    """Answers the insight routes from the counters of :class:`InsightStore`."""

    def __init__(self, store: InsightStore, catalogue: Catalogue) -> None:
        self._store = store
        self._districts = {d.code: d.population for d in catalogue.districts}

    def segment(
        self, dimension: Dimension, value: str | None, since: date, until: date
    ) -> SegmentInsight:
        """The insight of one value of ``dimension`` (the whole city for ``None``)."""
        values = _totals(self._store.days(dimension, since, until))
        totals = _city(values) if value is None else values.get(value, _Totals())
        return self._insight(dimension, value, since, until, totals)

    def segments(self, dimension: Dimension, since: date, until: date) -> list[SegmentInsight]:
        """The insight of every value of ``dimension`` that has counters, by value."""
        return self.overview(dimension, since, until).segments

    def overview(
        self, dimension: Dimension, since: date, until: date, value: str | None = None
    ) -> "Overview":
        """Every value's insight (or ``value``'s alone) and the whole city's, from one read."""
        values = _totals(self._store.days(dimension, since, until))
        chosen = sorted(values) if value is None else [value]
        return Overview(
            segments=[
                self._insight(dimension, v, since, until, values.get(v, _Totals())) for v in chosen
            ],
            city=self._insight(dimension, None, since, until, _city(values)),
        )

    def differences(
        self, dimension: Dimension, since: date, until: date, metric: Metric
    ) -> list[Difference]:
        """How each value of ``dimension`` differs from the rest of the city on ``metric``.

        Each value is tested against the rest of the city (see
        :mod:`finestra.insights.significance`); the p-values of the dimension are then
        adjusted together (Benjamini-Hochberg), and a value is ``higher`` or ``lower``
        only when its q-value is at most 0.05. Requests without a value (``none``) are
        left out: they are no segment of the city.
        """
        values = _totals(self._store.days(dimension, since, until))
        city = _city(values)
        compared = [
            (value, *_compare(metric, values[value], city))
            for value in sorted(values)
            if value != NO_VALUE
        ]
        tested = [test.p_value for _, _, test, _ in compared if test is not None]
        adjusted = iter(benjamini_hochberg(tested))
        found = []
        for value, figures, test, samples in compared:
            q_value = next(adjusted) if test is not None else None
            found.append(
                Difference(
                    value=value,
                    metric=metric,
                    figure=figures[0],
                    city_figure=figures[1],
                    sample=samples[0],
                    rest_sample=samples[1],
                    z=test.z if test else None,
                    p_value=test.p_value if test else None,
                    q_value=q_value,
                    status=_status(test, q_value),
                )
            )
        return found

    def _insight(
        self, dimension: Dimension, value: str | None, since: date, until: date, totals: _Totals
    ) -> SegmentInsight:
        population = self._population(dimension, value)
        opened, scored = totals.get(OPENED), totals.scored
        rated = totals.satisfaction
        return SegmentInsight(
            dimension=dimension,
            value=value,
            since=since,
            until=until,
            opened=opened,
            closed=totals.get(CLOSED),
            population=population,
            requests_per_1000=round(1000 * opened / population, 3) if population else None,
            median_resolution_hours=histogram_quantile(totals.histogram, 0.5),
            p90_resolution_hours=histogram_quantile(totals.histogram, 0.9),
            closed_with_sla=totals.with_sla,
            breach_rate=_ratio(totals.get(CLOSED_LATE), totals.with_sla),
            repeat_contacts=totals.get(REPEAT),
            repeat_rate=_ratio(totals.get(REPEAT), opened),
            satisfaction_count=rated.count,
            satisfaction_mean=rated.mean,
            ratings={str(r): totals.get(rating_counter(r)) for r in RATINGS},
            sentiment={label: totals.get(sentiment_counter(label)) for label in SENTIMENTS},
            sentiment_shares={
                label: totals.get(sentiment_counter(label)) / scored for label in SENTIMENTS
            }
            if scored
            else {},
            sentiment_methods={m: totals.get(method_counter(m)) for m in SENTIMENT_METHODS},
        )

    def _population(self, dimension: Dimension, value: str | None) -> int | None:
        if value is None:
            return sum(self._districts.values()) or None
        if dimension is Dimension.DISTRICT:
            return self._districts.get(value)
        return None


Figures = tuple[float | None, float | None]
Samples = tuple[float, float]


def _compare(
    metric: Metric, value: _Totals, city: _Totals
) -> tuple[Figures, ZTest | None, Samples]:
    rest = city - value
    if metric is Metric.SATISFACTION:
        mine, others = value.satisfaction, rest.satisfaction
        test = mean_test(mine, others)
        return (mine.mean, city.satisfaction.mean), test, (mine.count, others.count)
    if metric is Metric.RESOLUTION:
        median = histogram_quantile(city.histogram, 0.5)
        figures = (histogram_quantile(value.histogram, 0.5), median)
        if median is None:
            return figures, None, (value.get(CLOSED), rest.get(CLOSED))
        late = histogram_share_above(value.histogram, median)
        rest_late = histogram_share_above(rest.histogram, median)
        mine_n, rest_n = sum(value.histogram), sum(rest.histogram)
        return figures, proportion_test(late, mine_n, rest_late, rest_n), (mine_n, rest_n)
    hits, trials = _proportion(metric, value)
    rest_hits, rest_trials = _proportion(metric, rest)
    city_hits, city_trials = _proportion(metric, city)
    figures = (_ratio(hits, trials), _ratio(city_hits, city_trials))
    return figures, proportion_test(hits, trials, rest_hits, rest_trials), (trials, rest_trials)


def _proportion(metric: Metric, totals: _Totals) -> tuple[int, int]:
    if metric is Metric.BREACH_RATE:
        return totals.get(CLOSED_LATE), totals.with_sla
    if metric is Metric.REPEAT_RATE:
        return totals.get(REPEAT), totals.get(OPENED)
    return totals.get(sentiment_counter("negative")), totals.scored


def _status(
    test: ZTest | None, q_value: float | None
) -> Literal["higher", "lower", "no_difference", "not_enough_data"]:
    if test is None or q_value is None:
        return "not_enough_data"
    if q_value > ALPHA:
        return "no_difference"
    return "higher" if test.z > 0 else "lower"

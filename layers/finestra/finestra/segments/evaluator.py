"""Who a segment definition holds, read from the segment index and its counts, never a scan.

Each criterion of a definition names a few facet values (a criterion's values are
alternatives). The maintained counts say how many citizens each value holds; the
smallest criterion, summed over its values, drives: its values' index partitions are
read in citizen-id order (each value's shards merged), and every other criterion is
checked on each candidate, from the index item itself for the profile's criteria
(district, neighbourhood, language, channels, consents), from the citizen's member item
(read a hundred at a time) for tags, requests and ratings. The cost of an evaluation
thus grows with the driver's size, not with the city's.
"""

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from finestra.domain.catalogue import Catalogue
from finestra.domain.segment import (
    REACH_CHANNELS,
    Member,
    Preview,
    RequestCriterion,
    SegmentDefinition,
    reach_key,
)
from finestra.domain.vocabulary import ConsentPurpose
from finestra.segments.facets import ALL, MemberState, Projection, request_matches
from finestra.segments.keys import (
    INDEX_SHARDS,
    count_key,
    count_partition,
    index_partition,
    member_key,
)
from finestra.storage.table import Item, Table

__all__ = ["SegmentEvaluator"]

_BATCH: Final = 100
_MEMBER_ATTRIBUTES: Final = ("citizen_id", "profile", "requests", "ratings")
_READ_CALLS: Final = ("Query", "BatchGetItem", "GetItem")

T = TypeVar("T")


@dataclass(frozen=True)
class _Option:
    """One way to read a criterion's candidates: the union of some facet values.

    ``exact``: being under one of the facets is the criterion itself. ``disjoint``: no
    citizen is under two of them, so their counts add up to the candidates'.
    """

    criterion: str
    facets: tuple[str, ...]
    exact: bool
    disjoint: bool


@dataclass
class _Plan:
    definition: SegmentDefinition
    themes: frozenset[str] | None
    driver: _Option
    size: int
    criteria: int

    @property
    def countable(self) -> bool:
        """Whether the counts alone give the segment's size."""
        alone = self.criteria <= 1 and self.driver.exact
        return alone and (self.driver.disjoint or len(self.driver.facets) == 1)

    def needs_member(self) -> bool:
        """Whether a candidate's member item must be read to check it."""
        wanted = {
            "tags": bool(self.definition.tags),
            "satisfaction": bool(self.definition.satisfaction),
            "requests": self.definition.requests is not None,
        }
        return any(
            present and not (self.driver.criterion == name and self.driver.exact)
            for name, present in wanted.items()
        )


class SegmentEvaluator:
    """Evaluates segment definitions against the segment index.

    Parameters
    ----------
    table
        The one table; its capacity meter gives each preview its cost.
    catalogue
        The city's themes and territory: a definition's codes are checked against it,
        and a service area's code stands for its themes.
    """

    def __init__(self, table: Table, catalogue: Catalogue) -> None:
        self._table = table
        self._catalogue = catalogue

    def members(self, definition: SegmentDefinition, after: str | None = None) -> Iterator[Member]:
        """The definition's members in ascending citizen id.

        Parameters
        ----------
        definition
            The segment; its codes are checked first.
        after
            Resume after this citizen id.

        Yields
        ------
        Member
            Each member once.

        Raises
        ------
        ValidationFailed
            When the definition names a code the catalogue does not know.
        """
        plan = self._plan(definition)
        return self._members(plan, after)

    def count(self, definition: SegmentDefinition) -> int:
        """How many citizens the definition holds, from the counts alone when one criterion."""
        plan = self._plan(definition)
        if plan.countable:
            return plan.size
        return sum(1 for _ in self._members(plan, None))

    def preview(self, definition: SegmentDefinition, sample: int = 10) -> Preview:
        """The definition's size, its first ``sample`` members, its reach, and what it cost.

        Parameters
        ----------
        definition
            The segment.
        sample
            How many members to show, from the lowest citizen id.

        Returns
        -------
        Preview
            ``reads`` and ``read_units`` count every read the evaluation made, the counts
            included.
        """
        calls, units = self._meter()
        count = 0
        shown: list[Member] = []
        reachable = dict.fromkeys(
            (reach_key(c, p) for c in REACH_CHANNELS for p in ConsentPurpose), 0
        )
        for member in self.members(definition):
            count += 1
            if len(shown) < sample:
                shown.append(member)
            for way in member.reach:
                reachable[way] = reachable.get(way, 0) + 1
        now_calls, now_units = self._meter()
        return Preview(
            count=count,
            sample=shown,
            reachable=reachable,
            reads=now_calls - calls,
            read_units=round(now_units - units, 1),
        )

    def _meter(self) -> tuple[int, float]:
        meter = self._table.meter
        return sum(meter.calls.get(name, 0) for name in _READ_CALLS), meter.read_units

    def _plan(self, definition: SegmentDefinition) -> _Plan:
        definition.check(self._catalogue)
        themes = self._themes(definition.requests)
        options = _options(definition, themes, self._months(definition.requests))
        counts = self._counts({facet for option in options for facet in option.facets})
        sizes = [sum(counts.get(f, 0) for f in option.facets) for option in options]
        best = min(range(len(options)), key=lambda i: (sizes[i], not options[i].exact))
        return _Plan(
            definition=definition,
            themes=themes,
            driver=options[best],
            size=sizes[best],
            criteria=len({option.criterion for option in options}),
        )

    def _themes(self, criterion: RequestCriterion | None) -> frozenset[str] | None:
        if criterion is None or not criterion.themes:
            return None
        areas = {area.code for area in self._catalogue.areas}
        codes: set[str] = set()
        for code in criterion.themes:
            if code in areas:
                codes.update(t.code for t in self._catalogue.themes if t.area == code)
            else:
                codes.add(code)
        return frozenset(codes)

    def _months(self, criterion: RequestCriterion | None) -> tuple[str, ...]:
        if criterion is None or (criterion.since is None and criterion.until is None):
            return ()
        low = criterion.since.isoformat()[:7] if criterion.since else "0000-00"
        high = criterion.until.isoformat()[:7] if criterion.until else "9999-99"
        months: list[str] = []
        start: dict[str, Any] | None = None
        while True:
            items, start = self._table.query(
                "PK = :pk AND SK BETWEEN :low AND :high",
                {":pk": count_partition("rmonth"), ":low": low, ":high": high},
                start=start,
            )
            months.extend(str(i["SK"]) for i in items if int(i.get("members") or 0) > 0)
            if start is None:
                return tuple(months)

    def _counts(self, facets: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(facets))
        counts: dict[str, int] = {}
        for begin in range(0, len(wanted), _BATCH):
            keys = [count_key(facet) for facet in wanted[begin : begin + _BATCH]]
            for item in self._table.batch_get(keys, attributes=("PK", "SK", "members")):
                name = str(item["PK"]).removeprefix(count_partition(""))
                counts[f"{name}={item['SK']}"] = int(item.get("members") or 0)
        return counts

    def _members(self, plan: _Plan, after: str | None) -> Iterator[Member]:
        candidates = (
            (citizen_id, projection)
            for citizen_id, projection in self._candidates(plan.driver.facets, after)
            if _profile_holds(plan.definition, projection)
        )
        if not plan.needs_member():
            for citizen_id, projection in candidates:
                yield projection.member(citizen_id)
            return
        for batch in _batches(candidates, _BATCH):
            found = self._table.batch_get(
                [member_key(citizen_id) for citizen_id, _ in batch], attributes=_MEMBER_ATTRIBUTES
            )
            states = {str(i["citizen_id"]): MemberState.from_item(i) for i in found}
            for citizen_id, projection in batch:
                state = states.get(citizen_id)
                if state is not None and _history_holds(plan, state):
                    yield projection.member(citizen_id)

    def _candidates(
        self, facets: Sequence[str], after: str | None
    ) -> Iterator[tuple[str, Projection]]:
        partitions = [
            self._partition(index_partition(facet, shard), after)
            for facet in facets
            for shard in range(INDEX_SHARDS)
        ]
        last: str | None = None
        for item in heapq.merge(*partitions, key=lambda i: str(i["SK"])):
            citizen_id = str(item["SK"])
            if citizen_id == last:
                continue
            last = citizen_id
            yield citizen_id, _projection(item)

    def _partition(self, partition: str, after: str | None) -> Iterator[Item]:
        condition, values = "PK = :pk", {":pk": partition}
        if after is not None:
            condition, values = "PK = :pk AND SK > :after", {**values, ":after": after}
        start: dict[str, Any] | None = None
        while True:
            items, start = self._table.query(condition, values, start=start)
            yield from items
            if start is None:
                return


def _options(
    definition: SegmentDefinition, themes: frozenset[str] | None, months: tuple[str, ...]
) -> list[_Option]:
    options: list[_Option] = []
    single = {"districts": "district", "neighbourhoods": "neighbourhood", "languages": "language"}
    for name, facet in single.items():
        values = getattr(definition, name)
        if values:
            options.append(_Option(name, tuple(f"{facet}={v}" for v in values), True, True))
    if definition.reachable:
        facets = tuple(f"reachable={c}" for c in definition.reachable)
        options.append(_Option("reachable", facets, True, False))
    if definition.consents:
        facets = tuple(f"consent={p.value}" for p in definition.consents)
        options.append(_Option("consents", facets, not definition.reachable, False))
    if definition.tags:
        options.append(_Option("tags", tuple(f"tag={t}" for t in definition.tags), True, False))
    if definition.satisfaction:
        facets = tuple(f"rating={r}" for r in definition.satisfaction)
        options.append(_Option("satisfaction", facets, True, False))
    if definition.requests is not None:
        options.extend(_request_options(definition.requests, themes, months))
    return options or [_Option("all", (ALL,), True, True)]


def _request_options(
    criterion: RequestCriterion, themes: frozenset[str] | None, months: tuple[str, ...]
) -> list[_Option]:
    windowed = criterion.since is not None or criterion.until is not None
    parts = [
        ("theme", sorted(themes or ())),
        ("rstate", [s.value for s in criterion.states]),
        ("rchannel", [c.value for c in criterion.input_channels]),
    ]
    given = sum(1 for _, values in parts if values) + int(windowed)
    options = [
        _Option("requests", tuple(f"{facet}={v}" for v in values), given == 1, False)
        for facet, values in parts
        if values
    ]
    if windowed:
        options.append(_Option("requests", tuple(f"rmonth={m}" for m in months), False, False))
    if not options:
        options.append(_Option("requests", ("requested=any",), True, True))
    return options


def _projection(item: Item) -> Projection:
    return Projection(
        language=item["language"],
        district=item.get("district"),
        neighbourhood=item.get("neighbourhood"),
        channels=tuple(item.get("channels") or ()),
        reach=tuple(item.get("reach") or ()),
    )


def _profile_holds(definition: SegmentDefinition, projection: Projection) -> bool:
    if definition.districts and projection.district not in definition.districts:
        return False
    if definition.neighbourhoods and projection.neighbourhood not in definition.neighbourhoods:
        return False
    if definition.languages and projection.language not in definition.languages:
        return False
    if definition.reachable and not set(definition.reachable) & set(projection.channels):
        return False
    if not definition.consents:
        return True
    channels = definition.reachable or list(REACH_CHANNELS)
    ways = {reach_key(c, p) for c in channels for p in definition.consents}
    return bool(ways & set(projection.reach))


def _history_holds(plan: _Plan, state: MemberState) -> bool:
    definition = plan.definition
    if state.profile is None:
        return False
    if definition.tags and not set(definition.tags) & set(state.profile.tags):
        return False
    if definition.satisfaction:
        given = {r.rating for r in state.ratings.values()}
        if not given & set(definition.satisfaction):
            return False
    criterion = definition.requests
    if criterion is None:
        return True
    return any(request_matches(e, criterion, plan.themes) for e in state.requests.values())


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch

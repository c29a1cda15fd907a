"""The desk's advanced search: requests by any mix of filters, read through one index.

A search never scans the table. It reads one index, chosen by the most selective
filter it was given, and applies the other filters on the way:

=====================  ===========================================================
filter given           what is read
=====================  ===========================================================
``applicant``          GSI1 ``CITIZEN#<id>``, newest first; the received dates are
                       its key range
``group``              GSI2, one key range per (queue, shard, stage): the queues of
                       the group's subtree (itself, every group below it and their
                       branches in the caller's districts), the open
                       stage and each final state the state filter asks for; the SLA
                       filter narrows the open stage's due-time range
``sla``                GSI3 ``DUE#<shard>``, the due-time range the SLA filter names
                       (open requests only), every shard
=====================  ===========================================================

A search with none of ``applicant``, ``group`` or ``sla`` would read the whole table
and is refused (:class:`SearchTooBroad`). Theme, state, district, received dates, the
group (when it is not the index read) and the alarm flag (on GSI2 and GSI3, which
project the flags) are ``FilterExpression`` s on what the index projects; then one
``BatchGetItem`` fetches the requests that passed, and the neighbourhood, the address
prefix, the flag, the exact SLA state and the caller's scope are judged on the stored
request. Results come range after range, each range in its key order (due time for a
group's open stage, newest first for an applicant); they are not merged across ranges.

Read cost of a page of ``n`` requests: ``Query`` calls of at most ``n`` index items
each (index items are about 300 bytes: a full call of 50 is about 15 KB, two read
units eventually consistent; an empty range half a unit), and one ``BatchGetItem`` of
the items that passed the filter expressions, half a unit each (25 units for 50). A
page of 50 whose filters the index can apply costs about 27 read units. A page stops
after one call per key range plus :data:`MAX_PAGE_QUERIES`: a group of one shard, its
ten district branches and the open stage is 11 ranges, so at most 19 calls, about
19 x 2 + 19 x 25 = 513 units in the worst case of filters only the stored request can
judge (neighbourhood, address); such a page may come back short, with a cursor.

The cursor is signed (:class:`finestra.desk.Cursors`) and holds the search's
fingerprint (its filters and the queues it reads), the time the first page was read,
the range it stopped in and the key to go on from; a cursor of another search, or
one changed by hand, is refused.
"""

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finestra.auth import GroupTree, Role, Staff, covers_group
from finestra.desk import Cursors
from finestra.desk.access_log import AccessLog, AccessReason
from finestra.desk.views import (
    SlaFilter,
    Worklist,
    WorklistItem,
    require_reader,
    sla_state,
    worklist_item,
)
from finestra.domain.catalogue import Catalogue
from finestra.domain.citizen import AreaCode
from finestra.domain.errors import Forbidden, MalformedInput, NotFound, ValidationFailed
from finestra.domain.vocabulary import FINAL_STATES, Language, RequestState
from finestra.storage import keys
from finestra.storage.table import Item, Table

__all__ = [
    "MAX_PAGE_QUERIES",
    "SEARCH_ROUTE",
    "AccessPath",
    "MapPoint",
    "RequestSearch",
    "SearchItem",
    "SearchPage",
    "SearchQuery",
    "SearchTooBroad",
    "TooManyToExport",
]

SEARCH_ROUTE: Final = "/api/desk/v1/requests/search"
MAX_PAGE_QUERIES: Final = 8
"""The ``Query`` calls a page may make beyond one per key range before it is handed back
short (an empty range costs half a read unit)."""
MAX_EXPORT_QUERIES: Final = 400
"""The calls an export may make beyond one per key range; one that needs more is refused."""
MAX_RANGES: Final = 256
"""The most index key ranges one search may cover: the worklist's 64 (queue, shard)
ranges, times the open stage and the three final states."""
CITY_ZONE: Final = ZoneInfo("Europe/Madrid")

AccessPath = Literal["applicant", "group", "due"]
StateFilter = Literal["open", "final", "any"]

_CURSOR_KIND: Final = "search"
_KEY_END: Final = "~"
_KEY_START: Final = "0"
"""Sorts before every due time; a key value may not be empty."""
_GROUP_CODE: Final = r"^[a-z0-9-]{1,40}(\.[db]\d{1,2})?$"
_CITIZEN_ID: Final = r"^[A-Za-z0-9_-]{1,64}$"
_BATCH: Final = 100
_MAX_READ: Final = 200
_MAX_LISTED: Final = 90
"""The most groups one filter expression lists (DynamoDB takes 100 operands of IN)."""
_STORED: Final = (
    "reference",
    "state",
    "theme_code",
    "district_code",
    "location",
    "flags",
    "responsible_group",
    "created_at",
    "updated_at",
    "sla_due_at",
    "input_channel",
    "priority",
    "description",
)
_INDEX_KEYS: Final[Mapping[str, tuple[str, str]]] = {
    "GSI1": ("GSI1PK", "GSI1SK"),
    "GSI2": ("GSI2PK", "GSI2SK"),
    "GSI3": ("GSI3PK", "GSI3SK"),
}
_INDEXED: Final = ("applicant", "group", "sla")


class SearchTooBroad(ValidationFailed):
    """A search names none of the filters an index is read by."""

    code = "search_too_broad"


class TooManyToExport(ValidationFailed):
    """More requests match than an export may hold, or finding them reads too much."""

    code = "export_too_large"


class SearchQuery(BaseModel):
    """The filters of an advanced search, as the query string gives them.

    ``state`` is a request state, ``open`` (every open state), ``final`` (every final
    state) or ``any``; it defaults to ``open``. ``received_from`` and ``received_to``
    are days of the city's calendar, both included. ``address`` is the start of the
    request's address, in any case. ``applicant`` is a citizen id (the desk finds it
    through the citizen search): a phone or an email never goes in a query string.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: str | None = Field(default=None, max_length=60)
    state: RequestState | StateFilter = "open"
    received_from: date | None = None
    received_to: date | None = None
    sla: SlaFilter | None = None
    flag: str | None = Field(default=None, pattern=r"^[a-z][a-z_]{0,39}$")
    district: AreaCode | None = None
    neighbourhood: AreaCode | None = None
    address: str | None = Field(default=None, min_length=2, max_length=80)
    applicant: str | None = Field(default=None, pattern=_CITIZEN_ID)
    group: str | None = Field(default=None, pattern=_GROUP_CODE)
    cursor: str | None = Field(default=None, max_length=8192)
    limit: int | None = Field(default=None, ge=1, le=200)
    lang: Language = Language.CA

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.received_from and self.received_to and self.received_from > self.received_to:
            raise ValueError("received_from comes after received_to")
        if self.sla is not None and self.state in ("final", *FINAL_STATES):
            raise ValueError("an SLA filter finds open requests only")
        return self

    def filters(self) -> dict[str, Any]:
        """The filters alone (no cursor, page size or language), as JSON values."""
        return self.model_dump(mode="json", exclude={"cursor", "limit", "lang"})

    def audited_filters(self) -> dict[str, Any]:
        """The filters as an audit record keeps them: whether an applicant or an address
        was given, never which (a citizen id or a street and number point at a person).
        """
        found = {k: v for k, v in self.filters().items() if v is not None}
        for personal in ("applicant", "address"):
            if personal in found:
                found[personal] = True
        return found


class MapPoint(BaseModel):
    """Where a request is, for the map."""

    lat: float
    lon: float


class SearchItem(WorklistItem):
    """A request as the search shows it: a worklist row, its flags and its point."""

    flags: list[str]
    point: MapPoint | None = Field(description="null when the request has no point")
    updated_at: datetime


class SearchPage(BaseModel):
    """A page of search results, the index it read, and the cursor of the next page."""

    items: list[SearchItem]
    next_cursor: str | None
    access_path: AccessPath


@dataclass
class _Range:
    """One key range of one index, and where the search stands in it."""

    index: str
    pk: str
    low: str
    high: str
    forward: bool = True
    start: dict[str, str] | None = None

    @property
    def names(self) -> tuple[str, str]:
        return _INDEX_KEYS[self.index]

    def condition(self) -> str:
        pk, sk = self.names
        return f"{pk} = :pk AND {sk} BETWEEN :low AND :high"


@dataclass(frozen=True)
class _Filters:
    expression: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Plan:
    path: AccessPath
    ranges: list[_Range]
    filters: _Filters
    groups: frozenset[str] | None
    as_of: datetime


@dataclass
class _Position:
    range: int = 0
    start: dict[str, str] | None = None


class RequestSearch:
    """Finds requests by the desk's advanced-search filters, in the caller's scope.

    Agents see requests of their groups in their districts; supervisors and
    administrators every group, in their districts. A search by applicant is a read of
    that citizen's data and goes in the access log (reason ``search``).
    """

    def __init__(
        self,
        *,
        table: Table,
        catalogue: Catalogue,
        worklist: Worklist,
        cursors: Cursors,
        access_log: AccessLog,
        clock: Callable[[], datetime],
        shards: int,
        near_fraction: float,
        page_size: int,
        zone: ZoneInfo = CITY_ZONE,
    ) -> None:
        self._table = table
        self._catalogue = catalogue
        self._worklist = worklist
        self._cursors = cursors
        self._access_log = access_log
        self._clock = clock
        self._shards = shards
        self._near = near_fraction
        self._page_size = page_size
        self._zone = zone
        longest = max((theme.sla_hours for theme in catalogue.themes), default=24)
        self._horizon = timedelta(hours=longest) * (1 - near_fraction)

    def page(self, staff: Staff, query: SearchQuery) -> SearchPage:
        """One page of the requests ``query`` finds; see the module for its read cost.

        Raises
        ------
        SearchTooBroad
            When none of ``applicant``, ``group`` or ``sla`` is given.
        ValidationFailed
            When a theme, group, district or neighbourhood is not the catalogue's.
        SubtreeTooWide
            When the group's subtree takes more than :data:`MAX_RANGES` key ranges; it
            names the groups below to choose from (the city root's area groups, say).
        Forbidden
            When the group or district is not the caller's.
        MalformedInput
            When the cursor is not one this search handed out.
        """
        plan, position = self._start(staff, query)
        limit = query.limit or self._page_size
        found, position = self._collect(
            staff, query, plan, position, limit=limit, budget=len(plan.ranges) + MAX_PAGE_QUERIES
        )
        if query.applicant is not None:
            self._access_log.record(
                staff, query.applicant, route=SEARCH_ROUTE, reason=AccessReason.SEARCH
            )
        return SearchPage(
            items=found,
            next_cursor=self._next_cursor(staff, query, plan, position),
            access_path=plan.path,
        )

    def every(self, staff: Staff, query: SearchQuery, cap: int) -> list[SearchItem]:
        """Every request ``query`` finds, for an export of at most ``cap`` rows.

        Raises
        ------
        TooManyToExport
            When more than ``cap`` requests match, or finding them takes more than
            :data:`MAX_EXPORT_QUERIES` queries.
        """
        plan, position = self._start(staff, query.model_copy(update={"cursor": None}))
        found, position = self._collect(
            staff,
            query,
            plan,
            position,
            limit=cap + 1,
            budget=len(plan.ranges) + MAX_EXPORT_QUERIES,
        )
        if len(found) > cap:
            raise TooManyToExport(f"more than {cap} requests match; narrow the search to export it")
        if position.range < len(plan.ranges):
            raise TooManyToExport("finding these requests reads too much; narrow the search")
        return found

    def _start(self, staff: Staff, query: SearchQuery) -> tuple[_Plan, _Position]:
        require_reader(staff)
        self._check(staff, query)
        groups = self._groups(staff, query)
        position = self._opened(staff, query, groups) if query.cursor else None
        as_of = (
            datetime.fromisoformat(position["as_of"])
            if position
            else self._clock().astimezone(UTC).replace(microsecond=0)
        )
        plan = self._plan(staff, query, as_of, groups)
        if position is None:
            return plan, _Position()
        return plan, self._resumed(plan, position)

    def _check(self, staff: Staff, query: SearchQuery) -> None:
        if not any(getattr(query, name) is not None for name in _INDEXED):
            raise SearchTooBroad(
                "a search needs one of the filters applicant, group or sla: "
                "each of them is read through an index"
            )
        if query.theme is not None:
            try:
                self._catalogue.theme(query.theme)
            except ValidationFailed:
                raise ValidationFailed("is not a theme of the catalogue", field="theme") from None
        if query.group is not None:
            try:
                self._catalogue.group(query.group)
            except NotFound:
                raise ValidationFailed("is not a responsible group", field="group") from None
            if not covers_group(self._catalogue, staff, query.group):
                raise Forbidden("this group is not one of yours")
        self._check_place(staff, query)

    def _check_place(self, staff: Staff, query: SearchQuery) -> None:
        if query.district is not None:
            if query.district not in {d.code for d in self._catalogue.districts}:
                raise ValidationFailed("is not a district code", field="district")
            staff.require_district(query.district)
        if query.neighbourhood is not None:
            try:
                place = self._catalogue.district_of(query.neighbourhood)
            except KeyError:
                raise ValidationFailed(
                    "is not a neighbourhood code", field="neighbourhood"
                ) from None
            staff.require_district(place)

    def _groups(self, staff: Staff, query: SearchQuery) -> frozenset[str] | None:
        """The queues of the group's subtree; past :data:`MAX_RANGES` when read, refused."""
        if query.group is None:
            return None
        if query.applicant is not None:
            return frozenset(self._worklist.queues(staff, query.group, query.district))
        queues = self._worklist.bounded_queues(
            staff,
            query.group,
            query.district,
            ranges_per_queue=self._shards * len(self._stages(query)),
            cap=MAX_RANGES,
        )
        return frozenset(queues)

    def _plan(
        self, staff: Staff, query: SearchQuery, as_of: datetime, groups: frozenset[str] | None
    ) -> _Plan:
        if query.applicant is not None:
            low = "REQUEST#" + (self._bound(query.received_from) if query.received_from else "")
            high = "REQUEST#" + (
                self._bound(query.received_to + timedelta(days=1))
                if query.received_to
                else _KEY_END
            )
            ranges = [_Range("GSI1", f"CITIZEN#{query.applicant}", low, high, forward=False)]
            return _Plan(
                "applicant", ranges, self._filters(staff, query, "GSI1", groups), groups, as_of
            )
        if groups is not None:
            ranges = [
                _Range("GSI2", f"QUEUE#{queue}#{shard}", low, high)
                for queue in sorted(groups)
                for shard in range(self._shards)
                for low, high in self._stage_bounds(query, as_of)
            ]
            return _Plan("group", ranges, self._filters(staff, query, "GSI2", None), groups, as_of)
        low, high = self._due_bounds(query.sla, as_of, "")
        ranges = [_Range("GSI3", f"DUE#{shard}", low, high) for shard in range(self._shards)]
        return _Plan("due", ranges, self._filters(staff, query, "GSI3", None), None, as_of)

    def _stages(self, query: SearchQuery) -> list[str]:
        if query.state == "any":
            return [keys.OPEN_STAGE, *sorted(FINAL_STATES)]
        if query.state == "final":
            return sorted(FINAL_STATES)
        if query.state == "open":
            return [keys.OPEN_STAGE]
        return [keys.queue_stage(RequestState(query.state))]

    def _stage_bounds(self, query: SearchQuery, as_of: datetime) -> list[tuple[str, str]]:
        bounds: list[tuple[str, str]] = []
        for stage in self._stages(query):
            if stage == keys.OPEN_STAGE:
                bounds.append(self._due_bounds(query.sla, as_of, f"{stage}#"))
            else:
                bounds.append((f"{stage}#", f"{stage}#{_KEY_END}"))
        return bounds

    def _due_bounds(self, sla: SlaFilter | None, as_of: datetime, prefix: str) -> tuple[str, str]:
        now = f"{prefix}{_key_time(as_of)}#{_KEY_END}"
        horizon = f"{prefix}{_key_time(as_of + self._horizon)}#{_KEY_END}"
        first = prefix or _KEY_START
        if sla == "breached":
            return first, now
        if sla == "at_risk":
            return now, horizon
        if sla == "on_time":
            return now, f"{prefix}{_KEY_END}"
        return first, f"{prefix}{_KEY_END}"

    def _bound(self, day: date) -> str:
        """The start of a city day as UTC, to the second, as stored times compare."""
        start = datetime.combine(day, time(), tzinfo=self._zone).astimezone(UTC)
        return start.strftime("%Y-%m-%dT%H:%M:%S")

    def _filters(
        self, staff: Staff, query: SearchQuery, index: str, groups: frozenset[str] | None
    ) -> _Filters:
        parts: list[_Filters] = []
        if index != "GSI3":
            parts.extend(_projected_filters(staff, query))
        scope = _group_scope(self._covered(staff)) if groups is None and index != "GSI2" else None
        if scope is not None:
            parts.append(scope)
        if index != "GSI1":
            parts.extend(self._received_filters(query))
        if index != "GSI1" and query.flag is not None:
            parts.append(
                _Filters("contains(#flags, :flag)", {"#flags": "flags"}, {":flag": query.flag})
            )
        if groups is not None and len(groups) <= _MAX_LISTED:
            values = {f":g{i}": group for i, group in enumerate(sorted(groups))}
            parts.append(
                _Filters(
                    f"#group IN ({', '.join(values)})", {"#group": "responsible_group"}, values
                )
            )
        return _joined(parts)

    def _covered(self, staff: Staff) -> frozenset[str] | None:
        """The groups an agent's scope reaches; ``None`` for every group, or too many."""
        if staff.has(Role.SUPERVISOR):
            return None
        covered: set[str] = set()
        for group in staff.groups:
            try:
                below = self._catalogue.groups_under(group)
            except NotFound:
                continue
            covered.update([group, *(g.code for g in below)])
        return frozenset(covered) if len(covered) <= _MAX_LISTED else None

    def _received_filters(self, query: SearchQuery) -> list[_Filters]:
        names = {"#created": "created_at"}
        parts: list[_Filters] = []
        if query.received_from is not None:
            values = {":from": self._bound(query.received_from)}
            parts.append(_Filters("#created >= :from", names, values))
        if query.received_to is not None:
            values = {":to": self._bound(query.received_to + timedelta(days=1))}
            parts.append(_Filters("#created < :to", names, values))
        return parts

    def _collect(
        self,
        staff: Staff,
        query: SearchQuery,
        plan: _Plan,
        position: _Position,
        *,
        limit: int,
        budget: int,
    ) -> tuple[list[SearchItem], _Position]:
        found: list[SearchItem] = []
        calls = 0
        while position.range < len(plan.ranges) and len(found) < limit and calls < budget:
            current = plan.ranges[position.range]
            items, last = self._table.query(
                current.condition(),
                {
                    ":pk": current.pk,
                    ":low": current.low,
                    ":high": current.high,
                    **plan.filters.values,
                },
                index=current.index,
                forward=current.forward,
                limit=min(limit - len(found), _MAX_READ),
                start=position.start,
                filter_expression=plan.filters.expression,
                names=plan.filters.names or None,
            )
            calls += 1
            stored = self._stored([str(item["reference"]) for item in items])
            for number, item in enumerate(items, start=1):
                full = stored.get(str(item["reference"]))
                if full is not None and self._matches(staff, query, plan, full):
                    found.append(self._item(full, plan.as_of, query.lang))
                if len(found) >= limit and (number < len(items) or last is not None):
                    position.start = _start_key(current, item)
                    return found, position
            if last is None:
                position.range, position.start = position.range + 1, None
            else:
                position.start = _start_key(current, last)
        return found, position

    def _stored(self, references: Sequence[str]) -> dict[str, Item]:
        found: dict[str, Item] = {}
        for begin in range(0, len(references), _BATCH):
            chunk = references[begin : begin + _BATCH]
            for item in self._table.batch_get([keys.request(r) for r in chunk], attributes=_STORED):
                found[str(item["reference"])] = item
        return found

    def _matches(self, staff: Staff, query: SearchQuery, plan: _Plan, item: Item) -> bool:
        return (
            _in_scope(self._catalogue, staff, plan, item)
            and _of_state(query, item)
            and _of_place(query, item)
            and _of_theme_and_flag(query, item)
            and self._received_within(query, item)
            and self._of_sla(query, plan, item)
        )

    def _received_within(self, query: SearchQuery, item: Item) -> bool:
        day = _time(item["created_at"]).astimezone(self._zone).date()
        if query.received_from is not None and day < query.received_from:
            return False
        return query.received_to is None or day <= query.received_to

    def _of_sla(self, query: SearchQuery, plan: _Plan, item: Item) -> bool:
        if query.sla is None:
            return True
        due = _optional_time(item.get("sla_due_at"))
        if due is None or RequestState(item["state"]) in FINAL_STATES:
            return False
        return sla_state(_time(item["created_at"]), due, plan.as_of, self._near) == query.sla

    def _item(self, item: Item, as_of: datetime, language: Language) -> SearchItem:
        row = worklist_item(
            item,
            item,
            catalogue=self._catalogue,
            now=as_of,
            near_fraction=self._near,
            language=language,
        )
        location = item.get("location") or {}
        lat, lon = location.get("latitude"), location.get("longitude")
        point = (
            MapPoint(lat=float(lat), lon=float(lon))
            if lat is not None and lon is not None
            else None
        )
        return SearchItem(
            **row.model_dump(),
            flags=sorted(item.get("flags") or ()),
            point=point,
            updated_at=_time(item.get("updated_at") or item["created_at"]),
        )

    def _opened(
        self, staff: Staff, query: SearchQuery, groups: frozenset[str] | None
    ) -> dict[str, Any]:
        position = self._cursors.open(_CURSOR_KIND, str(query.cursor))
        if position.get("query") != _fingerprint(staff, query, groups):
            raise MalformedInput("belongs to a search with other filters", field="cursor")
        try:
            datetime.fromisoformat(str(position["as_of"]))
            if not isinstance(position["range"], int):
                raise TypeError
        except (KeyError, TypeError, ValueError):
            raise _foreign() from None
        return position

    def _resumed(self, plan: _Plan, position: Mapping[str, Any]) -> _Position:
        at = int(position["range"])
        start = position.get("start")
        if not 0 <= at < len(plan.ranges):
            raise _foreign()
        if start is None:
            return _Position(range=at)
        current = plan.ranges[at]
        pk, sk = current.names
        if (
            not isinstance(start, dict)
            or set(start) != {"PK", "SK", pk, sk}
            or not all(isinstance(v, str) for v in start.values())
            or start[pk] != current.pk
            or not current.low <= start[sk] <= current.high
        ):
            raise _foreign()
        return _Position(range=at, start=dict(start))

    def _next_cursor(
        self, staff: Staff, query: SearchQuery, plan: _Plan, position: _Position
    ) -> str | None:
        if position.range >= len(plan.ranges):
            return None
        return self._cursors.seal(
            _CURSOR_KIND,
            {
                "query": _fingerprint(staff, query, plan.groups),
                "as_of": plan.as_of.isoformat(),
                "range": position.range,
                "start": position.start,
            },
        )


def _states(state: RequestState | StateFilter) -> frozenset[str] | None:
    if state == "any":
        return None
    if state == "final":
        return frozenset(s.value for s in FINAL_STATES)
    if state == "open":
        return frozenset(s.value for s in RequestState if s not in FINAL_STATES)
    return frozenset({RequestState(state).value})


def _projected_filters(staff: Staff, query: SearchQuery) -> list[_Filters]:
    """The filters on what GSI1 and GSI2 project: state, theme and district."""
    parts: list[_Filters] = []
    states = _states(query.state)
    if states is not None:
        values = {f":s{i}": state for i, state in enumerate(sorted(states))}
        parts.append(_Filters(f"#state IN ({', '.join(values)})", {"#state": "state"}, values))
    if query.theme is not None:
        parts.append(_Filters("#theme = :theme", {"#theme": "theme_code"}, {":theme": query.theme}))
    if query.district is not None:
        names = {"#district": "district_code"}
        parts.append(_Filters("#district = :district", names, {":district": query.district}))
    elif not staff.whole_city:
        parts.append(_district_scope(staff))
    return parts


def _district_scope(staff: Staff) -> _Filters:
    names = {"#district": "district_code"}
    values = {f":d{i}": code for i, code in enumerate(sorted(staff.districts))}
    if not values:
        return _Filters("attribute_not_exists(#district)", names, {})
    listed = ", ".join(values)
    return _Filters(f"(attribute_not_exists(#district) OR #district IN ({listed}))", names, values)


def _group_scope(covered: frozenset[str] | None) -> _Filters | None:
    """An agent's groups and every group below them, when few enough to list."""
    if covered is None:
        return None
    names = {"#group": "responsible_group"}
    if not covered:
        return _Filters("attribute_not_exists(#group)", names, {})
    values = {f":mg{i}": group for i, group in enumerate(sorted(covered))}
    return _Filters(f"#group IN ({', '.join(values)})", names, values)


def _in_scope(tree: GroupTree, staff: Staff, plan: _Plan, item: Item) -> bool:
    group = str(item.get("responsible_group") or "")
    if plan.groups is not None and group not in plan.groups:
        return False
    return covers_group(tree, staff, group) and staff.covers_district(item.get("district_code"))


def _of_state(query: SearchQuery, item: Item) -> bool:
    states = _states(query.state)
    return states is None or str(item["state"]) in states


def _of_place(query: SearchQuery, item: Item) -> bool:
    location = item.get("location") or {}
    if query.district is not None and item.get("district_code") != query.district:
        return False
    if (
        query.neighbourhood is not None
        and location.get("neighbourhood_code") != query.neighbourhood
    ):
        return False
    if query.address is not None:
        address = str(location.get("address") or "")
        return address.casefold().startswith(query.address.casefold())
    return True


def _of_theme_and_flag(query: SearchQuery, item: Item) -> bool:
    if query.theme is not None and item.get("theme_code") != query.theme:
        return False
    return query.flag is None or query.flag in (item.get("flags") or ())


def _start_key(current: _Range, item: Mapping[str, Any]) -> dict[str, str]:
    pk, sk = current.names
    return {name: str(item[name]) for name in ("PK", "SK", pk, sk)}


def _joined(parts: Sequence[_Filters]) -> _Filters:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for part in parts:
        names.update(part.names)
        values.update(part.values)
    expressions = [p.expression for p in parts if p.expression]
    return _Filters(" AND ".join(expressions) or None, names, values)


def _fingerprint(staff: Staff, query: SearchQuery, groups: frozenset[str] | None) -> str:
    queues = sorted(groups) if groups is not None else None
    text = json.dumps(
        {"user": staff.user_id, "filters": query.filters(), "queues": queues}, sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _foreign() -> MalformedInput:
    return MalformedInput("is not a cursor this search handed out", field="cursor")


def _key_time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def _optional_time(value: Any) -> datetime | None:
    return _time(value) if value else None

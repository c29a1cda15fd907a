"""Read models and queries of the staff desk: worklists, request detail and citizen views.

Every read is a ``GetItem``, a ``Query`` on a key or an index, or a ``BatchGetItem`` of
keys a query returned; nothing scans. Each public method says what it costs.

Who may read what
-----------------
Agents, supervisors and administrators read the desk; campaign managers do not see case
work. A request is in a staff member's scope when its responsible group is one of theirs
or one below them in the catalogue's tree (:func:`finestra.auth.covers_group`) and its
district one of theirs (a request not
yet placed is everyone's). A citizen is in scope when the citizen lives in one of the
staff member's districts (whole-city staff see every citizen), or has a request in one
of their groups; administrators see every citizen, for the city's data-protection
duties. Outside scope is a 403 naming the rule; a missing request or citizen is a 404.
"""

import hashlib
import json
import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, Final, Literal, Protocol, Self
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finestra.auth import GroupTree, Role, Staff, covers_group, require_group
from finestra.desk import Cursors
from finestra.desk.access_log import AccessLog, AccessReason
from finestra.desk.links import LinksView, linked_references, links_view
from finestra.desk.locks import LockView, RequestLocks
from finestra.desk.worklist_views import ViewCounts, WorklistView, view_filters
from finestra.domain.alarms import Alarm, alarms_of
from finestra.domain.catalogue import Catalogue, Theme
from finestra.domain.citizen import AreaCode, Citizen, ContactPoint
from finestra.domain.errors import (
    Conflict,
    Forbidden,
    MalformedInput,
    NotFound,
    ValidationFailed,
)
from finestra.domain.geo import Point, cells_covering, distance_m, encode
from finestra.domain.process import allowed_targets
from finestra.domain.request import (
    REFERENCE,
    Attachment,
    Interaction,
    Location,
    Request,
    SystemStatus,
)
from finestra.domain.vocabulary import (
    FINAL_STATES,
    ContactKind,
    InputChannel,
    Language,
    Priority,
    RequestState,
)
from finestra.runtime import Clients
from finestra.storage import keys
from finestra.storage.citizens import CitizenStore
from finestra.storage.links import LinkStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import Item, Table
from finestra.workflow.tasks import geo_precision

__all__ = [
    "ATTACHMENT_ROUTE",
    "AttachmentDownload",
    "AttachmentFiles",
    "AttachmentView",
    "CitizenHits",
    "CitizenSearch",
    "CitizenView",
    "DeskViews",
    "RequestDetail",
    "S3AttachmentFiles",
    "SlaCounts",
    "SubtreeTooWide",
    "UploadIncomplete",
    "Worklist",
    "WorklistItem",
    "WorklistPage",
    "WorklistQuery",
    "attachment_id",
    "citizen_in_scope",
    "content_disposition",
    "require_reader",
    "require_request_scope",
    "sla_state",
]

SlaState = Literal["on_time", "at_risk", "breached", "none"]
SlaFilter = Literal["on_time", "at_risk", "breached"]
TimelineKind = Literal["inbound", "outbound", "note", "state_change", "assignment", "system"]

SUMMARY_LENGTH: Final = 120
MAX_QUEUE_READS: Final = 64
"""The most (queue, shard) key ranges one worklist may cover."""
MAX_CITIZEN_HITS: Final = 20
MAX_CITIZEN_REQUESTS: Final = 500
CITIZENS_ROUTE: Final = "/api/desk/v1/citizens"
CITIZEN_ROUTE: Final = "/api/desk/v1/citizens/{citizen_id}"
ATTACHMENT_ROUTE: Final = "/api/desk/v1/requests/{reference}/attachments/{attachment_id}"
MAX_CHECKED_FILES: Final = 20
"""The most files of one request whose presence in the bucket a request detail checks."""
"""Presigned URLs are signed with SigV4 in every region: S3 refuses SigV2 on new buckets."""

_WORKLIST_CURSOR: Final = "worklist"
_KEY_END: Final = "~"
"""Sorts after every character of a reference, so ``<prefix>#~`` closes a key range."""
_GROUP_CODE: Final = r"^[a-z0-9-]{1,40}(\.[db]\d{1,2})?$"
_CITIZEN_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_UPLOAD_ID: Final = re.compile(r"att_[0-9A-Z]{26}")
_FILE_ID: Final = re.compile(r"(att|file)_[0-9A-Za-z]{26}")
_MEDIA_PART: Final = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}"
_MEDIA_TYPE: Final = re.compile(f"{_MEDIA_PART}/{_MEDIA_PART}")
_OPAQUE_TYPE: Final = "application/octet-stream"
_FALLBACK_NAME: Final = re.compile(r'[^\x20-\x7e]|["\\%]')
_MISSING_OBJECT: Final = frozenset({"404", "NoSuchKey", "NotFound"})
_HEAD_THREADS: Final = 8
_SNAPSHOT_CELL: Final = 7
_BATCH: Final = 100
_ITEM_VIEW: Final = ("reference", "description", "location", "joined_to")
_TIMELINE_KINDS: Final[Mapping[str, TimelineKind]] = {
    "inbound_message": "inbound",
    "outbound_message": "outbound",
    "note": "note",
    "state_change": "state_change",
    "assignment": "assignment",
}


def sla_state(
    created_at: datetime, due_at: datetime | None, now: datetime, near_fraction: float
) -> SlaState:
    """Where a request stands against its SLA, as the SLA watch judges it.

    Breached once the due time has come; at risk once ``near_fraction`` of the time
    between creation and the due time is spent; on time before; ``none`` without a due
    time (a request not yet routed).
    """
    if due_at is None:
        return "none"
    if due_at <= now:
        return "breached"
    span = due_at - created_at
    spent = (now - created_at) / span if span > timedelta(0) else 1.0
    return "at_risk" if spent >= near_fraction else "on_time"


def require_reader(staff: Staff) -> None:
    """Refuse a caller who does not work cases (a campaign manager, say)."""
    staff.require(Role.AGENT, Role.SUPERVISOR)


def require_request_scope(staff: Staff, request: Request, tree: GroupTree | None = None) -> None:
    """Refuse unless ``request``'s group and district are the caller's (by ``tree``)."""
    group = request.responsible_group
    if not (covers_group(tree, staff, group) if tree else staff.covers_group(group)):
        raise Forbidden("this request belongs to a group that is not yours")
    staff.require_district(_district(request))


def citizen_in_scope(
    staff: Staff,
    citizen: Citizen,
    request_groups: Iterable[str],
    tree: GroupTree | None = None,
) -> bool:
    """Whether ``staff`` may see ``citizen`` (see the module's scope rule)."""
    if Role.ADMINISTRATOR in staff.roles or staff.whole_city:
        return True
    if citizen.district_code is not None and citizen.district_code in staff.districts:
        return True
    if tree is not None:
        return any(covers_group(tree, staff, group) for group in request_groups)
    return any(staff.covers_group(group) for group in request_groups)


class WorklistQuery(BaseModel):
    """The filters of a worklist page, as the query string gives them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: str | None = Field(default=None, pattern=_GROUP_CODE)
    state: RequestState | None = None
    theme: str | None = Field(default=None, max_length=60)
    district: AreaCode | None = None
    channel: InputChannel | None = None
    sla: SlaFilter | None = None
    priority: Priority | None = None
    q: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,24}$")
    view: WorklistView = WorklistView.OPEN
    alarm: Alarm | None = None
    cursor: str | None = Field(default=None, max_length=8192)
    limit: int | None = Field(default=None, ge=1, le=200)
    lang: Language = Language.CA


class WorklistItem(BaseModel):
    """One request as a worklist (or a citizen's list of requests) shows it."""

    reference: str
    theme: str | None
    theme_name: str | None
    state: RequestState
    channel: InputChannel
    district: str | None
    neighbourhood: str | None
    priority: Priority
    group: str
    due_at: datetime | None
    sla: SlaState
    received_at: datetime
    summary: str
    agent: str | None = Field(default=None, description="the staff user working it")
    alarms: list[Alarm] = Field(default_factory=list, description="the alarms it carries")
    joined_to: str | None = Field(
        default=None, description="the principal it is joined to; it follows that request"
    )


class SlaCounts(BaseModel):
    """How many open requests of the worklist's queues stand where against their SLA."""

    on_time: int = 0
    at_risk: int = 0
    breached: int = 0

    def add(self, state: SlaState) -> None:
        """Count one request; one without a due time counts nowhere."""
        if state != "none":
            setattr(self, state, getattr(self, state) + 1)


class WorklistPage(BaseModel):
    """A page of a worklist, soonest due first."""

    items: list[WorklistItem]
    next_cursor: str | None
    counts: SlaCounts
    views: ViewCounts = Field(
        default_factory=ViewCounts, description="the count of every view of the group"
    )


class LocationView(BaseModel):
    """Where a request is."""

    lat: float | None
    lon: float | None
    address: str | None
    district: str | None
    neighbourhood: str | None


class AttachmentView(BaseModel):
    """A file of a request's history, and whether the bucket holds it yet."""

    attachment_id: str = Field(description="the id the attachment route takes")
    key: str
    filename: str
    content_type: str
    size: int
    uploaded: bool | None = Field(
        description="whether the file is in the bucket; null when the detail did not check"
    )


class AttachmentDownload(BaseModel):
    """A short-lived link that downloads one file of a request, under its recorded name."""

    url: str
    expires_at: datetime
    filename: str
    content_type: str
    size: int


class UploadIncomplete(Conflict):
    """A file is listed on the request but the bucket never received it."""

    code = "upload_incomplete"


class AttachmentFiles(Protocol):
    """The attachments bucket, as the desk reads it."""

    @property
    def expires_in(self) -> int:
        """How many seconds a download link stays valid."""
        ...

    def present(self, keys: Sequence[str]) -> frozenset[str]:
        """Those of ``keys`` the bucket holds."""
        ...

    def download_url(self, key: str, disposition: str, content_type: str) -> str:
        """A presigned GET of ``key`` answered with these ``Content-*`` headers."""
        ...


class S3AttachmentFiles:
    """The attachments bucket: one ``HeadObject`` per file checked, presigned GETs.

    The process's S3 client is taken on first use (SigV4, so the links work in every
    region). A missing key answers 404 only to a caller that may list the bucket
    (``s3:ListBucket``); without it S3 says 403, which is not taken for "absent" and
    propagates.
    """

    def __init__(self, clients: Clients, bucket: str, *, expires_in: int) -> None:
        self._clients = clients
        self._bucket = bucket
        self._expires_in = expires_in

    @cached_property
    def _client(self) -> Any:
        return self._clients.get("s3")

    @property
    def expires_in(self) -> int:
        """How many seconds a download link stays valid."""
        return self._expires_in

    def present(self, keys: Sequence[str]) -> frozenset[str]:
        """Those of ``keys`` the bucket holds: their ``HeadObject`` s, a few at a time."""
        if not keys:
            return frozenset()
        client = self._client
        with ThreadPoolExecutor(max_workers=min(_HEAD_THREADS, len(keys))) as pool:
            found = pool.map(lambda key: self._exists(client, key), keys)
            return frozenset(key for key, there in zip(keys, found, strict=True) if there)

    def download_url(self, key: str, disposition: str, content_type: str) -> str:
        """A presigned GET of ``key``, valid for :attr:`expires_in` seconds."""
        return str(
            self._client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type,
                },
                ExpiresIn=self._expires_in,
            )
        )

    def _exists(self, client: Any, key: str) -> bool:
        try:
            client.head_object(Bucket=self._bucket, Key=key)
        except client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING_OBJECT:
                return False
            raise
        return True


class RequestView(WorklistItem):
    """A request as its detail shows it."""

    description: str
    citizen_id: str | None
    language: Language
    response_channel: str
    location: LocationView | None
    attachments: list[AttachmentView]


class TimelineEntry(BaseModel):
    """One entry of a request's history: who did what, and when."""

    at: datetime
    kind: TimelineKind
    channel: str
    actor: str
    actor_name: str | None = Field(description="the staff member's user name, if staff acted")
    text: str | None
    from_state: RequestState | None
    to_state: RequestState | None
    reason: str | None
    media_url: str | None = Field(
        default=None, description="an outside link an Open311 app gave, never fetched"
    )


class SnapshotView(BaseModel):
    """What one back-office system said, and how old that is."""

    system: str
    name: str
    status: str | None
    fetched_at: datetime | None
    age_s: int | None
    available: bool
    data: dict[str, Any]


class DuplicateView(BaseModel):
    """A request of the same theme nearby, or the one this request duplicates."""

    reference: str
    state: RequestState
    distance_m: float | None
    received_at: datetime


class RequestDetail(BaseModel):
    """Everything the desk shows about one request."""

    request: RequestView
    timeline: list[TimelineEntry]
    snapshots: list[SnapshotView]
    duplicates: list[DuplicateView]
    allowed_transitions: list[RequestState]
    lock: LockView | None = Field(
        default=None, description="who is working the request now; null when nobody is"
    )
    links: LinksView | None = Field(
        default=None, description="its principal, joined requests, parts and claims"
    )


class CitizenSearch(BaseModel):
    """One way to find a citizen: a contact point, a document, a name or a reference."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    phone: str | None = Field(default=None, min_length=3, max_length=40)
    email: str | None = Field(default=None, min_length=3, max_length=254)
    document: str | None = Field(default=None, min_length=3, max_length=20)
    name: str | None = Field(default=None, min_length=2, max_length=120)
    reference: str | None = Field(default=None, pattern=REFERENCE.pattern)

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        given = [name for name, value in self if value is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of phone, email, document, name, reference")
        return self


class CitizenHit(BaseModel):
    """A citizen a search found."""

    citizen_id: str
    display_name: str | None
    district: str | None
    languages: list[Language]
    request_count: int


class CitizenHits(BaseModel):
    """What a citizen search found, in the caller's scope."""

    items: list[CitizenHit]


class ContactView(BaseModel):
    """A contact point, unsealed for staff."""

    kind: ContactKind
    value: str
    verified: bool


class ConsentView(BaseModel):
    """The latest answers a citizen gave about being contacted."""

    purpose: str
    channel: str
    granted: bool
    at: datetime


class CitizenProfile(BaseModel):
    """A citizen's profile; ``kind`` is ``identified`` once a contact point is verified."""

    citizen_id: str
    display_name: str | None
    kind: Literal["identified", "provisional"]
    district: str | None
    neighbourhood: str | None
    languages: list[Language]
    contacts: list[ContactView]
    consents: list[ConsentView]


class CitizenView(BaseModel):
    """The citizen 360 view: profile, every request, back-office answers."""

    citizen: CitizenProfile
    requests: list[WorklistItem]
    snapshots: list[SnapshotView]
    campaigns: list[dict[str, Any]]
    answers: list[dict[str, Any]]


class SubtreeTooWide(ValidationFailed):
    """A group's subtree takes more key ranges than one read may make.

    Attributes
    ----------
    group
        The group chosen.
    needed
        The key ranges its subtree takes.
    cap
        The most one read may make.
    choices
        The group's children in the caller's districts, its groups before its branches:
        a narrower choice to make.

    The message names the groups below to choose from, and a district when the caller
    has more than one; a group with branches alone asks for a district, or a branch.
    """

    code = "too_many_queues"

    def __init__(
        self,
        group: str,
        needed: int,
        cap: int,
        choices: Sequence[str],
        *,
        narrowable: bool,
    ) -> None:
        groups = [code for code in choices if not _is_branch(code)]
        wide = (
            f"{group} and the groups below it take {needed} key ranges to read, "
            f"more than the {cap} one read may make"
        )
        if groups:
            advice = "choose one of the groups below it: " + ", ".join(groups)
            if narrowable:
                advice += ", or a district"
            super().__init__(f"{wide}; {advice}", field="group")
        elif narrowable:
            super().__init__(f"is needed: {wide}", field="district")
        else:
            branches = ", ".join(choices)
            super().__init__(f"{wide}; choose one of its branches: {branches}", field="group")
        self.group = group
        self.needed = needed
        self.cap = cap
        self.choices = tuple(choices)


@dataclass
class _Queue:
    """One key range of the worklist index: one group's queue, one stage, one shard."""

    pk: str
    low: str
    high: str
    last: str
    done: bool = False
    started: bool = False
    start: dict[str, Any] | None = None
    buffer: deque[Item] = field(default_factory=deque)

    def resume(self) -> None:
        """Go on after ``last`` (the last item handed out), or from the range's start."""
        if self.last:
            reference = self.last.rsplit("#", 1)[-1]
            self.start = {
                "GSI2PK": self.pk,
                "GSI2SK": self.last,
                **keys.request(reference),
            }

    @property
    def position(self) -> str | None:
        """Where the next page starts; ``None`` once the range is used up."""
        return None if self.done and not self.buffer else self.last


@dataclass(frozen=True)
class _Filters:
    """A worklist page's FilterExpression, its names and its values."""

    expression: str | None
    names: dict[str, str]
    values: dict[str, Any]


class Worklist:
    """A group's requests, soonest due first, across its queues and shards.

    The worklist index (GSI2) keys each request by ``QUEUE#<group>#<shard>`` and
    ``<stage>#<due time>#<reference>``, where the stage is ``open`` for every open
    state and the state itself once final (:func:`keys.queue_stage`). A group is read
    with its whole subtree, as one key range per (queue, shard): the group's own queue,
    that of every group below it in the catalogue's tree (an area coordinator's group
    reads each group of the area) and their district or neighbourhood branches in the
    caller's districts, every shard (:meth:`queues`). The ranges' pages
    are merged by due time, and the cursor keeps where each range stopped. A view
    (:class:`~finestra.desk.worklist_views.WorklistView`) sets the filters it stands
    for; an alarm filters on the request's flags.

    Read cost of a page: one ``Query`` per range (half a read unit at least, eventually
    consistent, more once a range's items pass 4 KB); then one ``BatchGetItem`` of the
    page's requests for the description and neighbourhood the index does not hold (each
    item rounded up to 4 KB: half a unit each). The first page adds two reads per range
    for the counts (:meth:`counts`): a ``Query`` of the open key range due before the
    horizon (now plus the longest SLA's share still to spend once at risk) and one of
    the range after it, every page of each. Every open request of the range is read
    once, half a unit per 4 KB of index items, and counted in code for the SLA counts,
    every view and every alarm. Later pages carry the counts in the cursor. An open
    state, theme, district, channel, priority, agent (``mine``), alarm and reference
    prefix are ``FilterExpression`` s: the items they drop are read and paid for all
    the same. The SLA filter is a key range, narrowed exactly in code for
    ``at_risk`` and ``on_time``. The counts are those of the whole subtree read. A
    group whose subtree would take more than :data:`MAX_QUEUE_READS` ranges (a whole
    city's neighbourhood branches, an area of many groups) is refused, never read in
    part: :class:`SubtreeTooWide` names the groups below it to choose from, or asks for
    a district when it has only branches. The city root is always refused that way,
    naming the area groups: its subtree is every queue of the city.
    """

    def __init__(
        self,
        table: Table,
        catalogue: Catalogue,
        cursors: Cursors,
        clock: Callable[[], datetime],
        *,
        shards: int,
        near_fraction: float,
        page_size: int,
        max_reads: int = MAX_QUEUE_READS,
    ) -> None:
        self._table = table
        self._catalogue = catalogue
        self._cursors = cursors
        self._clock = clock
        self._shards = shards
        self._max_reads = max_reads
        self._near = near_fraction
        self._page_size = page_size
        longest = max((theme.sla_hours for theme in catalogue.themes), default=24)
        self._horizon = timedelta(hours=longest) * (1 - near_fraction)

    def page(self, staff: Staff, query: WorklistQuery) -> WorklistPage:
        """One page of the worklist ``query`` asks for; the filters are checked first."""
        require_reader(staff)
        query = _narrowed(query)
        group = self._group(staff, query)
        self._check_filters(staff, query)
        queues = self.bounded_queues(staff, group, query.district)
        stage = keys.queue_stage(query.state) if query.state else keys.OPEN_STAGE
        fingerprint = _fingerprint(staff, group, queues, query)
        position = self._opened(query.cursor, fingerprint)
        as_of = (
            datetime.fromisoformat(position["as_of"])
            if position
            else self._clock().astimezone(UTC).replace(microsecond=0)
        )
        place = _place_filter(staff, query.district)
        counts, views = _carried(position) if position else self.counts(staff, queues, place, as_of)
        ranges = self._ranges(queues, stage, query.sla, as_of, position)
        limit = query.limit or self._page_size
        filters = _joined(_page_filter(place, query), _view_filter(staff, query))
        items = self._merged(ranges, filters, query.sla, as_of, limit)
        next_cursor = None
        if any(r.position is not None for r in ranges):
            next_cursor = self._cursors.seal(
                _WORKLIST_CURSOR,
                {
                    "query": fingerprint,
                    "as_of": as_of.isoformat(),
                    "counts": counts.model_dump(),
                    "views": views.model_dump(),
                    "positions": [r.position for r in ranges],
                },
            )
        return WorklistPage(
            items=self._views(items, as_of, query.lang),
            next_cursor=next_cursor,
            counts=counts,
            views=views,
        )

    def queues(self, staff: Staff, group: str, district: str | None) -> list[str]:
        """The queues of a group's subtree in the caller's (or one) district.

        Parameters
        ----------
        staff
            The caller, whose districts choose the branches.
        group
            The group chosen.
        district
            One district the branches are narrowed to, or ``None`` for all the caller's.

        Returns
        -------
        list[str]
            The group first, then every group below it in the catalogue's tree, each
            before the groups below it: the groups of ``groups.json`` whatever their
            district, their district and neighbourhood branches only in the districts
            asked for.
        """
        found = [group]
        for below in self._catalogue.groups_under(group):
            if _is_branch(below.code):
                place = self._branch_district(below.code)
                if not staff.covers_district(place) or district not in (None, place):
                    continue
            found.append(below.code)
        return found

    def bounded_queues(
        self,
        staff: Staff,
        group: str,
        district: str | None,
        *,
        ranges_per_queue: int | None = None,
        cap: int | None = None,
    ) -> list[str]:
        """:meth:`queues`, refused with the groups to choose from when they are too many.

        Parameters
        ----------
        staff
            The caller.
        group
            The group chosen.
        district
            The district the branches are narrowed to, if one.
        ranges_per_queue
            The key ranges one queue costs: its shards by default; a search reading
            several stages passes shards times stages.
        cap
            The most key ranges allowed; :attr:`max_reads` by default.

        Returns
        -------
        list[str]
            The queues, when they take no more than ``cap`` ranges.

        Raises
        ------
        SubtreeTooWide
            When they take more: the error names the group's children in the caller's
            districts to choose from. The city root's subtree (every group of the city)
            is always past the cap, so choosing it is refused with the area groups.
        """
        queues = self.queues(staff, group, district)
        per_queue = self._shards if ranges_per_queue is None else ranges_per_queue
        limit = self._max_reads if cap is None else cap
        needed = len(queues) * per_queue
        if needed > limit:
            narrowable = district is None and (staff.whole_city or len(staff.districts) > 1)
            choices = self._choices(group, queues)
            raise SubtreeTooWide(group, needed, limit, choices, narrowable=narrowable)
        return queues

    @property
    def max_reads(self) -> int:
        """The most (queue, shard) key ranges one worklist page reads."""
        return self._max_reads

    def counts(
        self, staff: Staff, queues: Sequence[str], place: _Filters, as_of: datetime
    ) -> tuple[SlaCounts, ViewCounts]:
        """How the open requests of ``queues`` stand against their SLA, and each view's count.

        Two ``Query`` s per (queue, shard), every page: the open key range due before the
        horizon and the range after it, so each open request in the caller's districts is
        read once and counted in code (a view's FilterExpression count would read the
        same items again for each view).
        """
        counts, views = SlaCounts(), ViewCounts()
        stage = keys.OPEN_STAGE
        end = f"{stage}#{_key_time(as_of + self._horizon)}#{_KEY_END}"
        for queue in queues:
            for shard in range(self._shards):
                pk = f"QUEUE#{queue}#{shard}"
                for low, high in ((f"{stage}#", end), (end, f"{stage}#{_KEY_END}")):
                    for item in self._all(pk, low, high, place):
                        state = self._sla_of(item, as_of)
                        counts.add(state)
                        views.add(item, state, staff.user_id)
        return counts, views

    def _group(self, staff: Staff, query: WorklistQuery) -> str:
        group = query.group or min(staff.groups, default=None)
        if group is None:
            raise ValidationFailed("is required: your account names no group", field="group")
        try:
            self._catalogue.group(group)
        except NotFound:
            raise ValidationFailed("is not a responsible group", field="group") from None
        require_group(self._catalogue, staff, group)
        if "." in group:
            staff.require_district(self._branch_district(group))
        return group

    def _check_filters(self, staff: Staff, query: WorklistQuery) -> None:
        if query.theme is not None:
            try:
                self._catalogue.theme(query.theme)
            except ValidationFailed:
                raise ValidationFailed("is not a theme of the catalogue", field="theme") from None
        if query.district is not None:
            if query.district not in {d.code for d in self._catalogue.districts}:
                raise ValidationFailed("is not a district code", field="district")
            staff.require_district(query.district)

    def _choices(self, group: str, queues: Sequence[str]) -> list[str]:
        """The children of ``group`` among ``queues``: its groups first, then its branches."""
        children = [code for code in queues[1:] if self._catalogue.group(code).parent == group]
        return sorted(children, key=_is_branch)

    def _branch_district(self, code: str) -> str:
        place = code.rsplit(".", 1)[1]
        if place.startswith("d"):
            return place[1:]
        return self._catalogue.district_of(place[1:])

    def _opened(self, cursor: str | None, fingerprint: str) -> dict[str, Any] | None:
        if cursor is None:
            return None
        position = self._cursors.open(_WORKLIST_CURSOR, cursor)
        if position.get("query") != fingerprint:
            raise MalformedInput("belongs to a worklist with other filters", field="cursor")
        try:
            datetime.fromisoformat(str(position["as_of"]))
            _carried(position)
            if not isinstance(position["positions"], list):
                raise TypeError
        except (KeyError, TypeError, ValueError):
            raise MalformedInput("is not a cursor this list handed out", field="cursor") from None
        return position

    def _ranges(
        self,
        queues: Sequence[str],
        stage: str,
        sla: SlaFilter | None,
        as_of: datetime,
        position: Mapping[str, Any] | None,
    ) -> list[_Queue]:
        stamp, horizon = _key_time(as_of), _key_time(as_of + self._horizon)
        low, high = _bounds(stage, sla, stamp, horizon)
        ranges = [
            _Queue(pk=f"QUEUE#{queue}#{shard}", low=low, high=high, last="")
            for queue in queues
            for shard in range(self._shards)
        ]
        if position is None:
            return ranges
        saved = position["positions"]
        if len(saved) != len(ranges):
            raise MalformedInput("belongs to a worklist with other filters", field="cursor")
        for entry, last in zip(ranges, saved, strict=True):
            if last is None:
                entry.done = True
            elif isinstance(last, str) and (not last or entry.low <= last <= entry.high):
                entry.last = last
                entry.resume()
            else:
                raise MalformedInput("is not a cursor this list handed out", field="cursor")
        return ranges

    def _merged(
        self,
        ranges: Sequence[_Queue],
        filters: _Filters,
        sla: SlaFilter | None,
        as_of: datetime,
        limit: int,
    ) -> list[Item]:
        first = min(limit, max(5, math.ceil(limit / max(len(ranges), 1)) + 1))

        def keep(item: Item) -> bool:
            return sla not in ("at_risk", "on_time") or self._sla_of(item, as_of) == sla

        page: list[Item] = []
        while len(page) < limit:
            heads = [(r, self._head(r, filters, keep, first, limit)) for r in ranges]
            waiting = [(r, item) for r, item in heads if item is not None]
            if not waiting:
                break
            chosen, item = min(waiting, key=lambda pair: _order(pair[1]))
            chosen.buffer.popleft()
            chosen.last = str(item["GSI2SK"])
            page.append(item)
        return page

    def _head(
        self,
        queue: _Queue,
        filters: _Filters,
        keep: Callable[[Item], bool],
        first: int,
        limit: int,
    ) -> Item | None:
        while not queue.buffer and not queue.done:
            items, queue.start = self._table.query(
                "GSI2PK = :pk AND GSI2SK BETWEEN :low AND :high",
                {":pk": queue.pk, ":low": queue.low, ":high": queue.high, **filters.values},
                index="GSI2",
                limit=limit if queue.started else first,
                start=queue.start,
                filter_expression=filters.expression,
                names=filters.names or None,
            )
            queue.started = True
            queue.buffer.extend(item for item in items if keep(item))
            queue.done = queue.start is None
        return queue.buffer[0] if queue.buffer else None

    def _views(
        self, items: Sequence[Item], as_of: datetime, language: Language
    ) -> list[WorklistItem]:
        extras = _request_extras(self._table, [str(i["reference"]) for i in items])
        return [
            worklist_item(
                item,
                extras.get(str(item["reference"]), {}),
                catalogue=self._catalogue,
                now=as_of,
                near_fraction=self._near,
                language=language,
            )
            for item in items
        ]

    def _sla_of(self, item: Item, as_of: datetime) -> SlaState:
        return sla_state(
            _time(item["created_at"]), _optional_time(item.get("sla_due_at")), as_of, self._near
        )

    def _all(self, pk: str, low: str, high: str, filters: _Filters) -> list[Item]:
        found: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            items, start = self._table.query(
                "GSI2PK = :pk AND GSI2SK BETWEEN :low AND :high",
                {":pk": pk, ":low": low, ":high": high, **filters.values},
                index="GSI2",
                start=start,
                filter_expression=filters.expression,
                names=filters.names or None,
            )
            found.extend(items)
            if start is None:
                return found


class DeskViews:
    """The desk's read side: request detail, citizen search and the citizen 360 view."""

    def __init__(
        self,
        *,
        table: Table,
        requests: RequestStore,
        citizens: CitizenStore,
        catalogue: Catalogue,
        access_log: AccessLog,
        clock: Callable[[], datetime],
        near_fraction: float,
        files: AttachmentFiles,
    ) -> None:
        self._table = table
        self._requests = requests
        self._citizens = citizens
        self._catalogue = catalogue
        self._access_log = access_log
        self._files = files
        self._clock = clock
        self._near = near_fraction
        self._system_names = {system.code: system.names for system in catalogue.systems}
        self._locks = RequestLocks(table, clock)

    def request_for(self, staff: Staff, reference: str) -> Request:
        """The request ``reference``, if the caller may work on it (one ``GetItem``).

        Raises
        ------
        ValidationFailed
            When ``reference`` is not a reference.
        NotFound
            When no request has it.
        Forbidden
            When the caller's role or scope does not reach it.
        """
        require_reader(staff)
        if not REFERENCE.match(reference):
            raise ValidationFailed("is not a request reference", field="reference")
        request = self._requests.get(reference)
        if request is None:
            raise NotFound("no request has this reference")
        require_request_scope(staff, request, self._catalogue)
        return request

    def request_detail(
        self, staff: Staff, reference: str, language: Language = Language.CA
    ) -> RequestDetail:
        """Everything about one request.

        Read cost: one ``GetItem`` of the request, one ``Query`` of its item collection
        (its history), one ``BatchGetItem`` of the back-office snapshots that may hold
        it (each system under each owner a snapshot can have), for a theme that looks
        for duplicates, one ``Query`` per geohash cell around it (nine), and one S3
        ``HeadObject`` for each of the first :data:`MAX_CHECKED_FILES` files of its
        history (a few at a time), which says whether each is ``uploaded``; a file past
        them is not checked and says ``null``; then a consistent ``GetItem`` of its lock,
        so a lock just taken shows.
        """
        request = self.request_for(staff, reference)
        now = self._clock()
        history = self._requests.history(request.reference)
        theme = self._catalogue.known_theme(request.theme_code)
        allowed = allowed_targets(theme.process, request.state) if theme else frozenset()
        return RequestDetail(
            request=self._request_view(request, history, now, language),
            timeline=[_timeline_entry(entry) for entry in history],
            snapshots=self._request_snapshots(request, theme, now, language),
            duplicates=self._duplicates(request, theme),
            allowed_transitions=[state for state in RequestState if state in allowed],
            lock=self._locks.view(request.reference, staff.user_id),
            links=self._links(request),
        )

    def _links(self, request: Request) -> LinksView:
        references = linked_references(request)
        found = LinkStore(self._requests).linked(references) if references else {}
        return links_view(request, found)

    def attachment(self, staff: Staff, reference: str, file_id: str) -> AttachmentDownload:
        """A short-lived link to one file of a request, for a caller who may read the request.

        The link answers the file as an attachment under its recorded name and type. When
        the request names a citizen, the download is in the access log (reason
        ``attachment``) before the link is handed out.

        Read cost: one ``GetItem`` of the request, one ``Query`` of its history and one S3
        ``HeadObject``; the access record is one transaction of two items.

        Raises
        ------
        ValidationFailed
            When ``reference`` or ``file_id`` is not of their form.
        NotFound
            When no request has the reference, or none of its files has the id.
        Forbidden
            When the caller's role or scope does not reach the request.
        UploadIncomplete
            When the file is listed but the bucket never received it.
        """
        request = self.request_for(staff, reference)
        if not _FILE_ID.fullmatch(file_id):
            raise ValidationFailed("is not a file id", field="attachment_id")
        found = _by_id(self._requests.attachments(request.reference)).get(file_id)
        if found is None:
            raise NotFound("this request has no file with this attachment_id")
        if not self._files.present([found.key]):
            raise UploadIncomplete(
                "the file is listed but its upload did not complete; add it again"
            )
        if request.citizen_id:
            self._access_log.record(
                staff, request.citizen_id, route=ATTACHMENT_ROUTE, reason=AccessReason.ATTACHMENT
            )
        served = found.content_type if _MEDIA_TYPE.fullmatch(found.content_type) else _OPAQUE_TYPE
        url = self._files.download_url(found.key, content_disposition(found.filename), served)
        return AttachmentDownload(
            url=url,
            expires_at=self._clock() + timedelta(seconds=self._files.expires_in),
            filename=found.filename,
            content_type=found.content_type,
            size=found.size,
        )

    def search_citizens(self, staff: Staff, search: CitizenSearch) -> CitizenHits:
        """The citizens ``search`` finds that the caller may see; each one is logged.

        Read cost: by phone, email or document, one ``GetItem`` of the contact-point
        index; by reference, one ``GetItem`` of the request; by name, one ``Query`` of
        the name index per word and a ``GetItem`` of each profile it names. Then, for
        each citizen found (at most 20), a consistent ``GetItem`` of the profile that
        stands for it now (a merged citizen's survivor's), a ``Query`` of the citizen's
        requests (GSI1), and one access record per citizen shown.
        """
        require_reader(staff)
        found: dict[str, Citizen] = {}
        for candidate in self._candidates(search)[:MAX_CITIZEN_HITS]:
            citizen = self._citizens.resolve(candidate)
            if citizen is not None:
                found.setdefault(citizen.id, citizen)
        hits: list[CitizenHit] = []
        for citizen in found.values():
            requests = self._citizen_requests(citizen.id)
            if not citizen_in_scope(staff, citizen, _groups(requests), self._catalogue):
                continue
            hits.append(
                CitizenHit(
                    citizen_id=citizen.id,
                    display_name=display_name(citizen),
                    district=citizen.district_code,
                    languages=[citizen.language],
                    request_count=len(requests),
                )
            )
        self._access_log.record_many(
            staff,
            [hit.citizen_id for hit in hits],
            route=CITIZENS_ROUTE,
            reason=AccessReason.SEARCH,
        )
        return CitizenHits(items=hits)

    def citizen_for(self, staff: Staff, citizen_id: str) -> tuple[Citizen, list[Item]]:
        """The citizen and their requests (GSI1 projections, newest first), if in scope.

        A merged citizen's id gives the citizen it was merged into.
        """
        require_reader(staff)
        if not _CITIZEN_ID.fullmatch(citizen_id):
            raise ValidationFailed("is not a citizen id", field="citizen_id")
        citizen = self._citizens.resolve(citizen_id)
        if citizen is None:
            raise NotFound("no citizen has this id")
        requests = self._citizen_requests(citizen.id)
        if not citizen_in_scope(staff, citizen, _groups(requests), self._catalogue):
            raise Forbidden("this citizen is outside your districts and groups")
        return citizen, requests

    def citizen_360(
        self, staff: Staff, citizen_id: str, language: Language = Language.CA
    ) -> CitizenView:
        """The citizen 360 view; the read is in the access log before anything is shown.

        Read cost: one consistent ``GetItem`` of the profile (one more per merge it
        follows), one ``Query`` of the citizen's
        requests on GSI1 (every page), ``BatchGetItem`` s of their descriptions (a
        hundred at a time), one ``Query`` of the citizen's snapshots; the access record
        is one transaction of two items.
        """
        citizen, requests = self.citizen_for(staff, citizen_id)
        self._access_log.record(staff, citizen.id, route=CITIZEN_ROUTE, reason=AccessReason.PROFILE)
        now = self._clock()
        extras = _request_extras(self._table, [str(r["reference"]) for r in requests])
        items = [
            worklist_item(
                r,
                extras.get(str(r["reference"]), {}),
                catalogue=self._catalogue,
                now=now,
                near_fraction=self._near,
                language=language,
            )
            for r in requests
        ]
        snapshots = [
            self._snapshot_view(str(item["system"]), item, None, now, language)
            for item in self._owned_snapshots(f"CITIZEN#{citizen.id}")
        ]
        return CitizenView(
            citizen=_profile(citizen),
            requests=items,
            snapshots=snapshots,
            campaigns=[],
            answers=[],
        )

    def _candidates(self, search: CitizenSearch) -> list[str]:
        if search.name is not None:
            return [c.id for c in self._citizens.named(search.name, limit=MAX_CITIZEN_HITS)]
        citizen_id: str | None = None
        if search.reference is not None:
            request = self._requests.get(search.reference)
            citizen_id = request.citizen_id if request else None
        else:
            match = self._citizens.find(_contact_point(search))
            citizen_id = match.citizen_id if match else None
        return [citizen_id] if citizen_id else []

    def _citizen_requests(self, citizen_id: str) -> list[Item]:
        found: list[Item] = []
        start: dict[str, Any] | None = None
        while len(found) < MAX_CITIZEN_REQUESTS:
            items, start = self._table.query(
                "GSI1PK = :pk AND begins_with(GSI1SK, :kind)",
                {":pk": f"CITIZEN#{citizen_id}", ":kind": "REQUEST#"},
                index="GSI1",
                forward=False,
                start=start,
            )
            found.extend(items)
            if start is None:
                break
        return found[:MAX_CITIZEN_REQUESTS]

    def _request_view(
        self, request: Request, history: Sequence[Interaction], now: datetime, language: Language
    ) -> RequestView:
        location = request.location
        summary = worklist_item(
            _request_item(request),
            {"description": request.description, "location": _location_item(location)},
            catalogue=self._catalogue,
            now=now,
            near_fraction=self._near,
            language=language,
        )
        files = list(_by_id(file for entry in history for file in entry.attachments).items())
        checked = [file.key for _, file in files[:MAX_CHECKED_FILES]]
        present = self._files.present(checked)
        attachments = [
            AttachmentView(
                attachment_id=file_id,
                **file.model_dump(),
                uploaded=file.key in present if number < MAX_CHECKED_FILES else None,
            )
            for number, (file_id, file) in enumerate(files)
        ]
        return RequestView(
            **summary.model_dump(),
            description=request.description,
            citizen_id=request.citizen_id,
            language=request.language,
            response_channel=request.response_channel.value,
            location=_location_view(location) if location else None,
            attachments=attachments,
        )

    def _request_snapshots(
        self, request: Request, theme: Theme | None, now: datetime, language: Language
    ) -> list[SnapshotView]:
        systems = list(
            dict.fromkeys([*(theme.back_office_systems if theme else ()), *request.backoffice])
        )
        if not systems:
            return []
        owners = _snapshot_owners(request)
        found: dict[str, Item] = {}
        for item in self._table.batch_get(
            [keys.snapshot(owner, system) for owner in owners for system in systems]
        ):
            system = str(item["system"])
            if system not in found or str(item["fetched_at"]) > str(found[system]["fetched_at"]):
                found[system] = item
        return [
            self._snapshot_view(
                system, found.get(system), request.backoffice.get(system), now, language
            )
            for system in systems
        ]

    def _owned_snapshots(self, owner: str) -> list[Item]:
        items, _ = self._table.query(
            "PK = :pk AND begins_with(SK, :kind)", {":pk": owner, ":kind": "SNAPSHOT#"}
        )
        return items

    def _snapshot_view(
        self,
        system: str,
        item: Item | None,
        status: SystemStatus | None,
        now: datetime,
        language: Language,
    ) -> SnapshotView:
        label = self._system_names.get(system)
        fetched = _optional_time(item.get("fetched_at")) if item else None
        if fetched is None and status is not None:
            fetched = status.fetched_at
        available = status.available if status is not None else item is not None
        return SnapshotView(
            system=system,
            name=label.in_(language) if label else system,
            status=(str(item["status"]) if item else None) or (status.status if status else None),
            fetched_at=fetched,
            age_s=int((now - fetched).total_seconds()) if fetched else None,
            available=available,
            data=dict(item.get("data") or {}) if item else {},
        )

    def _duplicates(self, request: Request, theme: Theme | None) -> list[DuplicateView]:
        found: dict[str, DuplicateView] = {}
        here = _point(request.location)
        if theme and theme.duplicate_radius_m and here and request.theme_code:
            radius = theme.duplicate_radius_m
            window = timedelta(days=theme.duplicate_window_days or 30)
            cells = cells_covering(here.latitude, here.longitude, radius, geo_precision(radius))
            for item in self._requests.near(theme.code, cells, request.created_at - window):
                there = _point_of(item.get("location"))
                if item["reference"] == request.reference or there is None:
                    continue
                distance = distance_m(here, there)
                received = _time(item["created_at"])
                if distance <= radius and received <= request.created_at + window:
                    found[str(item["reference"])] = DuplicateView(
                        reference=str(item["reference"]),
                        state=RequestState(item["state"]),
                        distance_m=round(distance, 1),
                        received_at=received,
                    )
        original = request.duplicate_of
        if original and original not in found:
            other = self._requests.get(original)
            if other is not None:
                there = _point(other.location)
                found[original] = DuplicateView(
                    reference=original,
                    state=other.state,
                    distance_m=round(distance_m(here, there), 1) if here and there else None,
                    received_at=other.created_at,
                )
        return sorted(found.values(), key=lambda d: (d.distance_m is None, d.distance_m or 0.0))


def worklist_item(
    item: Mapping[str, Any],
    extra: Mapping[str, Any],
    *,
    catalogue: Catalogue,
    now: datetime,
    near_fraction: float,
    language: Language,
) -> WorklistItem:
    """A worklist row from an index projection and the request's description and place."""
    theme_code = item.get("theme_code")
    created = _time(item["created_at"])
    due = _optional_time(item.get("sla_due_at"))
    location = extra.get("location") or {}
    return WorklistItem(
        reference=str(item["reference"]),
        theme=theme_code,
        theme_name=_theme_name(catalogue, theme_code, language),
        state=RequestState(item["state"]),
        channel=InputChannel(item["input_channel"]),
        district=item.get("district_code"),
        neighbourhood=location.get("neighbourhood_code"),
        priority=Priority(item.get("priority") or Priority.NORMAL),
        group=str(item["responsible_group"]),
        due_at=due,
        sla=sla_state(created, due, now, near_fraction),
        received_at=created,
        summary=str(extra.get("description") or "")[:SUMMARY_LENGTH],
        agent=item.get("assigned_agent"),
        alarms=alarms_of(item.get("flags")),
        joined_to=item.get("joined_to") or extra.get("joined_to"),
    )


def display_name(citizen: Citizen) -> str | None:
    """The name staff call a citizen by, if the city knows one."""
    name = " ".join(part for part in (citizen.given_name, citizen.family_names) if part)
    return name or None


def _profile(citizen: Citizen) -> CitizenProfile:
    return CitizenProfile(
        citizen_id=citizen.id,
        display_name=display_name(citizen),
        kind="identified" if citizen.identified else "provisional",
        district=citizen.district_code,
        neighbourhood=citizen.neighbourhood_code,
        languages=[citizen.language],
        contacts=[
            ContactView(kind=p.kind, value=p.value, verified=p.verified)
            for p in citizen.contact_points
        ],
        consents=[
            ConsentView(
                purpose=c.purpose.value, channel=c.channel, granted=c.granted, at=c.recorded_at
            )
            for c in citizen.consents
        ],
    )


def _contact_point(search: CitizenSearch) -> ContactPoint:
    if search.phone is not None:
        return ContactPoint(kind=ContactKind.PHONE, value=search.phone)
    if search.email is not None:
        return ContactPoint(kind=ContactKind.EMAIL, value=search.email)
    return ContactPoint(kind=ContactKind.DOCUMENT, value=str(search.document))


def attachment_id(key: str) -> str:
    """The id a file goes by in the desk's routes.

    A file staff uploaded keeps the id its upload was granted under (the last part of
    its key); a file that came another way (an email's attachment) goes by a digest of
    its key, so the same file always has the same id.
    """
    last = key.rsplit("/", 1)[-1]
    if _UPLOAD_ID.fullmatch(last):
        return last
    return "file_" + hashlib.sha256(key.encode()).hexdigest()[:26]


def content_disposition(filename: str) -> str:
    """A ``Content-Disposition`` that downloads a file under ``filename`` (RFC 6266).

    ``filename*`` carries the name exactly, UTF-8 and percent-encoded (RFC 8187);
    ``filename`` is the plain-ASCII stand-in for older clients, each character outside
    printable ASCII, and each quote, backslash and percent sign, as ``_``.
    """
    plain = _FALLBACK_NAME.sub("_", filename) or "file"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _by_id(files: Iterable[Attachment]) -> dict[str, Attachment]:
    """A request's files by id, in the order its history added them."""
    found: dict[str, Attachment] = {}
    for file in files:
        found.setdefault(attachment_id(file.key), file)
    return found


def _timeline_entry(entry: Interaction) -> TimelineEntry:
    kind = _TIMELINE_KINDS.get(entry.kind.value, "system")
    if kind == "note" and entry.actor == "system":
        kind = "system"
    return TimelineEntry(
        at=entry.at,
        kind=kind,
        channel=str(entry.channel),
        actor=entry.actor,
        actor_name=entry.actor_name,
        text=entry.text,
        from_state=entry.from_state,
        to_state=entry.to_state,
        reason=entry.reason,
        media_url=entry.media_url,
    )


def _request_item(request: Request) -> dict[str, Any]:
    """A request in the shape of its index projection."""
    return {
        "reference": request.reference,
        "theme_code": request.theme_code,
        "state": request.state.value,
        "input_channel": request.input_channel.value,
        "district_code": _district(request),
        "priority": request.priority.value,
        "responsible_group": request.responsible_group,
        "sla_due_at": request.sla_due_at.isoformat() if request.sla_due_at else None,
        "created_at": request.created_at.isoformat(),
        "assigned_agent": request.assigned_agent,
        "flags": request.flags,
    }


def _request_extras(table: Table, references: Sequence[str]) -> dict[str, Item]:
    """Each request's description and location, which the indexes do not hold."""
    extras: dict[str, Item] = {}
    for start in range(0, len(references), _BATCH):
        chunk = references[start : start + _BATCH]
        for item in table.batch_get([keys.request(r) for r in chunk], attributes=_ITEM_VIEW):
            extras[str(item["reference"])] = item
    return extras


def _location_item(location: Location | None) -> dict[str, Any]:
    return location.model_dump(exclude_none=True) if location else {}


def _location_view(location: Location) -> LocationView:
    return LocationView(
        lat=location.latitude,
        lon=location.longitude,
        address=location.address,
        district=location.district_code,
        neighbourhood=location.neighbourhood_code,
    )


def _snapshot_owners(request: Request) -> list[str]:
    """Every owner a snapshot about ``request`` may be kept under (see the workflow)."""
    owners = [f"REQUEST#{request.reference}"]
    here = _point(request.location)
    place = f"PLACE#{encode(here.latitude, here.longitude, _SNAPSHOT_CELL)}" if here else None
    if place:
        owners.append(place)
    if request.citizen_id:
        owners.append(f"CITIZEN#{request.citizen_id}")
        if place:
            owners.append(f"CITIZEN#{request.citizen_id}#{place}")
    return owners


def _theme_name(catalogue: Catalogue, code: str | None, language: Language) -> str | None:
    theme = catalogue.known_theme(code)
    if theme is None:
        return None
    return f"{theme.element.in_(language)} · {theme.detail.in_(language)}"


def _district(request: Request) -> str | None:
    return request.location.district_code if request.location else None


def _groups(requests: Iterable[Item]) -> set[str]:
    return {str(r["responsible_group"]) for r in requests if r.get("responsible_group")}


def _point(location: Location | None) -> Point | None:
    if location is None or location.latitude is None or location.longitude is None:
        return None
    return Point(location.latitude, location.longitude)


def _point_of(location: Any) -> Point | None:
    if not isinstance(location, dict):
        return None
    if location.get("latitude") is None or location.get("longitude") is None:
        return None
    return Point(float(location["latitude"]), float(location["longitude"]))


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def _optional_time(value: Any) -> datetime | None:
    return _time(value) if value else None


def _key_time(at: datetime) -> str:
    """A time as the index keys hold it (``datetime.isoformat`` in UTC)."""
    return at.astimezone(UTC).isoformat()


def _order(item: Item) -> str:
    """The part of a worklist key that sorts by due time: ``<due>#<reference>``."""
    return str(item["GSI2SK"]).split("#", 1)[1]


def _bounds(stage: str, sla: SlaFilter | None, stamp: str, horizon: str) -> tuple[str, str]:
    """The key range of one stage, narrowed to the SLA filter's due times."""
    if sla == "breached":
        return f"{stage}#", f"{stage}#{stamp}#{_KEY_END}"
    if sla == "at_risk":
        return f"{stage}#{stamp}#{_KEY_END}", f"{stage}#{horizon}#{_KEY_END}"
    if sla == "on_time":
        return f"{stage}#{stamp}#{_KEY_END}", f"{stage}#{_KEY_END}"
    return f"{stage}#", f"{stage}#{_KEY_END}"


def _place_filter(staff: Staff, district: str | None) -> _Filters:
    if district is not None:
        return _Filters(
            "#district = :district", {"#district": "district_code"}, {":district": district}
        )
    if staff.whole_city:
        return _Filters(None, {}, {})
    names = {"#district": "district_code"}
    codes = sorted(staff.districts)
    if not codes:
        return _Filters("attribute_not_exists(#district)", names, {})
    values = {f":d{i}": code for i, code in enumerate(codes)}
    expression = f"(attribute_not_exists(#district) OR #district IN ({', '.join(values)}))"
    return _Filters(expression, names, values)


def _page_filter(place: _Filters, query: WorklistQuery) -> _Filters:
    parts: list[_Filters] = [place]
    if query.state is not None and query.state not in FINAL_STATES:
        state = query.state.value
        parts.append(_Filters("#state = :state", {"#state": "state"}, {":state": state}))
    if query.theme is not None:
        parts.append(_Filters("#theme = :theme", {"#theme": "theme_code"}, {":theme": query.theme}))
    if query.channel is not None:
        parts.append(
            _Filters(
                "#channel = :channel",
                {"#channel": "input_channel"},
                {":channel": query.channel.value},
            )
        )
    if query.priority is not None:
        parts.append(
            _Filters(
                "#priority = :priority",
                {"#priority": "priority"},
                {":priority": query.priority.value},
            )
        )
    if query.q is not None:
        parts.append(
            _Filters(
                "begins_with(#reference, :q)", {"#reference": "reference"}, {":q": query.q.upper()}
            )
        )
    if query.sla is not None:
        parts.append(_Filters("attribute_exists(sla_due_at)", {}, {}))
    return _joined(*parts)


def _narrowed(query: WorklistQuery) -> WorklistQuery:
    """``query`` with its view's filters set; a filter the view contradicts is refused."""
    fixed = view_filters(query.view)
    for name, value in fixed.items():
        given = getattr(query, name)
        if given is not None and given != value:
            raise ValidationFailed(f"contradicts the view {query.view.value}", field=name)
    return query.model_copy(update=dict(fixed)) if fixed else query


def _view_filter(staff: Staff, query: WorklistQuery) -> _Filters:
    """The filters a page adds for the view ``mine`` and for an alarm."""
    parts: list[_Filters] = []
    if query.view is WorklistView.MINE:
        agent = {":agent": staff.user_id}
        parts.append(_Filters("#agent = :agent", {"#agent": "assigned_agent"}, agent))
    if query.alarm is not None:
        alarm = {":alarm": query.alarm.value}
        parts.append(_Filters("contains(#flags, :alarm)", {"#flags": "flags"}, alarm))
    return _joined(*parts)


def _carried(position: Mapping[str, Any]) -> tuple[SlaCounts, ViewCounts]:
    """The counts a cursor carries from the list's first page."""
    return SlaCounts.model_validate(position["counts"]), ViewCounts.model_validate(
        position["views"]
    )


def _joined(*parts: _Filters) -> _Filters:
    expressions = [p.expression for p in parts if p.expression]
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for part in parts:
        names.update(part.names)
        values.update(part.values)
    return _Filters(" AND ".join(expressions) or None, names, values)


def _is_branch(code: str) -> bool:
    """Whether ``code`` is a district or neighbourhood branch (``<group>.d2``, ``waste.b7``)."""
    return "." in code


def _fingerprint(staff: Staff, group: str, queues: Sequence[str], query: WorklistQuery) -> str:
    filters = query.model_dump(mode="json", exclude={"cursor", "limit", "lang"})
    text = json.dumps(
        {"user": staff.user_id, "group": group, "queues": list(queues), "filters": filters},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]

"""The desk's duties towards citizens' records: merging two, undoing a merge, export, erasure.

Merge
    Agents and supervisors merge citizens of their districts whose requests are in their
    districts; administrators merge any two. The merged citizen's contact points (their
    index items and sealed copies), consents and requests (``citizen_id`` and the
    citizen index) move to the survivor, and the merged profile becomes a tombstone that
    points at the survivor, so a lookup by the old id follows it
    (:meth:`~finestra.storage.citizens.CitizenStore.resolve`). Two citizens are never
    merged when one is a tombstone or erased, or when both speak for legal entities with
    different tax ids. A merge runs in steps of at most 100 items a transaction, each of
    them held to the state of the merge record:

    1. open the record (``moving``), mark both citizens, and audit the merge under each;
    2. move the contact-point index items, a chunk at a time;
    3. move the requests, a chunk at a time, adding each chunk's references to the record;
    4. in one transaction: the survivor takes the points and consents, the merged citizen
       becomes the tombstone, the record is ``done``, and the survivor links to it.

    The merged profile is never deleted, so no request ever names a missing citizen, and
    each step moves only what is still where it was: asking for the same merge again
    after a crash carries it on from where it stopped.

Undo
    Reverses a ``done`` merge exactly, in the same steps backwards, unless something
    changed since that makes it unsafe: the survivor's profile (a consent or contact
    point recorded since), the tombstone, a moved request given to somebody else, a moved
    contact point, or a request filed for the survivor after the merge (nobody can tell
    whose it is). The refusal names what changed.

Export
    Everything held on a citizen (and on every citizen merged into them) as one JSON
    document: the profile with contact points in clear, consents, requests with their
    history, conversations, staff's draft answers and snapshots, the back-office
    snapshots, opinions, merges, the audit records and the access log. The export is
    audited and logged as an access. It is answered in the response body, so it is
    bounded by Lambda's 6 MB response: writing larger exports to
    ``DeskSettings.exports_bucket`` is not built yet.

    Each conversation on a request comes with who it is with (the groups, the external
    body), when it was opened and last written, and its messages with their text: for a
    conversation with the citizen, the city's messages to them and their answers; for
    one between groups or with a body, what each side wrote about the request (text the
    history already holds, now shown as the conversation it belongs to).

    Drafts are exported too. A draft is the city's internal working copy of an answer,
    but the right of access reaches the personal data the city processes, not only the
    documents it has finished: a draft that quotes or describes the citizen is such
    data for as long as it is kept (up to :data:`~finestra.desk.answers.DRAFT_DAYS`
    days), and the export already carries the staff's internal notes, which are of the
    same kind. A city that withholds drafts under a restriction of its own law drops
    the one ``drafts`` entry of :meth:`CitizenDuties._request_export`.

Erasure
    Anonymises every item that names the citizen (and every citizen merged into them):
    contact-point index items and name-index items are deleted, so the person can no
    longer be found; the profile keeps only ids, dates and language; requests keep theme,
    type, channels, state, group, dates, district and neighbourhood, with the point moved
    to the centre of its geohash cell of :data:`COARSE_PRECISION` characters (about
    1.2 km by 0.6 km), while descriptions, interaction text (messages and notes),
    entity applicants and files (every version, in S3) go; snapshots and opinions are
    deleted. Staff's drafts of answers to the citizen's requests are deleted. A
    conversation keeps who it was with and when: its items never hold message text (the
    history entries do, and lose it as every entry does, whether a conversation, a join,
    a split or a claim wrote it); an external body's author name is the body's, not the
    citizen's. Every inbox item of an erased request's conversations is deleted with the
    conversation's unread marks and the request's ``conversation_unread`` alarm (and a
    conversation with the citizen is marked seen up to their last answer), so no group
    is sent to read a conversation whose text is gone, and an external body's
    unused reply link is revoked, so nothing new is written about the citizen through
    it. An erasure is audited with ids and counts only. Erasing again is harmless: it
    sweeps up anything left and writes nothing when nothing is.

    What it cannot reach: point-in-time backups (kept 35 days) and the table's stream
    (24 hours) age out by themselves, and raw mail in the inbound bucket is deleted by
    its lifecycle rule after 30 days. Name-index items are found from the names a
    profile holds now, so those of a name changed earlier would stay: the store does
    not change names today, and a change of name must delete its old words' items.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finestra.auth import Role, Staff
from finestra.desk.access_log import AccessLog, AccessQuery, AccessReason
from finestra.desk.conversations import CONVERSATION_UNREAD
from finestra.domain.errors import Conflict, NotFound, ValidationFailed
from finestra.domain.geo import bounds, encode
from finestra.domain.ids import new_id
from finestra.storage import keys
from finestra.storage.citizens import (
    MERGE_HOPS,
    CitizenStore,
    MergeRecords,
    audit_entry,
    removal,
)
from finestra.storage.requests import RequestStore
from finestra.storage.table import Delete, Item, Put, Table, TransactionConflict, Update
from finestra.surveys.store import response_key, texts_key

__all__ = [
    "CitizenDuties",
    "Erasure",
    "ErasureOrder",
    "Merge",
    "MergeOrder",
    "MergeState",
    "S3Attachments",
    "coarse_location",
]

Clock = Callable[[], datetime]
T = TypeVar("T")

MAX_TRANSACTION: Final = 100
"""DynamoDB's limit of items in one transaction."""

OPENING_ITEMS: Final = 5
"""The items of a merge's first transaction: the record, two marks, two audit records."""

COARSE_PRECISION: Final = 6
"""An erased request's point becomes the centre of its geohash cell of this length."""

SNAPSHOT_CELL_PRECISION: Final = 7
"""The length of the geohash in a snapshot owned by a citizen and a place, as the
workflow names the owner (``CITIZEN#<id>#PLACE#<geohash>``)."""

EXPORT_FORMAT: Final = "finestra.citizen-export/1"

_ATTEMPTS: Final = 3
_SURVEY_RESPONSE: Final = "SURVEYRESPONSE#"
_INDEX_ATTRIBUTES: Final = frozenset(
    {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "GSI4PK", "GSI4SK"}
)
_ULID: Final = "[0-9A-HJKMNP-TV-Z]{26}"
_CITIZEN_ID: Final = re.compile(rf"^cit_{_ULID}$")
_MERGE_ID: Final = re.compile(rf"^mrg_{_ULID}$")

CitizenId = Annotated[str, StringConstraints(pattern=_CITIZEN_ID.pattern)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class MergeOrder(BaseModel):
    """What a member of staff asks: merge ``merged`` into ``survivor``, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    survivor: CitizenId
    merged: CitizenId
    reason: Reason


class ErasureOrder(BaseModel):
    """An administrator's order to erase a citizen, and why (no personal data in it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Reason


class MergeState(StrEnum):
    """Where a merge stands."""

    MOVING = "moving"
    DONE = "done"
    UNDOING = "undoing"
    UNDONE = "undone"


class Merge(BaseModel):
    """The record of one merge: who, when and why, what moved, and what an undo needs."""

    merge_id: str
    survivor: str
    merged: str
    reason: str
    by: str
    by_username: str
    at: datetime
    state: MergeState
    references: list[str] = Field(default_factory=list, description="the requests moved")
    contacts_moved: int = 0
    consents_moved: int = 0
    survivor_contacts_before: int = 0
    survivor_consents_before: int = 0
    survivor_version: int | None = None
    merged_version: int | None = None
    finished_at: datetime | None = None
    undone_at: datetime | None = None
    undone_by: str | None = None

    @classmethod
    def from_item(cls, item: Item) -> "Merge":
        """A merge as its record stores it."""
        fields = {k: v for k, v in item.items() if k in cls.model_fields}
        fields["references"] = sorted(item.get("references") or ())
        return cls.model_validate(fields)

    def record(self) -> Item:
        """The merge as its record stores it (the references are added step by step)."""
        return self.model_dump(mode="json", exclude={"references"}, exclude_none=True)


class Erasure(BaseModel):
    """What an erasure did: its id, the citizens it covered and how many items of each kind."""

    erasure_id: str
    citizen_id: str
    citizens: list[str]
    at: datetime = Field(description="when the citizen was first erased")
    erased: dict[str, int] = Field(description="items anonymised or deleted by this run")


class AttachmentBucket(Protocol):
    """Where request files are kept."""

    def delete(self, key: str) -> int:
        """Delete every version of the file ``key``; how many versions there were."""
        ...


class S3Attachments:
    """The attachments bucket, versioned: deleting a file deletes each of its versions."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def delete(self, key: str) -> int:
        """Delete every version (and delete marker) of ``key``; how many versions there were."""
        params: dict[str, Any] = {"Bucket": self._bucket, "Prefix": key}
        deleted = 0
        while True:
            page = self._client.list_object_versions(**params)
            versions = [v for v in page.get("Versions", []) if v["Key"] == key]
            markers = [m for m in page.get("DeleteMarkers", []) if m["Key"] == key]
            entries = [{"Key": key, "VersionId": e["VersionId"]} for e in versions + markers]
            if entries:
                self._client.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": entries, "Quiet": True}
                )
            deleted += len(versions)
            if not page.get("IsTruncated"):
                return deleted
            params["KeyMarker"] = page["NextKeyMarker"]
            params["VersionIdMarker"] = page["NextVersionIdMarker"]


def coarse_location(location: Item | None) -> Item | None:
    """The place an erased request keeps: district, neighbourhood and a coarse point.

    Parameters
    ----------
    location
        The request's stored location, or ``None``.

    Returns
    -------
    dict or None
        The district and neighbourhood codes, and the point (if there was one) moved to
        the centre of its geohash cell of :data:`COARSE_PRECISION` characters; the
        address goes. ``None`` when nothing of the place is left.
    """
    if not location:
        return None
    kept: Item = {
        name: location[name]
        for name in ("district_code", "neighbourhood_code")
        if location.get(name) is not None
    }
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if latitude is not None and longitude is not None:
        south, north, west, east = bounds(encode(latitude, longitude, COARSE_PRECISION))
        kept["latitude"] = round((south + north) / 2, 6)
        kept["longitude"] = round((west + east) / 2, 6)
    return kept or None


class CitizenDuties:
    """Merge, undo a merge, export and erase citizens, with the rules of each."""

    def __init__(
        self,
        *,
        table: Table,
        citizens: CitizenStore,
        requests: RequestStore,
        attachments: AttachmentBucket,
        access_log: AccessLog | None,
        clock: Clock,
        transaction_items: int = MAX_TRANSACTION,
    ) -> None:
        if not OPENING_ITEMS <= transaction_items <= MAX_TRANSACTION:
            raise ValueError(f"a transaction holds {OPENING_ITEMS} to {MAX_TRANSACTION} items")
        self._table = table
        self._citizens = citizens
        self._requests = requests
        self._attachments = attachments
        self._access_log = access_log
        self._clock = clock
        self._chunk = transaction_items - 1
        self._transaction_items = transaction_items
        self._merges = MergeRecords(table)

    def merge(self, staff: Staff, order: MergeOrder, *, route: str) -> Merge:
        """Merge ``order.merged`` into ``order.survivor``, or finish that merge if it stopped.

        Parameters
        ----------
        staff
            Who asks: an agent or supervisor within scope, or an administrator.
        order
            The two citizens and the reason.
        route
            The route asked through, for the access log.

        Returns
        -------
        Merge
            The merge, ``done``; the same merge when these two were merged already.

        Raises
        ------
        ValidationFailed
            When both ids name one citizen.
        NotFound
            When either citizen is unknown.
        Forbidden
            When a citizen or a request to move is outside the caller's districts.
        Conflict
            When either citizen is a tombstone, erased or in another merge, when both
            speak for legal entities with different tax ids, or when they changed
            meanwhile.
        """
        staff.require(Role.AGENT, Role.SUPERVISOR)
        if order.survivor == order.merged:
            raise ValidationFailed("must name another citizen than survivor", field="merged")
        done = self._done(staff, order)
        if done is not None:
            return done
        survivor = self._live(order.survivor, "survivor")
        merged = self._live(order.merged, "merged")
        moving = self._stored_requests(order.merged)
        _check_scope(staff, [survivor, merged], moving)
        unfinished = self._unfinished(order, survivor, merged)
        if unfinished is not None:
            return self._carry_out(unfinished)
        _check_entities(survivor, self._stored_requests(order.survivor), merged, moving)
        merge = Merge(
            merge_id=new_id("mrg"),
            survivor=order.survivor,
            merged=order.merged,
            reason=order.reason,
            by=staff.user_id,
            by_username=staff.username,
            at=self._clock(),
            state=MergeState.MOVING,
        )
        self._open(merge)
        if self._access_log is not None:
            self._access_log.record_many(
                staff, [merge.survivor, merge.merged], route=route, reason=AccessReason.MERGE
            )
        return self._carry_out(merge)

    def undo(self, staff: Staff, merge_id: str) -> Merge:
        """Reverse a merge exactly, or finish reversing it if that stopped.

        Raises
        ------
        NotFound
            When ``merge_id`` names no merge.
        Forbidden
            When a citizen or a moved request is outside the caller's districts.
        Conflict
            When the merge is not finished, or something changed since that makes the
            undo unsafe (the message names it).
        """
        staff.require(Role.AGENT, Role.SUPERVISOR)
        record = self._merges.get(merge_id) if _is_merge_id(merge_id) else None
        if record is None:
            raise NotFound("is not a merge the city knows", field="merge_id")
        merge = Merge.from_item(record)
        survivor = self._citizens.profile(merge.survivor)
        merged = self._citizens.profile(merge.merged)
        moved = [item for item in map(self._requests.stored, merge.references) if item]
        _check_scope(staff, [p for p in (survivor, merged) if p], moved)
        if merge.state is MergeState.UNDONE:
            return merge
        if merge.state is MergeState.MOVING:
            raise Conflict(
                "is not finished: ask for the merge again to finish it", field="merge_id"
            )
        if merge.state is MergeState.DONE:
            self._begin_undo(merge, *self._check_undo(merge, survivor, merged, moved))
        return self._carry_out_undo(staff, merge)

    def export(self, staff: Staff, citizen_id: str, *, route: str) -> dict[str, Any]:
        """Everything held on a citizen and on the citizens merged into them (administrators).

        The export is audited under the citizen and recorded in the access log as read
        through ``route``. A lookup by a merged citizen's id exports their survivor.
        """
        staff.require(Role.ADMINISTRATOR)
        root = self._surviving(citizen_id)
        group = self._group(root)
        ids = [str(profile["id"]) for profile in group]
        now = self._clock()
        audit = [item for cid in ids for item in self._citizens.owned(cid, "AUDIT#")]
        body: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "citizen_id": ids[0],
            "asked_for": citizen_id,
            "exported_at": _iso(now),
            "exported_by": staff.user_id,
            "citizen": self._profile_export(group[0]),
            "merged_citizens": [self._profile_export(profile) for profile in group[1:]],
            "requests": [self._request_export(cid, s) for cid in ids for s in self._summaries(cid)],
            "snapshots": [_bare(i) for cid in ids for i in self._citizens.owned(cid, "SNAPSHOT#")],
            "opinions": [_bare(i) for cid in ids for i in self._citizens.owned(cid, "OPINION#")],
            "survey_responses": [r for cid in ids for r in self._survey_responses(cid)],
            "merges": self._merges_of(audit),
            "audit": [_bare(item) for item in audit],
            "access_log": [entry for cid in ids for entry in self._accesses(staff, cid)],
        }
        fields = {"action": "export", "by": staff.user_id, "by_username": staff.username}
        self._table.put(audit_entry(ids[0], now, new_id("aud"), {**fields, "citizens": ids}))
        if self._access_log is not None:
            self._access_log.record(staff, ids[0], route=route, reason=AccessReason.EXPORT)
        plain: dict[str, Any] = _plain(body)
        return plain

    def erase(self, staff: Staff, citizen_id: str, order: ErasureOrder, *, route: str) -> Erasure:
        """Anonymise every item that names a citizen, and the citizens merged into them.

        Raises
        ------
        NotFound
            When the citizen is unknown.
        Conflict
            When the citizen is in a merge that has not finished.
        """
        staff.require(Role.ADMINISTRATOR)
        root = self._surviving(citizen_id)
        if root.get("merge_pending"):
            raise Conflict("is in a merge that has not finished", field="citizen_id")
        group = self._group(root)
        ids = [str(profile["id"]) for profile in group]
        now = self._clock()
        erasure_id = str(root.get("erasure_id") or new_id("era"))
        tally: Counter[str] = Counter()
        for profile in group:
            tally.update(self._forget_contacts(profile, set(ids)))
            for summary in self._summaries(str(profile["id"])):
                tally.update(self._forget_request(str(profile["id"]), summary, now))
            tally.update(self._forget_owned(str(profile["id"])))
        already = all(profile.get("erased_at") for profile in group)
        if not (already and not tally):
            tally.update(self._forget_profiles(group, erasure_id, now))
            fields = {
                "action": "erasure",
                "erasure_id": erasure_id,
                "by": staff.user_id,
                "by_username": staff.username,
                "reason": order.reason,
                "citizens": ids,
                "erased": dict(tally),
            }
            self._table.put(audit_entry(ids[0], now, new_id("aud"), fields))
            if self._access_log is not None:
                self._access_log.record(staff, ids[0], route=route, reason=AccessReason.ERASURE)
        first = root.get("erased_at")
        return Erasure(
            erasure_id=erasure_id,
            citizen_id=ids[0],
            citizens=ids,
            at=datetime.fromisoformat(str(first)) if first else now,
            erased=dict(tally),
        )

    def _done(self, staff: Staff, order: MergeOrder) -> Merge | None:
        """The merge of exactly these two citizens, if it is done: asking again is harmless."""
        merged = self._citizens.profile(order.merged)
        if merged is None or merged.get("merged_into") != order.survivor:
            return None
        record = self._merges.get(str(merged["merge_id"]))
        if record is None:
            return None
        survivor = self._citizens.profile(order.survivor)
        _check_scope(staff, [p for p in (survivor, merged) if p], [])
        return Merge.from_item(record)

    def _live(self, citizen_id: str, field: str) -> Item:
        profile = self._citizens.profile(citizen_id)
        if profile is None:
            raise NotFound("is not a citizen the city knows", field=field)
        if profile.get("merged_into"):
            raise Conflict("was merged into another citizen", field=field)
        if profile.get("erased_at"):
            raise Conflict("was erased", field=field)
        return profile

    def _surviving(self, citizen_id: str) -> Item:
        profile = self._citizens.surviving(citizen_id) if _is_citizen_id(citizen_id) else None
        if profile is None:
            raise NotFound("is not a citizen the city knows", field="citizen_id")
        return profile

    def _summaries(self, citizen_id: str) -> list[Item]:
        return self._requests.every_of_citizen(citizen_id)

    def _stored_requests(self, citizen_id: str) -> list[Item]:
        stored = (self._requests.stored(str(s["reference"])) for s in self._summaries(citizen_id))
        return [item for item in stored if item and item.get("citizen_id") == citizen_id]

    def _unfinished(self, order: MergeOrder, survivor: Item, merged: Item) -> Merge | None:
        field = "survivor" if survivor.get("merge_pending") else "merged"
        pending = survivor.get("merge_pending") or merged.get("merge_pending")
        if not pending:
            return None
        record = self._merges.get(str(pending))
        merge = Merge.from_item(record) if record else None
        if (
            merge is not None
            and merge.state is MergeState.MOVING
            and (merge.survivor, merge.merged) == (order.survivor, order.merged)
        ):
            return merge
        raise Conflict(f"is in merge {pending}, which has not finished", field=field)

    def _open(self, merge: Merge) -> None:
        fields = {"action": "merge", "merge_id": merge.merge_id, "by": merge.by}
        writes: list[Put | Update] = [
            self._merges.opening(merge.record()),
            self._citizens.lock(merge.survivor, merge.merge_id),
            self._citizens.lock(merge.merged, merge.merge_id),
            audit_entry(merge.survivor, merge.at, new_id("aud"), {**fields, "role": "survivor"}),
            audit_entry(merge.merged, merge.at, new_id("aud"), {**fields, "role": "merged"}),
        ]
        try:
            self._table.transact(writes)
        except TransactionConflict as exc:
            raise Conflict("one of the citizens changed meanwhile; try again") from exc

    def _carry_out(self, merge: Merge) -> Merge:
        for _ in range(_ATTEMPTS):
            current = self._current(merge.merge_id)
            if current.state is not MergeState.MOVING:
                return current
            try:
                merged = self._required(merge.merged)
                points = self._citizens.unsealed(merged)
                self._move_contacts(merge, MergeState.MOVING, points, merge.merged, merge.survivor)
                moving = self._stored_requests(merge.merged)
                self._move_requests(merge, MergeState.MOVING, moving, merge.merged, merge.survivor)
                return self._finish(merge)
            except TransactionConflict:
                continue
        raise Conflict("the citizens kept changing: ask for the merge again", field="merge_id")

    def _finish(self, merge: Merge) -> Merge:
        survivor = self._required(merge.survivor)
        merged = self._required(merge.merged)
        known = {(p.kind, p.value) for p in self._citizens.unsealed(survivor)}
        entries = list(merged.get("contact_points") or [])
        points = self._citizens.unsealed(merged)
        moving = [e for e, p in zip(entries, points, strict=True) if (p.kind, p.value) not in known]
        consents = list(merged.get("consents") or [])
        now = self._clock()
        changes: Item = {
            "state": MergeState.DONE.value,
            "contacts_moved": len(moving),
            "consents_moved": len(consents),
            "survivor_contacts_before": len(survivor.get("contact_points") or []),
            "survivor_consents_before": len(survivor.get("consents") or []),
            "survivor_version": int(survivor["version"]) + 1,
            "merged_version": int(merged["version"]) + 1,
            "finished_at": _iso(now),
        }
        self._table.transact(
            [
                self._citizens.absorption(survivor, moving, consents, now),
                self._citizens.tombstone(merged, merge.survivor, now),
                self._merges.closing(merge.merge_id, MergeState.MOVING.value, changes),
                self._merges.link(merge.survivor, merge.merged, merge.merge_id, now),
            ]
        )
        return self._current(merge.merge_id)

    def _check_undo(
        self, merge: Merge, survivor: Item | None, merged: Item | None, moved: Sequence[Item]
    ) -> tuple[Item, Item]:
        """The two profiles, if nothing changed since the merge that makes an undo unsafe."""
        survivor, merged = _unchanged(merge, survivor, merged)
        still = {str(item["reference"]) for item in moved if item["citizen_id"] == merge.survivor}
        for reference in merge.references:
            if reference not in still:
                raise Conflict(f"request {reference} left the survivor since", field="references")
        later = self._requests.every_of_citizen(
            merge.survivor, created_after=merge.at.astimezone(UTC).isoformat()
        )
        for summary in later:
            if summary["reference"] not in still:
                reference = summary["reference"]
                raise Conflict(f"request {reference} was filed since the merge", field="survivor")
        originals = self._originals(survivor, merge.survivor_contacts_before)
        for point in self._citizens.unsealed(merged, "moved_contact_points"):
            if (point.kind, point.value) in originals:
                continue
            match = self._citizens.find(point)
            if match is None or match.citizen_id != merge.survivor:
                raise Conflict(f"a moved {point.kind} contact point changed", field="contacts")
        return survivor, merged

    def _originals(self, survivor: Item, count: int) -> set[tuple[Any, str]]:
        first = {**survivor, "contact_points": list(survivor.get("contact_points") or [])[:count]}
        return {(p.kind, p.value) for p in self._citizens.unsealed(first)}

    def _begin_undo(self, merge: Merge, survivor: Item, merged: Item) -> None:
        now = self._clock()
        writes: list[Put | Update | Delete] = [
            self._merges.closing(
                merge.merge_id, MergeState.DONE.value, {"state": MergeState.UNDOING.value}
            ),
            self._citizens.restoration(
                survivor,
                merge.survivor_contacts_before,
                merge.survivor_consents_before,
                merge.merge_id,
                now,
            ),
            self._citizens.revival(merged, merge.merge_id, now),
            self._merges.unlink(merge.survivor, merge.merged),
        ]
        try:
            self._table.transact(writes)
        except TransactionConflict as exc:
            raise Conflict("the citizens changed meanwhile; try again", field="merge_id") from exc

    def _carry_out_undo(self, staff: Staff, merge: Merge) -> Merge:
        for _ in range(_ATTEMPTS):
            if self._current(merge.merge_id).state is not MergeState.UNDOING:
                return self._current(merge.merge_id)
            try:
                self._move_back(merge)
                return self._end_undo(staff, merge)
            except TransactionConflict:
                continue
        raise Conflict("the citizens kept changing: ask for the undo again", field="merge_id")

    def _move_back(self, merge: Merge) -> None:
        survivor = self._required(merge.survivor)
        merged = self._required(merge.merged)
        originals = {(p.kind, p.value) for p in self._citizens.unsealed(survivor)}
        points = [p for p in self._citizens.unsealed(merged) if (p.kind, p.value) not in originals]
        self._move_contacts(merge, MergeState.UNDOING, points, merge.survivor, merge.merged)
        stored = (self._requests.stored(reference) for reference in merge.references)
        back = [item for item in stored if item and item.get("citizen_id") == merge.survivor]
        self._move_requests(merge, MergeState.UNDOING, back, merge.survivor, merge.merged)

    def _end_undo(self, staff: Staff, merge: Merge) -> Merge:
        now = self._clock()
        changes = {
            "state": MergeState.UNDONE.value,
            "undone_at": _iso(now),
            "undone_by": staff.user_id,
        }
        fields = {"action": "merge_undone", "merge_id": merge.merge_id, "by": staff.user_id}
        self._table.transact(
            [
                self._merges.closing(merge.merge_id, MergeState.UNDOING.value, changes),
                self._citizens.unlock(merge.survivor, merge.merge_id),
                self._citizens.unlock(merge.merged, merge.merge_id),
                audit_entry(merge.survivor, now, new_id("aud"), {**fields, "role": "survivor"}),
                audit_entry(merge.merged, now, new_id("aud"), {**fields, "role": "merged"}),
            ]
        )
        return self._current(merge.merge_id)

    def _move_contacts(
        self, merge: Merge, state: MergeState, points: Iterable[Any], from_id: str, to_id: str
    ) -> None:
        moves = [
            self._citizens.contact_move(point, from_id, to_id)
            for point in points
            if (match := self._citizens.find(point)) is not None and match.citizen_id == from_id
        ]
        for chunk in _chunks(moves, self._chunk):
            self._table.transact([*chunk, self._merges.step(merge.merge_id, state.value)])

    def _move_requests(
        self, merge: Merge, state: MergeState, items: Sequence[Item], from_id: str, to_id: str
    ) -> None:
        recorded = state is MergeState.MOVING
        for chunk in _chunks(items, self._chunk):
            references = [str(item["reference"]) for item in chunk] if recorded else []
            self._table.transact(
                [
                    *(self._requests.citizen_move(item, from_id, to_id) for item in chunk),
                    self._merges.step(merge.merge_id, state.value, references),
                ]
            )

    def _current(self, merge_id: str) -> Merge:
        record = self._merges.get(merge_id)
        if record is None:
            raise NotFound("is not a merge the city knows", field="merge_id")
        return Merge.from_item(record)

    def _required(self, citizen_id: str) -> Item:
        profile = self._citizens.profile(citizen_id)
        if profile is None:
            raise Conflict("a citizen of the merge is gone", field="merge_id")
        return profile

    def _group(self, root: Item) -> list[Item]:
        """The citizen and every citizen merged into them, directly or through another."""
        group, seen = [root], {str(root["id"])}
        frontier = [str(root["id"])]
        for _ in range(MERGE_HOPS):
            following: list[str] = []
            for survivor_id in frontier:
                for link in self._merges.links(survivor_id):
                    merged_id = str(link["merged"])
                    profile = self._citizens.profile(merged_id)
                    if merged_id in seen or profile is None:
                        continue
                    if profile.get("merged_into") == survivor_id:
                        seen.add(merged_id)
                        group.append(profile)
                        following.append(merged_id)
            frontier = following
        return group

    def _profile_export(self, profile: Item) -> Item:
        data = _bare(profile)
        for attribute in ("contact_points", "moved_contact_points"):
            if attribute in profile:
                points = self._citizens.unsealed(profile, attribute)
                data[attribute] = [point.model_dump(mode="json") for point in points]
        return data

    def _request_export(self, citizen_id: str, summary: Item) -> Item:
        items = self._requests.collection(str(summary["reference"]))
        request = next((i for i in items if i.get("type") == "request"), {})
        interactions = [i for i in items if i.get("type") == "interaction"]
        return {
            "request": _bare(request),
            "interactions": [_bare(i) for i in interactions],
            "conversations": _conversations_export(request, items, interactions),
            "drafts": [_draft_export(i) for i in items if i.get("type") == "draft"],
            "snapshots": [_bare(i) for i in items if i.get("type") == "snapshot"]
            + [_bare(i) for i in self._joined_snapshots(citizen_id, request)],
        }

    def _joined_snapshots(self, citizen_id: str, request: Item) -> list[Item]:
        location = request.get("location") or {}
        latitude, longitude = location.get("latitude"), location.get("longitude")
        if latitude is None or longitude is None:
            return []
        cell = encode(latitude, longitude, SNAPSHOT_CELL_PRECISION)
        owner = f"CITIZEN#{citizen_id}#PLACE#{cell}"
        found = (
            self._table.get(keys.snapshot(owner, system))
            for system in request.get("backoffice") or {}
        )
        return [item for item in found if item]

    def _merges_of(self, audit: Iterable[Item]) -> list[Item]:
        ids = sorted({str(i["merge_id"]) for i in audit if i.get("action") == "merge"})
        records = (self._merges.get(merge_id) for merge_id in ids)
        return [Merge.from_item(r).model_dump(mode="json") for r in records if r]

    def _accesses(self, staff: Staff, citizen_id: str) -> Iterator[Item]:
        if self._access_log is None:
            return
        cursor: str | None = None
        while True:
            query = AccessQuery(citizen_id=citizen_id, cursor=cursor, limit=200)
            page = self._access_log.read(staff, query)
            yield from (record.model_dump(mode="json") for record in page.items)
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def _forget_contacts(self, profile: Item, ids: set[str]) -> Counter[str]:
        tally: Counter[str] = Counter()
        points = [
            *self._citizens.unsealed(profile),
            *self._citizens.unsealed(profile, "moved_contact_points"),
        ]
        for point in points:
            match = self._citizens.find(point)
            if match is not None and match.citizen_id in ids:
                self._table.delete(self._citizens.contact_removal(point, match.citizen_id))
                tally["contact_points"] += 1
        return tally

    def _forget_request(self, citizen_id: str, summary: Item, now: datetime) -> Counter[str]:
        tally: Counter[str] = Counter()
        items = self._requests.collection(str(summary["reference"]))
        request = next((i for i in items if i.get("type") == "request"), None)
        interactions = [i for i in items if i.get("type") == "interaction"]
        for key in _file_keys(request, interactions):
            tally["file_versions"] += self._attachments.delete(key)
        snapshots = [i for i in items if i.get("type") == "snapshot"]
        if request is not None:
            snapshots += self._joined_snapshots(citizen_id, request)
        for snapshot in snapshots:
            self._table.delete(removal(snapshot))
            tally["snapshots"] += 1
        for draft in (i for i in items if i.get("type") == "draft"):
            self._table.delete(removal(draft))
            tally["drafts"] += 1
        for head in (i for i in items if i.get("type") == "conversation"):
            if self._close_conversation(head, request, interactions):
                tally["conversations"] += 1
        for interaction in interactions:
            if any(interaction.get(k) for k in ("text", "attachments", "media_url")):
                self._table.update(self._requests.interaction_erasure(interaction, now))
                tally["interactions"] += 1
        if request is not None and not request.get("erased_at"):
            location = coarse_location(request.get("location"))
            self._table.update(self._requests.erasure(request, location=location, at=now))
            tally["requests"] += 1
        return tally

    def _close_conversation(
        self, head: Item, request: Item | None, interactions: Sequence[Item]
    ) -> bool:
        """Delete a conversation's inbox items, unread marks and live reply link, if any.

        The inbox items are those of the groups the conversation marks unread, of its
        sides and of the request's group now (an external body's answer marks the group
        that owns the request when it comes). They go first, in transactions of the
        configured size, and the conversation and the request's alarm last, so a run
        that stops midway leaves the marks that make the next run finish the work. A
        conversation with the citizen has no inbox items: it is unread while an answer
        of theirs is newer than ``seen_at``, so it is marked seen up to their last one.
        """
        if head.get("with") == "citizen":
            return self._settle_citizen_conversation(head, request, interactions)
        unread = set(head.get("unread") or ())
        if not unread and not head.get("link_nonce"):
            return False
        reference, conversation_id = str(head["reference"]), str(head["id"])
        groups = unread | set(head.get("groups") or ())
        if request is not None:
            groups.add(str(request["responsible_group"]))
        writes: list[Put | Update | Delete] = [
            Delete(key=keys.inbox(group, reference, conversation_id)) for group in sorted(groups)
        ]
        if request is not None:
            writes.append(
                Update(
                    key=keys.request(reference),
                    expression="DELETE flags :flag",
                    condition="attribute_exists(PK)",
                    values={":flag": {CONVERSATION_UNREAD}},
                )
            )
        writes.append(
            Update(
                key=keys.conversation(reference, conversation_id),
                expression="REMOVE unread, link_nonce",
                condition="attribute_exists(PK)",
            )
        )
        for chunk in _chunks(writes, self._transaction_items):
            self._table.transact(chunk)
        return True

    def _settle_citizen_conversation(
        self, head: Item, request: Item | None, interactions: Sequence[Item]
    ) -> bool:
        first = str(((request or {}).get("origin") or {}).get("id") or "")
        seen = datetime.fromisoformat(str(head.get("seen_at") or head["opened_at"]))
        answers = [_at(entry) for entry in _citizen_answers(head, interactions, first)]
        if not answers or max(answers) <= seen:
            return False
        self._table.update(
            Update(
                key=keys.conversation(str(head["reference"]), str(head["id"])),
                expression="SET seen_at = :seen",
                condition="attribute_exists(PK)",
                values={":seen": max(answers).isoformat()},
            )
        )
        return True

    def _forget_owned(self, citizen_id: str) -> Counter[str]:
        tally: Counter[str] = Counter()
        for prefix, kind in (
            ("SNAPSHOT#", "snapshots"),
            ("OPINION#", "opinions"),
            ("SURVEYWAIT", "survey_invitations"),
        ):
            for item in self._citizens.owned(citizen_id, prefix):
                self._table.delete(removal(item))
                tally[kind] += 1
        for link in self._citizens.owned(citizen_id, _SURVEY_RESPONSE):
            survey_id, invitation = str(link["survey_id"]), str(link["invitation"])
            self._table.delete(Delete(key=texts_key(survey_id, citizen_id, invitation)))
            self._table.delete(Delete(key=response_key(survey_id, citizen_id, invitation)))
            self._table.delete(removal(link))
            tally["survey_responses"] += 1
        return tally

    def _survey_responses(self, citizen_id: str) -> Iterator[Item]:
        for link in self._citizens.owned(citizen_id, _SURVEY_RESPONSE):
            survey_id, invitation = str(link["survey_id"]), str(link["invitation"])
            response = self._table.get(response_key(survey_id, citizen_id, invitation)) or {}
            texts = self._table.get(texts_key(survey_id, citizen_id, invitation)) or {}
            yield {
                "survey_id": survey_id,
                "invitation": invitation,
                "at": link["at"],
                "channel": response.get("channel"),
                "answers": response.get("answers", []),
                "texts": texts.get("texts", {}),
            }

    def _forget_profiles(
        self, group: Sequence[Item], erasure_id: str, now: datetime
    ) -> Counter[str]:
        tally: Counter[str] = Counter()
        for profile in group:
            for name_item in self._citizens.name_removals(profile):
                self._table.delete(name_item)
                tally["name_tokens"] += 1
            if not profile.get("erased_at"):
                tally["profiles"] += 1
            self._table.update(self._citizens.erasure(profile, erasure_id, now))
        return tally


def _check_scope(staff: Staff, profiles: Iterable[Item], requests: Iterable[Item]) -> None:
    """Refuse unless every citizen and request is in the caller's districts (administrators
    act anywhere)."""
    if Role.ADMINISTRATOR in staff.roles:
        return
    for item in [*profiles, *requests]:
        staff.require_district(item.get("district_code"))


def _unchanged(merge: Merge, survivor: Item | None, merged: Item | None) -> tuple[Item, Item]:
    """Both profiles of a merge, if neither changed since the merge."""
    if survivor is None or survivor.get("erased_at"):
        raise Conflict("was erased since the merge", field="survivor")
    if survivor.get("merged_into") or survivor.get("merge_pending"):
        raise Conflict("was merged again since the merge", field="survivor")
    if survivor.get("version") != merge.survivor_version:
        raise Conflict("changed since the merge (a contact point or consent)", field="survivor")
    if (
        merged is None
        or merged.get("merged_into") != merge.survivor
        or merged.get("version") != merge.merged_version
    ):
        raise Conflict("changed since the merge", field="merged")
    return survivor, merged


def _check_entities(
    survivor: Item, survivor_requests: Iterable[Item], merged: Item, merged_requests: Iterable[Item]
) -> None:
    """Refuse to merge two legal entities with different tax ids.

    A citizen speaks for the entities whose tax ids its profile or its requests' entity
    applicants name.
    """
    one = _tax_ids(survivor, survivor_requests)
    other = _tax_ids(merged, merged_requests)
    if one and other and one != other:
        raise Conflict("speaks for a legal entity with another tax id", field="merged")


def _tax_ids(profile: Item, requests: Iterable[Item]) -> frozenset[str]:
    ids = {str(profile["tax_id"])} if profile.get("tax_id") else set()
    for request in requests:
        applicant = request.get("applicant") or {}
        if applicant.get("kind") == "entity" and applicant.get("tax_id"):
            ids.add(str(applicant["tax_id"]))
    return frozenset(ids)


def _file_keys(request: Item | None, interactions: Iterable[Item]) -> list[str]:
    files: list[Item] = []
    if request is not None:
        files.extend((request.get("origin") or {}).get("attachments") or [])
        files.extend(request.get("attachments") or [])
    for interaction in interactions:
        files.extend(interaction.get("attachments") or [])
    return sorted({str(f["key"]) for f in files if isinstance(f, dict) and f.get("key")})


def _conversations_export(
    request: Item, items: Sequence[Item], interactions: Sequence[Item]
) -> list[Item]:
    """Each conversation on a request: who with, when, and every message with its text.

    A message item names the history entry that holds its text. A conversation with
    the citizen also holds their answers: the citizen's messages threaded onto the
    request after it opened, the request's first message aside.
    """
    entries = {str(entry["id"]): entry for entry in interactions}
    first = str((request.get("origin") or {}).get("id") or "")
    exported: list[Item] = []
    for head in (i for i in items if i.get("type") == "conversation"):
        conversation_id = str(head["id"])
        messages = [
            _message_export(item, entries.get(str(item.get("interaction_id"))))
            for item in items
            if item.get("type") == "conversation_message"
            and item.get("conversation_id") == conversation_id
        ]
        if head.get("with") == "citizen":
            answers = _citizen_answers(head, interactions, first)
            messages += [_message_export(entry, entry) for entry in answers]
        exported.append(
            {
                "id": conversation_id,
                "with": head.get("with"),
                "groups": list(head.get("groups") or []),
                "body_code": head.get("body_code"),
                "opened_at": head.get("opened_at"),
                "opened_by": head.get("opened_by"),
                "last_at": head.get("last_at"),
                "messages": sorted(messages, key=_at),
            }
        )
    return exported


def _citizen_answers(head: Item, interactions: Iterable[Item], first: str) -> list[Item]:
    """The citizen's answers in a conversation with them: their messages since it opened.

    ``first`` is the request's first message, which is never an answer.
    """
    opened = datetime.fromisoformat(str(head["opened_at"]))
    return [
        entry
        for entry in interactions
        if entry.get("kind") == "inbound_message"
        and str(entry.get("actor", "")).startswith("citizen:")
        and _at(entry) > opened
        and entry["id"] != first
    ]


def _at(item: Item) -> datetime:
    return datetime.fromisoformat(str(item["at"]))


def _message_export(item: Item, entry: Item | None) -> Item:
    """One message of a conversation: when, who wrote it, and its text if it is kept."""
    return {
        "at": item.get("at"),
        "author": item.get("author") or item.get("actor"),
        "author_name": item.get("author_name") or item.get("actor_name"),
        "text": entry.get("text") if entry else None,
    }


def _draft_export(item: Item) -> Item:
    """A staff member's draft answer, with its author as the history names staff."""
    author = str(item["SK"]).removeprefix(keys.DRAFT_PREFIX)
    return {**_bare(item), "author": f"staff:{author}"}


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bare(item: Item) -> Item:
    """An item without its table and index keys."""
    return {k: v for k, v in item.items() if k not in _INDEX_ATTRIBUTES}


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it: sets as sorted lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    return value


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _is_citizen_id(value: str) -> bool:
    return _CITIZEN_ID.match(value) is not None


def _is_merge_id(value: str) -> bool:
    return _MERGE_ID.match(value) is not None

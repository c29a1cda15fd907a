"""The segment index, kept from the table's stream by the statistics function.

Each record that concerns a citizen (their profile, a request they made, a survey
answer they gave) is folded into the citizen's member state; the difference between the
facets the state wants and the facets its member item says are indexed becomes index
puts and deletes and count changes, written in one transaction with the member item on
its version. A record already folded in leaves the state as it was and writes nothing;
a record older than what the state holds (a profile or request version below the one
taken in) is ignored. A difference too large for one transaction is written in several,
each of which records on the member item what it indexed, so a failure halfway is
finished by the record's retry.
"""

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from finestra.domain.errors import MalformedInput
from finestra.domain.vocabulary import Language
from finestra.segments.facets import (
    MemberState,
    Profile,
    Projection,
    Rating,
    RequestEntry,
    reach_of,
)
from finestra.segments.keys import count_key, index_key, member_key
from finestra.stats.stream import StreamOutcome
from finestra.storage.table import (
    Delete,
    Item,
    Put,
    Table,
    TransactionConflict,
    Update,
    deserialise,
)

__all__ = ["Change", "SegmentIndexer", "bulk_items", "index_writes"]

ATTEMPTS: Final = 4
"""How often a change is tried against a member item or a count another writer holds."""
_BACKOFF_S: Final = 0.05
_TRANSACTION_ITEMS: Final = 100
_CHANGES: Final = frozenset({"INSERT", "MODIFY"})

Fold = Callable[[MemberState], MemberState]


@dataclass(frozen=True)
class Change:
    """What one stream record does to one citizen's member state."""

    citizen_id: str
    fold: Fold
    kind: str


class SegmentIndexer:
    """The stream consumer that keeps the segment index.

    Parameters
    ----------
    table
        The one table.
    zone
        The city's time zone, whose calendar day a request is opened on.
    sleep
        Waits between attempts when another writer holds a count.
    """

    def __init__(
        self,
        table: Table,
        zone: ZoneInfo,
        *,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = ATTEMPTS,
    ) -> None:
        self._table = table
        self._zone = zone
        self._sleep = sleep
        self._attempts = attempts

    def handle(self, record: Mapping[str, Any]) -> StreamOutcome | None:
        """Fold one stream record into the index; ``None`` when it concerns no citizen."""
        changes = changes_of(record, self._zone)
        if not changes:
            return None
        writes = sum(self.apply(change) for change in changes)
        return StreamOutcome(
            consumer="segments",
            outcome="indexed" if writes else "seen",
            metric="SegmentIndexed" if writes else "SegmentSeen",
            fields={
                "citizen_id": changes[-1].citizen_id,
                "change": changes[-1].kind,
                "writes": writes,
            },
        )

    def apply(self, change: Change) -> int:
        """Fold one change into its member state and write the difference.

        Returns
        -------
        int
            How many items were written (0 when the change was already taken in).

        Raises
        ------
        TransactionConflict
            When another writer still holds the member item or a count after every attempt.
        """
        for attempt in range(self._attempts):
            stored = self._table.get(member_key(change.citizen_id), consistent=True)
            before = (
                MemberState.from_item(stored)
                if stored
                else MemberState(citizen_id=change.citizen_id)
            )
            try:
                return self._write(before, change.fold(before))
            except TransactionConflict:
                if attempt + 1 == self._attempts:
                    raise
                self._sleep(_BACKOFF_S * 2 ** (attempt + 1))
        raise AssertionError("unreachable")

    def _write(self, before: MemberState, after: MemberState) -> int:
        written = 0
        for writes in index_writes(before, after):
            self._table.transact(writes)
            written += len(writes)
        return written


def index_writes(before: MemberState, after: MemberState) -> Iterator[list[Put | Update | Delete]]:
    """The transactions that take the index from ``before`` to ``after``, in order.

    Each transaction carries the member item, conditional on the version the previous
    one left, with the facets indexed so far; the last one carries ``after``'s data. An
    index write and the change of its count always travel together. Nothing when
    ``after`` holds what ``before`` does and the index already matches it.
    """
    steps = _steps(before.indexed, after)
    if not steps and _data(before) == _data(after):
        return
    indexed = dict(before.indexed)
    version = before.version
    for part, last in _chunks(steps):
        for step in part:
            if step.tag is None:
                indexed.pop(step.facet, None)
            else:
                indexed[step.facet] = step.tag
        base = after if last else before
        state = base.model_copy(update={"indexed": dict(indexed), "version": version + 1})
        yield [_member_put(state, version), *(write for step in part for write in step.writes)]
        version += 1


@dataclass(frozen=True)
class _Step:
    facet: str
    tag: str | None
    writes: tuple[Put | Update | Delete, ...]


def _data(state: MemberState) -> dict[str, Any]:
    item = state.to_item()
    return {k: v for k, v in item.items() if k not in {"indexed", "version"}}


def _steps(indexed: Mapping[str, str], after: MemberState) -> list[_Step]:
    wanted = after.wanted()
    citizen_id = after.citizen_id
    steps = [
        _Step(facet, None, (_index_delete(facet, citizen_id), _count_change(facet, -1)))
        for facet in sorted(set(indexed) - set(wanted))
    ]
    for facet, tag in sorted(wanted.items()):
        if indexed.get(facet) == tag or after.profile is None:
            continue
        projection = after.profile.projection
        if facet in indexed:
            steps.append(_Step(facet, tag, (_index_put(facet, citizen_id, projection, False),)))
        else:
            put = _index_put(facet, citizen_id, projection, True)
            steps.append(_Step(facet, tag, (put, _count_change(facet, 1))))
    return steps


def _chunks(steps: list[_Step]) -> Iterator[tuple[list[_Step], bool]]:
    part: list[_Step] = []
    room = _TRANSACTION_ITEMS - 1
    for step in steps:
        if part and sum(len(s.writes) for s in part) + len(step.writes) > room:
            yield part, False
            part = []
        part.append(step)
    yield part, True


def _member_put(state: MemberState, version: int) -> Put:
    item = {**member_key(state.citizen_id), **state.to_item()}
    if version == 0:
        return Put(item=item)
    return Put(item=item, condition="version = :version", values={":version": version})


def index_item(facet: str, citizen_id: str, projection: Projection) -> Item:
    """The index item that files ``citizen_id`` under ``facet``."""
    return {
        **index_key(facet, citizen_id),
        "type": "segment_index",
        **projection.model_dump(mode="json", exclude_none=True),
        "channels": list(projection.channels),
        "reach": list(projection.reach),
    }


def _index_put(facet: str, citizen_id: str, projection: Projection, fresh: bool) -> Put:
    condition = "attribute_not_exists(PK)" if fresh else "attribute_exists(PK)"
    return Put(item=index_item(facet, citizen_id, projection), condition=condition)


def _index_delete(facet: str, citizen_id: str) -> Delete:
    return Delete(key=index_key(facet, citizen_id), condition="attribute_exists(PK)")


def _count_change(facet: str, delta: int) -> Update:
    return Update(
        key=count_key(facet),
        expression="SET #type = :type ADD members :delta",
        condition="attribute_not_exists(members) OR members >= :floor",
        names={"#type": "type"},
        values={":type": "segment_count", ":delta": delta, ":floor": max(0, -delta)},
    )


def bulk_items(states: Iterable[MemberState]) -> Iterator[Item]:
    """Every item the index holds for ``states``, written as if from empty, counts last.

    The index's own item shapes, for loading many citizens at once (a benchmark, a
    backfill) with batch writes instead of one transaction per record.
    """
    counts: dict[str, int] = {}
    for state in states:
        wanted = state.wanted()
        indexed = state.model_copy(update={"indexed": wanted, "version": 1})
        yield {**member_key(state.citizen_id), **indexed.to_item()}
        if state.profile is None:
            continue
        for facet in wanted:
            yield index_item(facet, state.citizen_id, state.profile.projection)
            counts[facet] = counts.get(facet, 0) + 1
    for facet, members in sorted(counts.items()):
        yield {**count_key(facet), "type": "segment_count", "members": members}


def changes_of(record: Mapping[str, Any], zone: ZoneInfo) -> list[Change]:
    """What a stream record does to member states: none for what is not the index's."""
    change = record.get("dynamodb") or {}
    event = record.get("eventName")
    new = change.get("NewImage") or {}
    old = change.get("OldImage") or {}
    kind = ((new if event in _CHANGES else old).get("type") or {}).get("S")
    if event == "REMOVE" and kind == "citizen":
        return [_profile_removal(deserialise(old))]
    if event not in _CHANGES:
        return []
    if kind == "citizen":
        return [_profile_change(deserialise(new))]
    if kind == "request":
        return _request_changes(deserialise(old) if old else None, deserialise(new), zone)
    if kind == "survey_answer":
        return [_answer_change(deserialise(new))]
    return []


def _profile_removal(image: Item) -> Change:
    citizen_id = _required(image, "id", "dynamodb.OldImage")
    version = int(image.get("version") or 0)
    return Change(citizen_id, lambda s: _without_profile(s, version + 1), "profile_removed")


def _without_profile(state: MemberState, version: int) -> MemberState:
    if version < state.profile_version:
        return state
    return state.model_copy(update={"profile": None, "profile_version": version})


def _profile_change(image: Item) -> Change:
    citizen_id = _required(image, "id", "dynamodb.NewImage")
    version = int(image.get("version") or 0)
    if image.get("merged_into") or image.get("erased_at"):
        return Change(citizen_id, lambda s: _without_profile(s, version), "profile_gone")
    profile = _profile(image)

    def fold(state: MemberState) -> MemberState:
        if version < state.profile_version:
            return state
        return state.model_copy(update={"profile": profile, "profile_version": version})

    return Change(citizen_id, fold, "profile")


def _profile(image: Item) -> Profile:
    try:
        kinds = [str(point["kind"]) for point in image.get("contact_points") or []]
        channels, reach = reach_of(kinds, image.get("consents") or [])
        projection = Projection(
            language=Language(image.get("language") or "ca"),
            district=image.get("district_code"),
            neighbourhood=image.get("neighbourhood_code"),
            channels=channels,
            reach=reach,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise MalformedInput(
            "is not a citizen the segments can index", field="dynamodb.NewImage"
        ) from exc
    return Profile(projection=projection, tags=tuple(sorted(set(image.get("tags") or ()))))


def _applicant(image: Item) -> str | None:
    applicant = image.get("applicant")
    if isinstance(applicant, Mapping):
        return str(applicant["citizen_id"]) if applicant.get("kind") == "citizen" else None
    citizen_id = image.get("citizen_id")
    return str(citizen_id) if citizen_id else None


def _request_changes(old: Item | None, new: Item, zone: ZoneInfo) -> list[Change]:
    reference = _required(new, "reference", "dynamodb.NewImage")
    citizen_id = _applicant(new)
    changes = []
    former = _applicant(old) if old else None
    if former and former != citizen_id:
        changes.append(Change(former, lambda s: _without_request(s, reference), "request_moved"))
    if citizen_id is None:
        return changes
    try:
        entry = RequestEntry(
            theme=new.get("theme_code"),
            state=str(new["state"]),
            channel=str(new["input_channel"]),
            opened_on=datetime.fromisoformat(str(new["created_at"])).astimezone(zone).date(),
            version=int(new.get("version") or 1),
        )
    except (KeyError, ValueError) as exc:
        raise MalformedInput(
            "is not a request the segments can index", field="dynamodb.NewImage"
        ) from exc

    def fold(state: MemberState) -> MemberState:
        known = state.requests.get(reference)
        if known is not None and entry.version < known.version:
            return state
        return state.model_copy(update={"requests": {**state.requests, reference: entry}})

    changes.append(Change(citizen_id, fold, "request"))
    return changes


def _without_request(state: MemberState, reference: str) -> MemberState:
    requests = {ref: entry for ref, entry in state.requests.items() if ref != reference}
    return state.model_copy(update={"requests": requests})


def _answer_change(image: Item) -> Change:
    citizen_id = _required(image, "citizen_id", "dynamodb.NewImage")
    survey_id = _required(image, "survey_id", "dynamodb.NewImage")
    raw = image.get("rating")
    answer = Rating(
        rating=int(raw) if raw is not None else None,
        at=str(image.get("at") or image.get("answered_on") or ""),
        key=str(image.get("SK") or ""),
    )

    def fold(state: MemberState) -> MemberState:
        known = state.ratings.get(survey_id)
        if known is not None and not answer.newer_than(known):
            return state
        return state.model_copy(update={"ratings": {**state.ratings, survey_id: answer}})

    return Change(citizen_id, fold, "answer")


def _required(image: Item, name: str, field: str) -> str:
    value = image.get(name)
    if not value:
        raise MalformedInput(f"lacks {name}", field=field)
    return str(value)

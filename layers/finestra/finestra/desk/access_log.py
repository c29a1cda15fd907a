"""Who read which citizen's data, when, and through which route.

Every desk answer that shows a citizen's profile (a search result, the citizen 360
view, an export) writes one access record, stored twice in one transaction so that
each question an administrator asks is a ``Query`` on a partition key:

=====================================  ==========================================
question                               key
=====================================  ==========================================
who read this citizen, newest first    PK ``ACCESS#<citizen id>``, SK ``AT#<time>#<id>``
what did this staff member read        PK ``ACCESSBY#<user id>``, SK ``AT#<time>#<id>``
=====================================  ==========================================

A record names the citizen by id only; the route is the route's template (never a
path holding a phone number), and the reason is a word of :class:`AccessReason`.
Writing a record costs two items in a transaction (four write units for items under
1 KB); reading a page is one ``Query`` (half a read unit per 4 KB).
"""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from finestra.auth import Role, Staff
from finestra.desk import Cursors
from finestra.domain.errors import MalformedInput
from finestra.domain.ids import new_id
from finestra.storage import keys
from finestra.storage.table import Put, Table

__all__ = ["AccessLog", "AccessPage", "AccessQuery", "AccessReason", "AccessRecord"]

_CURSOR_KIND: Final = "access-log"
_TRANSACTION_RECORDS: Final = 50
"""Two items a record, a hundred items a transaction."""


class AccessReason(StrEnum):
    """Why staff read a citizen's data."""

    SEARCH = "search"
    PROFILE = "profile"
    EXPORT = "export"
    ERASURE = "erasure"
    MERGE = "merge"
    ATTACHMENT = "attachment"


class AccessRecord(BaseModel):
    """One read of one citizen's data by one staff member."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    user_id: str
    username: str
    citizen_id: str
    route: str
    reason: AccessReason


class AccessQuery(BaseModel):
    """An administrator's question: one citizen's or one staff member's records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    citizen_id: str | None = Field(default=None, min_length=1, max_length=64)
    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    cursor: str | None = Field(default=None, max_length=4096)
    limit: int = Field(default=50, ge=1, le=200)

    @model_validator(mode="after")
    def _names_someone(self) -> "AccessQuery":
        if self.citizen_id is None and self.user_id is None:
            raise ValueError("name a citizen_id or a user_id")
        if self.since and self.until and self.since > self.until:
            raise ValueError("since comes after until")
        return self


class AccessPage(BaseModel):
    """Access records, newest first, and the cursor of the next page."""

    items: list[AccessRecord]
    next_cursor: str | None


class AccessLog:
    """Writes access records and answers administrators' questions about them."""

    def __init__(self, table: Table, cursors: Cursors, clock: Callable[[], datetime]) -> None:
        self._table = table
        self._cursors = cursors
        self._clock = clock

    def record(
        self, staff: Staff, citizen_id: str, *, route: str, reason: AccessReason
    ) -> AccessRecord:
        """Record that ``staff`` read ``citizen_id``'s data through ``route``, now."""
        return self.record_many(staff, [citizen_id], route=route, reason=reason)[0]

    def record_many(
        self, staff: Staff, citizen_ids: Iterable[str], *, route: str, reason: AccessReason
    ) -> list[AccessRecord]:
        """Record one read of each citizen (a page of search results), in one go each 50."""
        at = self._clock()
        records = [
            AccessRecord(
                at=at,
                user_id=staff.user_id,
                username=staff.username,
                citizen_id=citizen_id,
                route=route,
                reason=reason,
            )
            for citizen_id in dict.fromkeys(citizen_ids)
        ]
        for start in range(0, len(records), _TRANSACTION_RECORDS):
            writes: list[Put] = []
            for record in records[start : start + _TRANSACTION_RECORDS]:
                writes.extend(_puts(record))
            self._table.transact(writes)
        return records

    def read(self, staff: Staff, query: AccessQuery) -> AccessPage:
        """One page of the records ``query`` asks for, newest first (administrators only).

        By citizen, a ``Query`` on ``ACCESS#<citizen id>`` (with a ``user_id`` too, a
        ``FilterExpression`` on it: the records it drops are still read); by staff
        member alone, a ``Query`` on ``ACCESSBY#<user id>``.
        """
        staff.require(Role.ADMINISTRATOR)
        if query.citizen_id is not None:
            partition = f"ACCESS#{query.citizen_id}"
        else:
            partition = f"ACCESSBY#{query.user_id}"
        both = query.citizen_id is not None and query.user_id is not None
        values: dict[str, Any] = {
            ":pk": partition,
            ":low": "AT#" + (_key_time(query.since) if query.since else ""),
            ":high": "AT#" + (_key_time(query.until) + "#~" if query.until else "~"),
        }
        if both:
            values[":user"] = query.user_id
        start = self._start(query, partition)
        items, last = self._table.query(
            "PK = :pk AND SK BETWEEN :low AND :high",
            values,
            forward=False,
            limit=query.limit,
            start=start,
            filter_expression="user_id = :user" if both else None,
        )
        records = [AccessRecord.model_validate(item) for item in items]
        return AccessPage(items=records, next_cursor=self._next(query, last))

    def _start(self, query: AccessQuery, partition: str) -> dict[str, str] | None:
        if query.cursor is None:
            return None
        position = self._cursors.open(_CURSOR_KIND, query.cursor)
        if position.get("query") != _fingerprint(query) or not isinstance(position.get("sk"), str):
            raise _foreign_cursor()
        return {"PK": partition, "SK": position["sk"]}

    def _next(self, query: AccessQuery, last: dict[str, Any] | None) -> str | None:
        if last is None:
            return None
        return self._cursors.seal(
            _CURSOR_KIND, {"query": _fingerprint(query), "sk": str(last["SK"])}
        )


def _puts(record: AccessRecord) -> list[Put]:
    at = _key_time(record.at)
    access_id = new_id("acc")
    body = {"type": "access", **record.model_dump(mode="json")}
    return [
        Put(item={**keys.citizen_access(record.citizen_id, at, access_id), **body}),
        Put(item={**keys.staff_access(record.user_id, at, access_id), **body}),
    ]


def _key_time(at: datetime) -> str:
    """A time as the access keys sort it: UTC, to the microsecond, always the same width."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _fingerprint(query: AccessQuery) -> str:
    return "|".join(
        [
            query.citizen_id or "",
            query.user_id or "",
            query.since.isoformat() if query.since else "",
            query.until.isoformat() if query.until else "",
        ]
    )


def _foreign_cursor() -> MalformedInput:
    return MalformedInput("belongs to another question", field="cursor")

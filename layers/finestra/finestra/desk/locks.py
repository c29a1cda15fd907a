"""Who is working a request: one lock per request, so two staff never answer it at once.

A request being worked is locked for its editor for a while (:data:`LOCK_SECONDS` unless
the desk's settings say otherwise), renewed while they stay on it; everyone else sees who
holds it and until when. The lock is an item of the request's own collection
(``REQUEST#<reference>`` / ``LOCK``) that names the holder by user id and user name (a
staff member's name, never a citizen's), when the holding began and when it lapses.
``expires_at`` is the table's TTL attribute, in epoch seconds: DynamoDB deletes a lapsed
lock by itself, but only within a day or two, so every condition compares the time and
never trusts the item's mere presence.

Taking a lock and renewing it are the same conditional ``PutItem``: it succeeds when no
lock is there, when the one there has lapsed, or when the caller holds it. Two staff who
take it at once get one winner; the other is :class:`Locked`. Releasing is a
``DeleteItem`` on the same condition. A write action on the request carries that
condition as a ``ConditionCheck`` in its own transaction (:meth:`RequestLocks.guarding`),
so the check and the write are one: a lock taken a moment before the write still stops
it, and a refused write leaves nothing behind.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.auth import Staff
from finestra.domain.errors import Conflict
from finestra.storage import keys
from finestra.storage.table import Check, Delete, Item, Put, Table, TransactionConflict

__all__ = ["LOCK_SECONDS", "Lock", "LockView", "Locked", "RequestLocks"]

LOCK_SECONDS: Final = 600
"""How long a lock lasts unrenewed when the settings name no other time."""

_FREE: Final = "attribute_not_exists(PK) OR holder = :me OR expires_at <= :now"
"""The lock is the caller's to take: absent, lapsed, or theirs already."""
_CHECK_FAILED: Final = "ConditionalCheckFailed"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class Lock(BaseModel):
    """A staff member's hold on a request, as stored."""

    model_config = ConfigDict(frozen=True)

    reference: str
    holder: str = Field(description="the holder's user id")
    holder_name: str = Field(description="the holder's user name")
    acquired_at: datetime
    expires_at: datetime

    def view(self, user_id: str) -> "LockView":
        """The lock as ``user_id`` is shown it."""
        return LockView(
            holder=self.holder,
            holder_name=self.holder_name,
            expires_at=self.expires_at,
            mine=self.holder == user_id,
        )


class LockView(BaseModel):
    """Who is working a request and until when, as the desk shows it."""

    holder: str = Field(description="the holder's user id")
    holder_name: str = Field(description="the holder's user name")
    expires_at: datetime = Field(description="when the lock lapses unless renewed")
    mine: bool = Field(description="whether the caller holds it")


class Locked(Conflict):
    """Another staff member holds a live lock on the request."""

    code = "locked"

    def __init__(self, lock: Lock) -> None:
        until = lock.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        super().__init__(f"{lock.holder_name} is working on this request until {until}")
        self.lock = lock


class RequestLocks:
    """Takes, renews, releases and checks the locks of requests.

    Parameters
    ----------
    table
        The one table; each lock lives in its request's item collection.
    clock
        Stamps when a lock is taken and judges whether one has lapsed.
    duration
        How long a lock lasts from its last renewal.
    """

    def __init__(
        self,
        table: Table,
        clock: Callable[[], datetime],
        *,
        duration: timedelta = timedelta(seconds=LOCK_SECONDS),
    ) -> None:
        if duration < timedelta(seconds=1):
            raise ValueError("a lock lasts at least a second")
        self._table = table
        self._clock = clock
        self._seconds = int(duration.total_seconds())

    def current(self, reference: str) -> Lock | None:
        """The live lock on ``reference``; ``None`` when there is none or it lapsed.

        One consistent ``GetItem``.
        """
        item = self._table.get(keys.request_lock(reference), consistent=True)
        if item is None or int(item["expires_at"]) <= _epoch(self._clock()):
            return None
        return Lock(
            reference=reference,
            holder=str(item["holder"]),
            holder_name=str(item["holder_name"]),
            acquired_at=datetime.fromisoformat(str(item["acquired_at"])),
            expires_at=datetime.fromtimestamp(int(item["expires_at"]), UTC),
        )

    def view(self, reference: str, user_id: str) -> LockView | None:
        """The live lock on ``reference`` as ``user_id`` is shown it."""
        lock = self.current(reference)
        return lock.view(user_id) if lock else None

    def take(self, staff: Staff, reference: str) -> Lock:
        """Take the lock on ``reference`` for ``staff``, or renew it if theirs already.

        A consistent ``GetItem`` (a renewal keeps when the holding began), then one
        conditional ``PutItem``.

        Raises
        ------
        Locked
            When another staff member holds a live lock.
        Conflict
            When the lock changed between the read and the write, and nobody else
            holds it now (try again).
        """
        held = self.current(reference)
        if held is not None and held.holder != staff.user_id:
            raise Locked(held)
        now = self._clock()
        until = _epoch(now) + self._seconds
        lock = Lock(
            reference=reference,
            holder=staff.user_id,
            holder_name=staff.username,
            acquired_at=held.acquired_at if held else now,
            expires_at=datetime.fromtimestamp(until, UTC),
        )
        try:
            self._table.put(
                Put(
                    item=self._item(lock, until),
                    condition=_FREE,
                    values={":me": staff.user_id, ":now": _epoch(now)},
                )
            )
        except Conflict as exc:
            raise self._refusal(reference, staff.user_id) from exc
        return lock

    def release(self, user_id: str, reference: str) -> None:
        """Give up ``user_id``'s lock on ``reference``; nothing held is nothing to release.

        One conditional ``DeleteItem`` (a lapsed lock of anyone goes too).

        Raises
        ------
        Locked
            When another staff member holds a live lock.
        """
        try:
            self._table.delete(
                Delete(
                    key=keys.request_lock(reference),
                    condition=_FREE,
                    values={":me": user_id, ":now": _epoch(self._clock())},
                )
            )
        except Conflict as exc:
            held = self._other(reference, user_id)
            if held is not None:
                raise Locked(held) from exc

    def check(self, reference: str, user_id: str) -> Check:
        """The ``ConditionCheck`` a write by ``user_id`` carries: no one else holds the lock."""
        return Check(
            key=keys.request_lock(reference),
            condition=_FREE,
            values={":me": user_id, ":now": _epoch(self._clock())},
        )

    def require_free(self, reference: str, user_id: str) -> None:
        """Refuse unless ``user_id`` may act on ``reference`` now (one consistent read).

        For a step that cannot join the write's transaction, such as sending a message.

        Raises
        ------
        Locked
            When another staff member holds a live lock.
        """
        held = self._other(reference, user_id)
        if held is not None:
            raise Locked(held)

    @contextmanager
    def guarding(self, reference: str, user_id: str) -> Iterator[tuple[Check]]:
        """Give the lock's check to a transaction and explain its refusal.

        The check must be the transaction's last item. A transaction the check cancelled
        becomes :class:`Locked`, naming the holder; any other cancellation goes on as it
        was.
        """
        try:
            yield (self.check(reference, user_id),)
        except TransactionConflict as exc:
            if exc.reasons[-1:] != [_CHECK_FAILED]:
                raise
            raise self._refusal(reference, user_id) from exc

    def breaking(self, lock: Lock) -> Delete:
        """The delete that breaks ``lock``, if its holder still holds it, in a transaction."""
        return Delete(
            key=keys.request_lock(lock.reference),
            condition="holder = :holder",
            values={":holder": lock.holder},
        )

    def _other(self, reference: str, user_id: str) -> Lock | None:
        held = self.current(reference)
        return held if held is not None and held.holder != user_id else None

    def _refusal(self, reference: str, user_id: str) -> Conflict:
        held = self._other(reference, user_id)
        if held is not None:
            return Locked(held)
        return Conflict("the request's lock changed meanwhile; try again")

    @staticmethod
    def _item(lock: Lock, until: int) -> Item:
        return {
            **keys.request_lock(lock.reference),
            "type": "lock",
            "reference": lock.reference,
            "holder": lock.holder,
            "holder_name": lock.holder_name,
            "acquired_at": lock.acquired_at.isoformat(),
            "expires_at": until,
        }

"""Clearing a request's alarm once it is handled, recorded in the request's history.

Staff who may act on a request (its group and district, an agent or supervisor) clear
one of its alarms (:mod:`finestra.domain.alarms`), with a note if they wish. The flag
is lowered and an entry naming the alarm and who cleared it joins the history, in one
transaction that also checks nobody else holds the request's lock and that the request
is as it was read, so two staff clearing at once leave one entry, not two.
"""

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from finestra.auth import Role, Staff
from finestra.desk.locks import RequestLocks
from finestra.desk.views import DeskViews
from finestra.domain.alarms import STANDING_ALARMS, Alarm, alarms_of
from finestra.domain.errors import Conflict, NotFound, ValidationFailed
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Request
from finestra.domain.vocabulary import InteractionKind
from finestra.storage.requests import RequestStore
from finestra.storage.table import TransactionConflict

__all__ = ["AlarmCleared", "AlarmNotRaised", "ClearAlarmOrder", "RequestAlarms"]


class AlarmNotRaised(Conflict):
    """The alarm is not raised on the request (never was, or someone cleared it)."""

    code = "alarm_not_raised"


class ClearAlarmOrder(BaseModel):
    """Why the alarm is cleared; optional."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, min_length=1, max_length=500)


class AlarmCleared(BaseModel):
    """What clearing answers: the alarm lowered and those the request still carries."""

    reference: str
    alarm: Alarm
    alarms: list[Alarm]
    interaction_id: str
    at: datetime
    version: int


class RequestAlarms:
    """Clears requests' alarms for staff who may act on them.

    Parameters
    ----------
    views
        Reads the request and checks the caller's scope on it.
    requests
        Writes the cleared flag and the history entry.
    locks
        Gives the lock's check to the write.
    clock
        Stamps the history entry.
    """

    def __init__(
        self,
        views: DeskViews,
        requests: RequestStore,
        locks: RequestLocks,
        clock: Callable[[], datetime],
    ) -> None:
        self._views = views
        self._requests = requests
        self._locks = locks
        self._clock = clock

    def clear(
        self, staff: Staff, reference: str, alarm: str, order: ClearAlarmOrder
    ) -> AlarmCleared:
        """Lower ``alarm`` on ``reference`` and record who did, with the note.

        Cost: one ``GetItem`` of the request, then one transaction of the request, the
        history entry and the lock's check.

        Raises
        ------
        NotFound
            When no request has the reference, or no alarm has the name.
        Forbidden
            When the caller does not work cases, or the request is outside their scope.
        ValidationFailed
            When the alarm stands while its cause does (the SLA's and triage's).
        AlarmNotRaised
            When the request does not carry the alarm.
        Locked
            When another staff member holds the request's lock.
        Conflict
            When the request changed while the alarm was being cleared.
        """
        staff.require(Role.AGENT, Role.SUPERVISOR)
        chosen = _alarm(alarm)
        request = self._views.request_for(staff, reference)
        if chosen in STANDING_ALARMS:
            raise ValidationFailed(
                "stands while its cause does; staff cannot clear it", field="alarm"
            )
        if chosen.value not in request.flags:
            raise AlarmNotRaised("is not raised on this request", field="alarm")
        entry = Interaction(
            id=new_id("int"),
            at=self._clock(),
            kind=InteractionKind.NOTE,
            channel="internal",
            actor=f"staff:{staff.user_id}",
            actor_name=staff.username,
            text=f"alarm {chosen.value} cleared",
            reason=order.note,
        )
        try:
            with self._locks.guarding(request.reference, staff.user_id) as guard:
                self._requests.clear_flag(request, entry, flag=chosen.value, alongside=guard)
        except TransactionConflict as exc:
            raise self._refusal(request, chosen) from exc
        return AlarmCleared(
            reference=request.reference,
            alarm=chosen,
            alarms=alarms_of(request.flags - {chosen.value}),
            interaction_id=entry.id,
            at=entry.at,
            version=request.version + 1,
        )

    def _refusal(self, read: Request, alarm: Alarm) -> Conflict:
        now = self._requests.get(read.reference)
        if now is not None and alarm.value not in now.flags:
            return AlarmNotRaised("was cleared meanwhile", field="alarm")
        return Conflict("the request changed while the alarm was cleared; try again")


def _alarm(name: str) -> Alarm:
    try:
        return Alarm(name)
    except ValueError:
        raise NotFound("no alarm has this name", field="alarm") from None

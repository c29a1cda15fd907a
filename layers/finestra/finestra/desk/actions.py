"""What staff do to a request from the desk, each with the rules the city works by.

Agents and supervisors act on the requests of their districts and responsible groups
(a supervisor covers every group of their districts); administrators hold every role;
campaign managers do not work requests. Only a supervisor gives a request to a group
outside their own. Every change is one conditional write of the request and the entry
that records it in the request's history, so a change is never half made, and a change
made on a request somebody else changed meanwhile is refused rather than lost.

A request being worked is locked for its editor (:mod:`finestra.desk.locks`): while
another staff member holds a live lock, every change and every reply is refused with
:class:`~finestra.desk.locks.Locked`, the lock's check made in the same transaction as
the change. A request nobody holds can be acted on without taking its lock first, so a
quick note from another screen or a script still goes through; the desktop takes the
lock when it opens a request. Supervisors can break another's lock, which the request's
history records.
"""

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import reduce
from itertools import pairwise
from typing import Annotated, Any, Final, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finestra.adapters.events import EventNotPublished
from finestra.auth import Role, Staff, covers_group
from finestra.desk.answers import AnswerTemplates, Drafts
from finestra.desk.locks import Lock, LockView, RequestLocks
from finestra.desk.replies import (
    ReplyChannel,
    ReplyTemplates,
    Tariff,
    check_length,
    email_body,
    email_subject,
    filled,
)
from finestra.desk.replies import preview as reply_preview
from finestra.domain.alarms import REASSIGNED_BACK
from finestra.domain.catalogue import Catalogue, Group, Theme
from finestra.domain.citizen import ContactPoint, Name
from finestra.domain.contacts import DocumentId, Email, Phone
from finestra.domain.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TransitionRefused,
    ValidationFailed,
)
from finestra.domain.geo import encode
from finestra.domain.ids import new_id
from finestra.domain.process import PATHS, TRANSITIONS, allowed_targets, check_transition
from finestra.domain.request import REFERENCE, Attachment, Interaction, Location, Request, Text
from finestra.domain.routing import point_of, route
from finestra.domain.vocabulary import (
    FINAL_STATES,
    ConsentPurpose,
    ContactKind,
    InputChannel,
    InteractionKind,
    Language,
    Priority,
    Process,
    RequestState,
    RequestType,
    ResponseChannel,
)
from finestra.intake.message import InboundMessage, IntakeResult
from finestra.intake.service import CITIZEN_REPLIED, IntakeService
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import TransactionConflict
from finestra.workflow.tasks import (
    ACKNOWLEDGEMENT_FAILED,
    LOW_CONFIDENCE_FLAG,
    Publisher,
    geo_precision,
)

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)

Clock = Callable[[], datetime]

ACTING_ROLES: Final = (Role.AGENT, Role.SUPERVISOR)
"""The roles that work requests (administrators hold them all)."""

ANSWERED_FLAGS: Final = frozenset({CITIZEN_REPLIED, ACKNOWLEDGEMENT_FAILED})
"""Flags that say the citizen is waiting for the city; a reply from staff lowers them."""

UPLOAD_TYPES: Final = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "text/plain",
        "audio/mpeg",
        "video/mp4",
    }
)
"""The kinds of file staff may add to a request."""

_PRIORITY_ORDER: Final = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
_IDEMPOTENCY_KEY: Final = re.compile(r"^[A-Za-z0-9._:=+/-]{1,100}$")

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Written = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
StaffId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9@._-]+$")]
FileName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(pattern=r"^[^/\\\x00-\x1f]+$"),
]


class Idempotent(Protocol):
    """Makes a function idempotent on a key of its message (the runtime's ``idempotent``)."""

    def __call__(
        self, function: Callable[[M], R], result: type[R], *, key: str, payload: str
    ) -> Callable[[M], R]:
        """``function`` made to answer a repeated key with its first result."""
        ...


class Messenger(Protocol):
    """Sends staff's replies; returns the provider's message id."""

    def sms(self, to: str, text: str) -> str:
        """Send an SMS from the city's identity."""
        ...

    def email(self, to: str, subject: str, text: str) -> str:
        """Send a plain-text email from the city's address."""
        ...


class Followers(Protocol):
    """What follows a request's move: its joined requests, a duplicate's notice."""

    def before_move(self, request: Request) -> None:
        """Refuse a move the request's links forbid (a joined request follows its principal)."""
        ...

    def after_move(self, staff: Staff, moved: Request, interaction: Interaction) -> None:
        """Carry the move on to the requests linked to ``moved``."""
        ...

    def after_reassign(self, staff: Staff, moved: Request, interaction: Interaction) -> None:
        """Give the requests joined to ``moved`` to its new group and agent."""
        ...


class PresignedUpload(BaseModel):
    """Where and how the browser uploads a file: a form POST the bucket checks."""

    url: str
    fields: dict[str, str]


class Uploads(Protocol):
    """Grants one upload of one file to the attachments bucket."""

    def presign(self, key: str, content_type: str, max_bytes: int) -> PresignedUpload:
        """A POST that stores at ``key`` a file of that type and at most that size."""
        ...


class Order(BaseModel):
    """A body staff send: unknown fields are refused, so a typo is never ignored."""

    model_config = ConfigDict(extra="forbid")


class TransitionOrder(Order):
    """Move a request to another state."""

    to: RequestState
    reason: Reason | None = None
    duplicate_of: Annotated[str, Field(pattern=REFERENCE.pattern)] | None = Field(
        default=None, description="when cancelling as a duplicate, the request that survives"
    )


class AssignmentOrder(Order):
    """Give a request to a responsible group, and to one of its agents or to nobody."""

    group: str = Field(min_length=1, max_length=80)
    agent: StaffId | None = None
    reason: Reason


class PriorityOrder(Order):
    """Say how soon the responsible group should act."""

    priority: Priority


class NoteOrder(Order):
    """An internal note: staff read it, the citizen never does."""

    text: Written


class AttachmentOrder(Order):
    """The file staff are about to upload."""

    filename: FileName
    content_type: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=1)


class ReplyOrder(Order):
    """A reply to the citizen: a template, free text, or a template's text as edited."""

    text: Written | None = None
    template: str | None = Field(default=None, min_length=1, max_length=41)
    language: Language | None = None


class PreviewOrder(Order):
    """A reply to count before sending it."""

    text: Written
    channel: ReplyChannel
    language: Language = Language.CA
    reference: Annotated[str, Field(pattern=REFERENCE.pattern)] | None = None


class ThemeOrder(Order):
    """Correct the theme a request was given."""

    theme: str = Field(min_length=1, max_length=80)
    reason: Reason


class ContactOrder(Order):
    """A phone call or a visit to a service centre, taken down by staff as a new request."""

    channel: Literal["voice", "in_person"]
    citizen_id: str | None = Field(default=None, min_length=1, max_length=64)
    phone: Phone | None = None
    email: Email | None = None
    document_id: DocumentId | None = None
    given_name: Name | None = None
    family_names: Name | None = None
    language: Language | None = None
    request_type: RequestType | None = None
    theme: str = Field(min_length=1, max_length=80)
    description: Text
    location: Location | None = None
    response_channel: ResponseChannel | None = None


class ReplyCommand(BaseModel):
    """A reply checked and worded, as the idempotent sender receives it."""

    idempotency_key: str
    reference: str
    staff_id: str
    staff_name: str
    channel: ReplyChannel
    text: str
    language: Language


class RequestSummary(BaseModel):
    """What an action answers: the request as it stands after the change."""

    reference: str
    theme: str | None
    state: RequestState
    group: str
    agent: str | None
    priority: Priority
    due_at: datetime | None
    updated_at: datetime
    version: int
    allowed_transitions: list[RequestState]


class NoteReceipt(BaseModel):
    """The entry a note (or a file) made in the request's history."""

    interaction_id: str
    at: datetime


class UploadGrant(BaseModel):
    """The upload the browser makes, and the id of the file it becomes."""

    upload: PresignedUpload
    attachment_id: str


class ReplyReceipt(BaseModel):
    """The reply sent: its history entry, channel and cost."""

    interaction_id: str
    channel: ReplyChannel
    segments: int
    encoding: Literal["GSM-7", "UCS-2"] | None
    cost_eur: float


class LoggedRequest(BaseModel):
    """The request a call or a visit opened."""

    reference: str
    state: RequestState | None


def shared_targets(state: RequestState) -> frozenset[RequestState]:
    """The moves from ``state`` that every process allows: all a request without a theme has."""
    return reduce(frozenset.intersection, (TRANSITIONS[process][state] for process in Process))


def needs_reason(process: Process | None, here: RequestState, there: RequestState) -> bool:
    """Tell whether a move must say why: every move but a step forward on the main path.

    Parameters
    ----------
    process
        The process of the request's theme; ``None`` for a request without a theme.
    here, there
        The state the request is in and the one it moves to.

    Returns
    -------
    bool
        ``False`` for the next state of the process's main path (``PATHS``), ``True``
        for a cancellation, a refusal (not processed), a step back and every move of a
        request without a theme.
    """
    if process is None:
        return True
    return (here, there) not in set(pairwise(PATHS[process]))


def states_of(process: Process) -> frozenset[RequestState]:
    """Every state a request of ``process`` can be in."""
    moves = TRANSITIONS[process]
    return frozenset(state for state, targets in moves.items() if targets) | frozenset(
        there for targets in moves.values() for there in targets
    )


def returned_to(request: Request, group: str) -> bool:
    """Whether giving ``request`` to ``group`` hands it back to a group that held it before.

    A group held the request before when a reassignment took it from that group; the
    alarm ``reassigned_back`` is raised when it returns there.
    """
    return group != request.responsible_group and group in request.former_groups


def system_note(at: datetime, text: str) -> Interaction:
    """An internal note the system writes into a request's history, at ``at``."""
    return Interaction(
        id=new_id("int"),
        at=at,
        kind=InteractionKind.NOTE,
        channel="internal",
        actor="system",
        text=text,
    )


def _higher(a: Priority, b: Priority) -> Priority:
    return max(a, b, key=_PRIORITY_ORDER.index)


def _actor(staff: Staff) -> str:
    return f"staff:{staff.user_id}"


class RequestActions:
    """The domain functions behind the desk's request actions."""

    def __init__(
        self,
        *,
        requests: RequestStore,
        citizens: CitizenStore,
        catalogue: Catalogue,
        intake: IntakeService,
        messenger: Messenger,
        uploads: Uploads,
        publisher: Publisher | None,
        templates: ReplyTemplates,
        tariff: Tariff,
        idempotent: Idempotent,
        clock: Clock,
        upload_max_bytes: int,
        on_unpublished: Callable[[str], None] = lambda _detail_type: None,
        locks: RequestLocks | None = None,
        drafts: Drafts | None = None,
        answer_templates: AnswerTemplates | None = None,
    ) -> None:
        self._requests = requests
        self._answer_templates = answer_templates
        self._locks = locks or RequestLocks(requests.table, clock)
        self._drafts = drafts or Drafts(requests.table, clock)
        self._citizens = citizens
        self._catalogue = catalogue
        self._messenger = messenger
        self._uploads = uploads
        self._publisher = publisher
        self._templates = templates
        self._tariff = tariff
        self._clock = clock
        self._upload_max_bytes = upload_max_bytes
        self._on_unpublished = on_unpublished
        self._followers: Followers | None = None
        self._send_once = idempotent(
            self._send_reply,
            ReplyReceipt,
            key="idempotency_key",
            payload="[reference, channel, text, language]",
        )
        self._submit_once = idempotent(
            intake.submit, IntakeResult, key="provider_message_id", payload="text"
        )

    def follow_with(self, followers: Followers) -> None:
        """Let ``followers`` check and carry on every move (see :mod:`finestra.desk.links`)."""
        self._followers = followers

    # ------------------------------------------------------------------ states

    def allowed(self, request: Request) -> frozenset[RequestState]:
        """The states ``request`` may move to now, by its theme's process."""
        theme = self._theme_of(request)
        if theme is None:
            return shared_targets(request.state)
        return allowed_targets(theme.process, request.state)

    def transition(self, staff: Staff, reference: str, order: TransitionOrder) -> RequestSummary:
        """Move a request along its process, with the reason the move needs.

        Raises
        ------
        TransitionRefused
            When the process does not allow the move (naming both states).
        ValidationFailed
            When the move needs a reason and the order gives none.
        Conflict
            When the request changed since it was read.
        Locked
            When another staff member holds the request's lock.
        """
        request = self._actionable(staff, reference)
        if self._followers is not None:
            self._followers.before_move(request)
        survivor = self._survivor(staff, request, order)
        theme = self._theme_of(request)
        here, there = request.state, order.to
        if theme is not None:
            check_transition(theme.process, here, there)
        elif there not in shared_targets(here):
            raise TransitionRefused(
                f"a request without a theme cannot move from {here.value} to {there.value}",
                field="state",
            )
        if order.reason is None and needs_reason(theme.process if theme else None, here, there):
            raise ValidationFailed(
                f"is required to move from {here.value} to {there.value}", field="reason"
            )
        interaction = self._entry(
            staff,
            InteractionKind.STATE_CHANGE,
            reason=order.reason,
            from_state=here,
            to_state=there,
        )
        with self._locks.guarding(request.reference, staff.user_id) as guard:
            self._requests.change_state(
                request, interaction, new_state=there, alongside=guard, duplicate_of=survivor
            )
        moved = self._changed(
            request, interaction, state=there, duplicate_of=survivor or request.duplicate_of
        )
        self._publish("request.state_changed", moved, from_state=here.value)
        if self._followers is not None:
            self._followers.after_move(staff, moved, interaction)
        return self.summary(moved)

    def _survivor(self, staff: Staff, request: Request, order: TransitionOrder) -> str | None:
        """The surviving request a cancellation as duplicate names, checked; or ``None``."""
        if order.duplicate_of is None:
            return None
        if order.to is not RequestState.CANCELLED:
            raise ValidationFailed("is given only when cancelling", field="duplicate_of")
        if order.duplicate_of == request.reference:
            raise ValidationFailed("cannot be the request itself", field="duplicate_of")
        try:
            return self._actionable(staff, order.duplicate_of).reference
        except NotFound:
            raise ValidationFailed("names no request", field="duplicate_of") from None
        except Forbidden:
            raise Forbidden("the surviving request is outside your groups") from None

    # ------------------------------------------------------------------ who and how soon

    def reassign(self, staff: Staff, reference: str, order: AssignmentOrder) -> RequestSummary:
        """Give a request to another group or agent, with the reason.

        Raises
        ------
        ValidationFailed
            When the group is not a group of the catalogue (nor a branch of one).
        Forbidden
            When an agent gives a request to a group that is neither a configured
            target of its group nor under their own groups (supervisors may; the
            history says so).
        Conflict
            When the request has ended, is joined to a principal (naming it: a joined
            request follows its principal's group), or changed since it was read.
        Locked
            When another staff member holds the request's lock.
        """
        request = self._alone(self._open(self._actionable(staff, reference)), "group")
        group = self._group(order.group)
        unconfigured = self._unconfigured(staff, request.responsible_group, group.code)
        before = f"group {request.responsible_group}, agent {request.assigned_agent or '-'}"
        after = f"group {group.code}, agent {order.agent or '-'}"
        if unconfigured:
            after += " (outside the configured targets)"
        interaction = self._entry(
            staff, InteractionKind.ASSIGNMENT, reason=order.reason, text=f"{before} → {after}"
        )
        back = returned_to(request, group.code)
        with self._locks.guarding(request.reference, staff.user_id) as guard:
            self._requests.reassign(
                request,
                interaction,
                group=group.code,
                agent=order.agent,
                alongside=guard,
                flag=REASSIGNED_BACK.value if back else None,
            )
        moved = self._changed(
            request,
            interaction,
            responsible_group=group.code,
            assigned_agent=order.agent,
            former_groups=request.former_groups | {request.responsible_group},
            flags=request.flags | {REASSIGNED_BACK.value} if back else request.flags,
        )
        self._publish("request.reassigned", moved, previous_group=request.responsible_group)
        if self._followers is not None:
            self._followers.after_reassign(staff, moved, interaction)
        return self.summary(moved)

    def set_priority(self, staff: Staff, reference: str, order: PriorityOrder) -> RequestSummary:
        """Give a request a new priority, recorded in its history.

        Raises
        ------
        Conflict
            When the request has ended, is joined to a principal, or changed since it
            was read.
        Locked
            When another staff member holds the request's lock.
        """
        request = self._alone(self._open(self._actionable(staff, reference)), "priority")
        interaction = self._entry(
            staff,
            InteractionKind.ASSIGNMENT,
            text=f"priority {request.priority.value} → {order.priority.value}",
        )
        with self._locks.guarding(request.reference, staff.user_id) as guard:
            self._requests.set_priority(
                request, interaction, priority=order.priority, alongside=guard
            )
        return self.summary(self._changed(request, interaction, priority=order.priority))

    def correct_theme(self, staff: Staff, reference: str, order: ThemeOrder) -> RequestSummary:
        """Give a request the right theme and route it again to that theme's group.

        The group and the SLA due time follow the new theme and the request's place,
        counted from when the city received it; the priority never drops on the way.
        Staff of any group may correct a theme: that is how triage hands work on.

        Raises
        ------
        ValidationFailed
            When the theme is not in the catalogue or is already the request's.
        TransitionRefused
            When the new theme's process has no place for the request's state.
        Conflict
            When the request has ended, is joined to a principal, or changed since it
            was read.
        Locked
            When another staff member holds the request's lock.
        """
        request = self._alone(self._open(self._actionable(staff, reference)), "theme")
        theme = self._theme(order.theme)
        if theme.code == request.theme_code:
            raise ValidationFailed("is already the request's theme", field="theme")
        if request.state not in states_of(theme.process):
            raise TransitionRefused(
                f"a {theme.process.value} request is never {request.state.value}; "
                "move it to another state first",
                field="theme",
            )
        kind = request.request_type
        if kind not in theme.request_types:
            kind = theme.request_types[0]
        place = request.location
        routing = route(
            self._catalogue,
            theme,
            place.district_code if place else None,
            place.neighbourhood_code if place else None,
            received_at=request.created_at,
            text=request.description,
            request_type=kind,
            point=point_of(place),
        )
        priority = _higher(request.priority, routing.priority)
        text = (
            f"theme {request.theme_code or '-'} → {theme.code}, "
            f"group {request.responsible_group} → {routing.responsible_group}"
        )
        interaction = self._entry(staff, InteractionKind.ASSIGNMENT, reason=order.reason, text=text)
        with self._locks.guarding(request.reference, staff.user_id) as guard:
            self._requests.retheme(
                request,
                interaction,
                theme_code=theme.code,
                request_type=kind.value,
                group=routing.responsible_group,
                priority=priority,
                sla_due_at=routing.sla_due_at,
                geo_cell=self._cell(theme, place),
                cleared_flags={LOW_CONFIDENCE_FLAG} & request.flags,
                alongside=guard,
            )
        moved = self._changed(
            request,
            interaction,
            theme_code=theme.code,
            request_type=kind,
            responsible_group=routing.responsible_group,
            priority=priority,
            sla_due_at=routing.sla_due_at,
            flags=request.flags - {LOW_CONFIDENCE_FLAG},
        )
        self._publish("request.reassigned", moved, previous_group=request.responsible_group)
        return self.summary(moved)

    # ------------------------------------------------------------------ notes and files

    def add_note(self, staff: Staff, reference: str, order: NoteOrder) -> NoteReceipt:
        """Add an internal note to a request's history; the citizen never sees it."""
        request = self._actionable(staff, reference)
        interaction = self._entry(staff, InteractionKind.NOTE, text=order.text)
        with self._locks.guarding(request.reference, staff.user_id) as guard:
            self._requests.annotate(request, interaction, alongside=guard)
        return NoteReceipt(interaction_id=interaction.id, at=interaction.at)

    def attach(self, staff: Staff, reference: str, order: AttachmentOrder) -> UploadGrant:
        """Grant one upload to the attachments bucket and record the file on the request.

        The bucket itself refuses a file of another type or larger than declared.

        Raises
        ------
        ValidationFailed
            When the type is not one staff may add, or the file is larger than allowed.
        Locked
            When another staff member holds the request's lock: no upload is granted.
        """
        request = self._actionable(staff, reference)
        if order.content_type not in UPLOAD_TYPES:
            raise ValidationFailed("is not a kind of file the city keeps", field="content_type")
        if order.size > self._upload_max_bytes:
            raise ValidationFailed(
                f"is larger than the {self._upload_max_bytes} bytes a file may have", field="size"
            )
        attachment_id = new_id("att")
        key = f"requests/{request.reference}/{attachment_id}"
        upload = self._uploads.presign(key, order.content_type, order.size)
        attachment = Attachment(
            key=key, filename=order.filename, content_type=order.content_type, size=order.size
        )
        interaction = self._entry(staff, InteractionKind.NOTE, attachments=(attachment,))
        with self._locks.guarding(request.reference, staff.user_id) as guard:
            self._requests.annotate(request, interaction, alongside=guard)
        return UploadGrant(upload=upload, attachment_id=attachment_id)

    # ------------------------------------------------------------------ locks

    def take_lock(self, staff: Staff, reference: str) -> LockView:
        """Take the request's lock for the caller, or renew it if theirs already.

        Raises
        ------
        Locked
            When another staff member holds a live lock (naming them and its end).
        """
        request = self._actionable(staff, reference)
        return self._locks.take(staff, request.reference).view(staff.user_id)

    def release_lock(self, staff: Staff, reference: str, *, force: bool = False) -> Lock | None:
        """Give up the caller's lock; with ``force``, a supervisor breaks another's.

        Releasing when nobody holds the lock is no error, so a release sent twice (or
        after the lock lapsed) answers the same. A broken lock is recorded in the
        request's history as a system note naming who broke whose lock, in the same
        transaction as the delete.

        Returns
        -------
        Lock or None
            The lock broken, if ``force`` broke one.

        Raises
        ------
        Forbidden
            When ``force`` comes from anyone but a supervisor.
        Locked
            When another staff member holds the lock and ``force`` is not given, or a
            third took it while it was being broken.
        """
        request = self._actionable(staff, reference)
        if force and not staff.has(Role.SUPERVISOR):
            raise Forbidden("only supervisors break a lock another staff member holds")
        held = self._locks.current(request.reference)
        if not force or held is None or held.holder == staff.user_id:
            self._locks.release(staff.user_id, request.reference)
            return None
        note = system_note(self._clock(), f"lock of {held.holder_name} broken by {staff.username}")
        try:
            self._requests.annotate(request, note, alongside=[self._locks.breaking(held)])
        except TransactionConflict as exc:
            self._locks.require_free(request.reference, staff.user_id)
            raise Conflict("the lock changed while it was being broken; try again") from exc
        return held

    # ------------------------------------------------------------------ replies

    def reply(
        self, staff: Staff, reference: str, order: ReplyOrder, *, idempotency_key: str
    ) -> ReplyReceipt:
        """Answer the citizen on the request's response channel, once per idempotency key.

        A retry with the same key answers the first receipt and sends nothing; the same
        key with another text is a :class:`Conflict`.

        Raises
        ------
        ValidationFailed
            When the order has neither text nor template, names an unknown template or
            one written for other requests (another theme, request type or group, on the
            field ``template``: nothing is sent), or is longer than an SMS reply may be.
        Conflict
            When the request cannot be answered from the desk: its response channel is
            neither SMS nor email, it names no citizen, the citizen asked not to be
            contacted on that channel, or the city has no address on it.
        Locked
            When another staff member holds the request's lock: nothing is sent. The
            check is a consistent read just before sending, since a message cannot be
            part of a transaction; a reply once sent is always recorded.
        """
        request = self._actionable(staff, reference)
        key = self._idempotency_key(idempotency_key)
        channel, _ = self._target(request)
        language = order.language or request.language
        text = self._reply_text(order, language, request)
        shown = reply_preview(text, channel, self._tariff)
        check_length(shown)
        command = ReplyCommand(
            idempotency_key=f"{staff.user_id}#{request.reference}#{key}",
            reference=request.reference,
            staff_id=staff.user_id,
            staff_name=staff.username,
            channel=channel,
            text=shown.text,
            language=language,
        )
        return self._send_once(command)

    def templates(self, staff: Staff, language: Language) -> list[dict[str, str]]:
        """The city's reply templates in one language."""
        staff.require(*ACTING_ROLES)
        return [choice.model_dump() for choice in self._templates.choices(language)]

    def preview(self, staff: Staff, order: PreviewOrder) -> dict[str, Any]:
        """What a reply would read and cost on a channel, before anything is sent."""
        staff.require(*ACTING_ROLES)
        text = filled(order.text, order.language, order.reference)
        return reply_preview(text, order.channel, self._tariff).model_dump(mode="json")

    # ------------------------------------------------------------------ new requests

    def log_contact(
        self, staff: Staff, order: ContactOrder, *, idempotency_key: str
    ) -> LoggedRequest:
        """Open a request for a phone call or a visit, through the intake every channel uses.

        A document the citizen shows at the counter identifies them; one read out over
        the phone does not. The same idempotency key opens one request, however often
        it is sent.

        Raises
        ------
        Forbidden
            When the request's district is outside the caller's.
        ValidationFailed
            When the theme, the citizen or a field breaks the intake's rules.
        """
        staff.require(*ACTING_ROLES)
        staff.require_district(self._district_of(order.location))
        key = self._idempotency_key(idempotency_key)
        theme = self._theme(order.theme)
        channel = InputChannel.PHONE if order.channel == "voice" else InputChannel.IN_PERSON
        message = InboundMessage(
            channel=channel,
            provider_message_id=f"desk-{staff.user_id}-{key}",
            received_at=self._clock(),
            sender=self._sender(order, channel),
            text=order.description,
            given_name=order.given_name,
            family_names=order.family_names,
            language=order.language,
            request_type=order.request_type,
            theme_code=theme.code,
            location=order.location,
            response_channel=order.response_channel,
            actor=_actor(staff),
        )
        result = self._submit_once(message)
        if result.reference is None:
            raise Conflict("the intake opened no request for this contact")
        return LoggedRequest(reference=result.reference, state=result.state)

    # ------------------------------------------------------------------ answers

    def summary(self, request: Request) -> RequestSummary:
        """The request as an action answers it."""
        return RequestSummary(
            reference=request.reference,
            theme=request.theme_code,
            state=request.state,
            group=request.responsible_group,
            agent=request.assigned_agent,
            priority=request.priority,
            due_at=request.sla_due_at,
            updated_at=request.updated_at,
            version=request.version,
            allowed_transitions=sorted(self.allowed(request)),
        )

    # ------------------------------------------------------------------ shared steps

    def _send_reply(self, command: ReplyCommand) -> ReplyReceipt:
        request = self._request(command.reference)
        self._locks.require_free(request.reference, command.staff_id)
        channel, address = self._target(request)
        if channel != command.channel:
            raise Conflict("changed while the reply was written", field="response_channel")
        shown = reply_preview(command.text, channel, self._tariff)
        if channel == "sms":
            provider_id = self._messenger.sms(address, shown.text)
        else:
            subject = email_subject(command.language, request.reference)
            provider_id = self._messenger.email(
                address, subject, email_body(shown.text, command.language)
            )
        interaction = Interaction(
            id=new_id("int"),
            at=self._clock(),
            kind=InteractionKind.OUTBOUND_MESSAGE,
            channel=ResponseChannel(channel),
            actor=f"staff:{command.staff_id}",
            actor_name=command.staff_name,
            provider_message_id=provider_id,
            text=shown.text,
        )
        self._requests.record_reply(request, interaction, answered=ANSWERED_FLAGS)
        self._drafts.drop(command.staff_id, request.reference)
        return ReplyReceipt(
            interaction_id=interaction.id,
            channel=channel,
            segments=shown.segments,
            encoding=shown.encoding,
            cost_eur=shown.cost_eur,
        )

    def _reply_text(self, order: ReplyOrder, language: Language, request: Request) -> str:
        template = None
        if order.template is not None:
            template = self._template_text(order.template, request, language)
        if order.text is not None:
            return filled(order.text, language, request.reference)
        if template is None:
            raise ValidationFailed("is required when no template is chosen", field="text")
        return filled(template, language, request.reference)

    def _template_text(self, template_id: str, request: Request, language: Language) -> str:
        """The template's text once checked to fit ``request``, as a draft's is checked.

        Without the scoped templates only the template's existence is checked.
        """
        if self._answer_templates is None:
            return self._templates.text(template_id, language)
        return self._answer_templates.text_for(template_id, request, language)

    def _target(self, request: Request) -> tuple[ReplyChannel, str]:
        channel = request.response_channel
        if channel not in (ResponseChannel.SMS, ResponseChannel.EMAIL):
            raise Conflict(
                f"is {channel.value}; the desk answers by SMS or email only",
                field="response_channel",
            )
        citizen = self._citizens.get(request.citizen_id) if request.citizen_id else None
        if citizen is None:
            raise Conflict("names nobody the city can answer", field="citizen_id")
        if not citizen.consents_to(channel.value, ConsentPurpose.SERVICE):
            raise Conflict(
                "was refused by the citizen for the city's answers", field="response_channel"
            )
        kind = ContactKind.PHONE if channel is ResponseChannel.SMS else ContactKind.EMAIL
        point = citizen.contact(kind)
        if point is None:
            raise Conflict(
                f"needs the citizen's {kind.value}, which the city lacks", field=kind.value
            )
        return ("sms" if channel is ResponseChannel.SMS else "email"), point.value

    def _sender(self, order: ContactOrder, channel: InputChannel) -> tuple[ContactPoint, ...]:
        known: list[ContactPoint] = []
        if order.citizen_id is not None:
            citizen = self._citizens.get(order.citizen_id)
            if citizen is None:
                raise ValidationFailed("is not a citizen the city knows", field="citizen_id")
            if not citizen.contact_points:
                raise ValidationFailed(
                    "has no contact point to file the request under", field="citizen_id"
                )
            known.extend(citizen.contact_points)
        checked = channel is InputChannel.IN_PERSON
        given = [
            (ContactKind.PHONE, order.phone, False),
            (ContactKind.EMAIL, order.email, False),
            (ContactKind.DOCUMENT, order.document_id, checked),
        ]
        seen = {(p.kind, p.value) for p in known}
        fresh = [
            ContactPoint(kind=kind, value=value, verified=verified, first_seen_on=channel)
            for kind, value, verified in given
            if value and (kind, value) not in seen
        ]
        return (*fresh, *known)

    def _district_of(self, location: Location | None) -> str | None:
        if location is None:
            return None
        self._catalogue.check_place(location.district_code, location.neighbourhood_code)
        if location.district_code is None and location.neighbourhood_code is not None:
            return self._catalogue.district_of(location.neighbourhood_code)
        return location.district_code

    def _actionable(self, staff: Staff, reference: str) -> Request:
        staff.require(*ACTING_ROLES)
        request = self._request(reference)
        staff.require_district(request.location.district_code if request.location else None)
        if not covers_group(self._catalogue, staff, request.responsible_group):
            raise Forbidden("this request is outside your groups")
        return request

    def _unconfigured(self, staff: Staff, current: str, target: str) -> bool:
        """Whether handing a request from ``current`` to ``target`` leaves the configured
        targets, which only a supervisor may do; a target under the caller's own groups
        is always theirs to give."""
        try:
            if self._catalogue.may_reassign(current, target):
                return False
        except NotFound:
            pass
        if not staff.groups.isdisjoint(self._catalogue.lineage(target)):
            return False
        if staff.has(Role.SUPERVISOR):
            return True
        raise Forbidden(
            f"{target} is not a reassignment target of {current}; "
            "only supervisors give requests elsewhere"
        )

    @staticmethod
    def _alone(request: Request, what: str) -> Request:
        """``request``, unless it is joined: then its ``what`` is its principal's."""
        if request.joined_to is not None:
            raise Conflict(
                f"is joined to {request.joined_to} and follows its {what}; unjoin it first",
                field="joined_to",
            )
        return request

    @staticmethod
    def _open(request: Request) -> Request:
        if request.state in FINAL_STATES:
            raise Conflict(
                f"is {request.state.value}; an ended request stays as it is", field="state"
            )
        return request

    def _request(self, reference: str) -> Request:
        request = self._requests.get(reference) if REFERENCE.fullmatch(reference) else None
        if request is None:
            raise NotFound("no request has this reference")
        return request

    def _theme_of(self, request: Request) -> Theme | None:
        return self._catalogue.theme(request.theme_code) if request.theme_code else None

    def _theme(self, code: str) -> Theme:
        try:
            return self._catalogue.theme(code)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field="theme") from None

    def _group(self, code: str) -> Group:
        try:
            return self._catalogue.group(code)
        except NotFound as exc:
            raise ValidationFailed(exc.message, field="group") from None

    @staticmethod
    def _cell(theme: Theme, place: Location | None) -> str | None:
        if theme.duplicate_radius_m is None or place is None or not place.has_point:
            return None
        assert place.latitude is not None
        assert place.longitude is not None
        return encode(place.latitude, place.longitude, geo_precision(theme.duplicate_radius_m))

    @staticmethod
    def _idempotency_key(key: str) -> str:
        if not _IDEMPOTENCY_KEY.fullmatch(key):
            raise ValidationFailed(
                "must be 1 to 100 letters, digits or . _ : = + / -", field="Idempotency-Key"
            )
        return key

    def _entry(
        self,
        staff: Staff,
        kind: InteractionKind,
        *,
        text: str | None = None,
        reason: str | None = None,
        from_state: RequestState | None = None,
        to_state: RequestState | None = None,
        attachments: Iterable[Attachment] = (),
    ) -> Interaction:
        return Interaction(
            id=new_id("int"),
            at=self._clock(),
            kind=kind,
            channel="internal",
            actor=_actor(staff),
            actor_name=staff.username,
            text=text,
            reason=reason,
            from_state=from_state,
            to_state=to_state,
            attachments=tuple(attachments),
        )

    @staticmethod
    def _changed(request: Request, interaction: Interaction, **changes: Any) -> Request:
        return request.model_copy(
            update={**changes, "updated_at": interaction.at, "version": request.version + 1}
        )

    def _publish(self, detail_type: str, request: Request, **extra: str | None) -> None:
        if self._publisher is None:
            return
        detail = {
            "reference": request.reference,
            "theme_code": request.theme_code,
            "state": request.state.value,
            "responsible_group": request.responsible_group,
            "priority": request.priority.value,
            "sla_due_at": request.sla_due_at.isoformat() if request.sla_due_at else None,
            "district_code": request.location.district_code if request.location else None,
            **extra,
        }
        try:
            self._publisher.publish(detail_type, detail, [])
        except EventNotPublished:
            self._on_unpublished(detail_type)

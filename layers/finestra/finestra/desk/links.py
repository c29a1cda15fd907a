"""Links between requests, as the city's staff make them: joins, splits and claims.

**Join.** Requests about the same thing (same theme, within the theme's distance and
time limits: ``duplicate_radius_m`` and ``duplicate_window_days``, the limits the
duplicate search uses) are joined to one principal request. A joined request follows
its principal: when the principal moves, each joined request moves to the same state in
a follow-up step, when the principal is reassigned each joined request goes to the same
group and agent, and when the principal ends, every applicant (the principal's and each
joined request's) is answered in their own language on their own response channel,
through the desk's own reply (:meth:`RequestActions.reply`), once per applicant whatever
the retries. An answer that cannot go leaves a note and the ``answer_pending`` alarm on
its request; it never stops the others. A joined request is not moved, reassigned,
given another theme or another priority on its own; it can be unjoined while neither
request has ended.

**Split.** One citizen message that raises several problems becomes linked new requests,
one per problem, each created through the intake every channel uses (same citizen,
channel and language; its theme's group and SLA; the workflow routes it as any new
request), then listed under the original in one transaction. Each part is created once
per idempotency key, so a repeated split creates nothing new and only links what is not
linked yet.

**Claim.** A claim against a closed or cancelled request, made within
:data:`CLAIM_DAYS` of its ending, opens a new request whose reference is the root
request's with a suffix (``-R1``, ``-R2``, …), given again to the original's group with
an SLA and the ``claimed`` alarm. The claim's request is created in the same transaction
that lists it under the root. The rules are :class:`ClaimWriter`'s, which the intake uses
too when a citizen claims by message.

**Cancel as duplicate** is a move to cancelled that names the surviving request
(:attr:`TransitionOrder.duplicate_of`); once moved, the citizen is told the surviving
reference (:meth:`LinkService.after_move`).
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Final

from pydantic import BaseModel, Field

from finestra.auth import Staff
from finestra.desk.actions import (
    ACTING_ROLES,
    Idempotent,
    Order,
    ReplyOrder,
    RequestActions,
    Written,
    system_note,
)
from finestra.desk.claims import ClaimCommand, ClaimReceipt, ClaimWriter
from finestra.desk.locks import RequestLocks
from finestra.domain.alarms import ANSWER_PENDING
from finestra.domain.catalogue import Catalogue, Theme
from finestra.domain.citizen import ContactPoint
from finestra.domain.errors import Conflict, FinestraError, Forbidden, NotFound, ValidationFailed
from finestra.domain.geo import Point, distance_m
from finestra.domain.ids import new_id
from finestra.domain.request import REFERENCE, Interaction, Location, Request, Text
from finestra.domain.vocabulary import (
    FINAL_STATES,
    InputChannel,
    InteractionKind,
    Language,
    RequestState,
)
from finestra.intake.message import InboundMessage, IntakeResult
from finestra.storage.citizens import CitizenStore
from finestra.storage.links import LinkStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import Check, Item, TransactionConflict

Clock = Callable[[], datetime]
Reference = Annotated[str, Field(pattern=REFERENCE.pattern)]

MAX_PARTS: Final = 5
"""How many linked requests one message may be split into."""

DEFAULT_WINDOW_DAYS: Final = 30
"""The time limit of a theme that sets a distance but no time (as the duplicate search)."""

RESOLVED_TEMPLATE: Final = "resolved"
"""The reply template every applicant of a closed principal receives."""

_ENDING_TEXT: Final = {
    RequestState.CANCELLED: {
        Language.CA: "Bon dia. Hem tancat la sol·licitud {reference} sense actuació. {city}",
        Language.ES: "Buenos días. Hemos cerrado la solicitud {reference} sin actuación. {city}",
        Language.EN: "Hello. Request {reference} has been closed with no action. {city}",
    },
    RequestState.NOT_PROCESSED: {
        Language.CA: "Bon dia. La sol·licitud {reference} no es pot tramitar. {city}",
        Language.ES: "Buenos días. La solicitud {reference} no se puede tramitar. {city}",
        Language.EN: "Hello. Request {reference} cannot be processed. {city}",
    },
}
_DUPLICATE_TEXT: Final = {
    Language.CA: "Bon dia. La sol·licitud {reference} tracta el mateix que la {survivor}; "
    "el cas continua en aquesta. {city}",
    Language.ES: "Buenos días. La solicitud {reference} trata lo mismo que la {survivor}; "
    "el caso sigue en esta. {city}",
    Language.EN: "Hello. Request {reference} is about the same as {survivor}; "
    "the case goes on there. {city}",
}


class JoinOrder(Order):
    """Join this request to a principal request that survives it."""

    into: Reference


class SplitPart(Order):
    """One problem of the citizen's message, as a request of its own."""

    theme: str = Field(min_length=1, max_length=80)
    description: Text
    location: Location | None = None


class SplitOrder(Order):
    """The problems of one message, each to become a linked request."""

    parts: list[SplitPart] = Field(min_length=1, max_length=MAX_PARTS)


class ClaimOrder(Order):
    """A citizen's claim against a closed or cancelled request, as staff take it down."""

    text: Written
    channel: InputChannel | None = Field(
        default=None, description="how the claim came; the original's channel when not given"
    )


class LinkedRequest(BaseModel):
    """A request linked to the one shown, and where it stands."""

    reference: str
    state: RequestState | None = Field(description="null when the request is not found")


class LinksView(BaseModel):
    """Every link of a request: its principal or joined requests, its parts, its claims."""

    reference: str
    joined_to: LinkedRequest | None
    joined: list[LinkedRequest]
    split_from: LinkedRequest | None
    parts: list[LinkedRequest]
    claim_of: LinkedRequest | None
    claims: list[LinkedRequest]
    duplicate_of: LinkedRequest | None


class AnswerOutcome(BaseModel):
    """How the answer to one applicant of a joined resolution went."""

    reference: str
    sent: bool
    channel: str | None = None
    interaction_id: str | None = None
    failure: str | None = Field(default=None, description="the refusal's code, never its text")


class AnswerOutcomes(BaseModel):
    """The answers of one joined resolution, one per applicant."""

    items: list[AnswerOutcome]


def links_view(request: Request, found: Mapping[str, Item]) -> LinksView:
    """The links of ``request``, each with the state ``found`` holds for it."""

    def one(reference: str | None) -> LinkedRequest | None:
        return None if reference is None else many([reference])[0]

    def many(references: Iterable[str]) -> list[LinkedRequest]:
        return [
            LinkedRequest(
                reference=reference,
                state=RequestState(found[reference]["state"]) if reference in found else None,
            )
            for reference in references
        ]

    return LinksView(
        reference=request.reference,
        joined_to=one(request.joined_to),
        joined=many(request.joined),
        split_from=one(request.split_from),
        parts=many(request.parts),
        claim_of=one(request.claim_of),
        claims=many(request.claims),
        duplicate_of=one(request.duplicate_of),
    )


def linked_references(request: Request) -> list[str]:
    """Every reference ``request`` links to, once each."""
    single = [request.joined_to, request.split_from, request.claim_of, request.duplicate_of]
    return list(
        dict.fromkeys(
            [
                *(r for r in single if r),
                *request.joined,
                *request.parts,
                *request.claims,
            ]
        )
    )


def _point(location: Location | None) -> Point | None:
    if location is None or location.latitude is None or location.longitude is None:
        return None
    return Point(location.latitude, location.longitude)


def _ending_order(state: RequestState, language: Language) -> ReplyOrder:
    """The answer an applicant receives when their joined resolution ends in ``state``."""
    if state is RequestState.CLOSED:
        return ReplyOrder(template=RESOLVED_TEMPLATE, language=language)
    return ReplyOrder(text=_ENDING_TEXT[state][language], language=language)


def _actor(staff: Staff) -> str:
    return f"staff:{staff.user_id}"


class LinkService:
    """Joins, unjoins, splits and claims; and what follows a principal's move.

    Parameters
    ----------
    actions
        The desk's request actions: its replies answer the applicants.
    requests
        Requests and their history.
    citizens
        Whose contact points a split's parts are filed under.
    catalogue
        The themes, with their distance and time limits, groups and SLAs.
    submit
        The intake's ``submit``, made idempotent on the message's provider id.
    idempotent
        Makes a claim idempotent on the caller's key.
    clock
        Stamps every entry and judges the claim's 60 days.
    """

    def __init__(
        self,
        *,
        actions: RequestActions,
        requests: RequestStore,
        citizens: CitizenStore,
        catalogue: Catalogue,
        submit: Callable[[InboundMessage], IntakeResult],
        idempotent: Idempotent,
        clock: Clock,
    ) -> None:
        self._actions = actions
        self._requests = requests
        self._links = LinkStore(requests)
        self._citizens = citizens
        self._catalogue = catalogue
        self._submit = submit
        self._locks = RequestLocks(requests.table, clock)
        self._clock = clock
        self._claims = ClaimWriter(requests=requests, catalogue=catalogue, clock=clock)
        self._claim_once = idempotent(
            self._claims.write,
            ClaimReceipt,
            key="idempotency_key",
            payload="[reference, text, channel]",
        )

    # ------------------------------------------------------------------ reading

    def links(self, request: Request) -> LinksView:
        """The links of ``request`` with their states (one ``BatchGetItem``, none without)."""
        references = linked_references(request)
        return links_view(request, self._links.linked(references) if references else {})

    # ------------------------------------------------------------------ joins

    def join(self, staff: Staff, reference: str, order: JoinOrder) -> LinksView:
        """Join ``reference`` to the principal ``order.into``; joining again changes nothing.

        Raises
        ------
        ValidationFailed
            When the request would join itself.
        NotFound
            When either request does not exist.
        Forbidden
            When either request is outside the caller's groups or districts.
        Conflict
            Naming the rule broken: a different theme, a theme that joins nothing, too
            far apart, too far apart in time, an ended request, a request already joined
            elsewhere (or with requests joined to it), a principal that is itself joined,
            or either request changed meanwhile.
        Locked
            When another staff member holds the lock of either request.
        """
        if order.into == reference:
            raise ValidationFailed("cannot be the request itself", field="into")
        joined = self._actionable(staff, reference)
        principal = self._actionable(staff, order.into, field="into")
        if joined.joined_to == principal.reference:
            return self.links(joined)
        self._check_join(joined, principal)
        entries = (
            self._entry(staff, f"joined to {principal.reference}"),
            self._entry(staff, f"{joined.reference} joined to this request"),
        )
        return self._linked(
            staff,
            lambda checks: self._links.join(joined, principal, entries, checks=checks),
            joined,
            principal,
        )

    def unjoin(self, staff: Staff, reference: str) -> LinksView:
        """Undo the join of ``reference``, before either request has ended.

        Raises
        ------
        Conflict
            When the request is not joined, either request has ended, or either changed
            meanwhile.
        Locked
            When another staff member holds the lock of either request.
        """
        joined = self._actionable(staff, reference)
        if joined.joined_to is None:
            raise Conflict("is not joined to any request", field="joined_to")
        principal = self._request(joined.joined_to, field="joined_to")
        self._require_open(joined, principal)
        if joined.reference not in principal.joined:
            raise Conflict("is not listed by its principal; try again", field="joined_to")
        entries = (
            self._entry(staff, f"unjoined from {principal.reference}"),
            self._entry(staff, f"{joined.reference} unjoined from this request"),
        )
        return self._linked(
            staff,
            lambda checks: self._links.unjoin(joined, principal, entries, checks=checks),
            joined,
            principal,
        )

    # ------------------------------------------------------------------ what follows a move

    def before_move(self, request: Request) -> None:
        """Refuse to move a joined request on its own: it follows its principal.

        Raises
        ------
        Conflict
            When ``request`` is joined to a principal.
        """
        if request.joined_to is not None:
            raise Conflict(
                f"is joined to {request.joined_to} and follows it; unjoin it first",
                field="joined_to",
            )

    def after_move(self, staff: Staff, moved: Request, interaction: Interaction) -> None:
        """What follows a move of ``moved``: its joined requests, and a duplicate's notice.

        A request cancelled as a duplicate tells its citizen the surviving reference; a
        principal takes its joined requests along (:meth:`follow`). Nothing here undoes
        the move: an answer that cannot go is recorded on its request.
        """
        if moved.state is RequestState.CANCELLED and moved.duplicate_of:
            text = _DUPLICATE_TEXT[moved.language].replace("{survivor}", moved.duplicate_of)
            self._answer(staff, moved, ReplyOrder(text=text), f"duplicate-{interaction.id}")
        if moved.joined:
            self.follow(staff, moved, interaction)

    def after_reassign(self, staff: Staff, moved: Request, interaction: Interaction) -> None:
        """Give each request joined to ``moved`` to the principal's new group and agent.

        Joined requests are worked as one, by whoever holds the principal. Each follows
        in a write of its own (a conditional reassignment and its history entry naming
        the principal); one that changed meanwhile stays where it is and is noted.
        """
        for joined in self._followers(moved):
            if joined.joined_to != moved.reference or joined.state in FINAL_STATES:
                continue
            if (joined.responsible_group, joined.assigned_agent) != (
                moved.responsible_group,
                moved.assigned_agent,
            ):
                self._reassign_along(staff, joined, moved, interaction)

    def follow(self, staff: Staff, principal: Request, moved_by: Interaction) -> AnswerOutcomes:
        """Move each joined request to the principal's state; once ended, answer everyone.

        Each joined request moves in a write of its own (a conditional state change and
        its history entry); one that changed meanwhile stays and is noted. When the
        principal has ended, each applicant is answered once, keyed by the move.
        """
        followers = [r for r in self._followers(principal) if r.joined_to == principal.reference]
        for joined in followers:
            if joined.state is not principal.state:
                self._move_along(staff, joined, principal)
        if principal.state not in FINAL_STATES:
            return AnswerOutcomes(items=[])
        key = f"resolution-{moved_by.id}"
        return AnswerOutcomes(
            items=[
                self._answer(staff, r, _ending_order(principal.state, r.language), key)
                for r in [principal, *followers]
            ]
        )

    def answer_joined(self, staff: Staff, reference: str) -> AnswerOutcomes:
        """Answer again every applicant of an ended principal whose answer did not go.

        Answers already sent are not sent twice: each is keyed by the move that ended
        the principal.

        Raises
        ------
        Conflict
            When the request has no joined requests, or has not ended.
        """
        principal = self._actionable(staff, reference)
        if not principal.joined:
            raise Conflict("has no joined requests", field="joined")
        if principal.state not in FINAL_STATES:
            raise Conflict(f"is {principal.state.value}; it has not ended", field="state")
        ending = [
            entry
            for entry in self._requests.history(principal.reference)
            if entry.kind is InteractionKind.STATE_CHANGE and entry.to_state is principal.state
        ]
        if not ending:
            raise Conflict("has no recorded move to its state", field="state")
        return self.follow(staff, principal, ending[-1])

    # ------------------------------------------------------------------ splits

    def split(
        self, staff: Staff, reference: str, order: SplitOrder, *, idempotency_key: str
    ) -> LinksView:
        """Make a linked request of each part, through the intake; once per key.

        Raises
        ------
        ValidationFailed
            When a part's theme is not a theme of the catalogue, or a part breaks the
            intake's rules (naming ``parts.<n>.<field>``).
        Conflict
            When the request has ended or is joined, would have more than
            :data:`MAX_PARTS` parts, or changed meanwhile.
        Locked
            When another staff member holds the request's lock.
        """
        original = self._actionable(staff, reference)
        self._require_open(original)
        self.before_move(original)
        if len(original.parts) + len(order.parts) > MAX_PARTS:
            raise Conflict(f"would have more than {MAX_PARTS} parts", field="parts")
        themes = [self._theme(part.theme, f"parts.{n}.theme") for n, part in enumerate(order.parts)]
        sender = self._sender(original)
        created = [
            self._part(
                staff,
                original=original,
                sender=sender,
                part=part,
                theme=theme,
                key=f"{idempotency_key}-{n}",
                number=n,
            )
            for n, (part, theme) in enumerate(zip(order.parts, themes, strict=True))
        ]
        fresh = [r for r in created if r not in original.parts]
        if not fresh:
            return self.links(original)
        entry = self._entry(staff, f"split into {', '.join(fresh)}")
        return self._linked(
            staff,
            lambda checks: self._links.link_parts(original, fresh, entry, checks=checks),
            original,
        )

    # ------------------------------------------------------------------ claims

    def claim(
        self, staff: Staff, reference: str, order: ClaimOrder, *, idempotency_key: str
    ) -> ClaimReceipt:
        """Open a claim against a closed or cancelled request, once per key.

        Raises
        ------
        Conflict
            When the request is still open (or ended otherwise than closed or
            cancelled), ended more than :data:`CLAIM_DAYS` days ago, or a claim was made
            against it meanwhile (try again).
        Locked
            When another staff member holds the request's lock.
        """
        claimed = self._actionable(staff, reference)
        self._claims.check(claimed)
        command = ClaimCommand(
            idempotency_key=f"{staff.user_id}#{claimed.reference}#{idempotency_key}",
            reference=claimed.reference,
            actor=_actor(staff),
            actor_name=staff.username,
            lock_holder=staff.user_id,
            text=order.text,
            channel=order.channel or claimed.input_channel,
        )
        return self._claim_once(command)

    # ------------------------------------------------------------------ shared steps

    def _check_join(self, joined: Request, principal: Request) -> None:
        if joined.joined_to is not None:
            raise Conflict(f"is already joined to {joined.joined_to}", field="joined_to")
        if joined.joined:
            raise Conflict("has requests joined to it; it can only be a principal", field="joined")
        if principal.joined_to is not None:
            raise Conflict(
                f"is itself joined to {principal.joined_to}; join to that request", field="into"
            )
        self._require_open(joined, principal)
        if joined.theme_code is None or joined.theme_code != principal.theme_code:
            raise Conflict(
                "is of a different theme; only requests of one theme join", field="theme"
            )
        theme = self._catalogue.known_theme(joined.theme_code)
        if theme is None or theme.duplicate_radius_m is None:
            raise Conflict("is of a theme whose requests are not joined", field="theme")
        self._check_near(joined, principal, theme.duplicate_radius_m)
        window = timedelta(days=theme.duplicate_window_days or DEFAULT_WINDOW_DAYS)
        if abs(joined.created_at - principal.created_at) > window:
            raise Conflict(
                f"came more than {window.days} days apart; the theme joins within that",
                field="created_at",
            )

    @staticmethod
    def _check_near(joined: Request, principal: Request, radius_m: int) -> None:
        here, there = _point(joined.location), _point(principal.location)
        if here is None or there is None:
            raise Conflict("has no point to measure the distance from", field="location")
        apart = distance_m(here, there)
        if apart > radius_m:
            raise Conflict(
                f"is {round(apart)} m away; the theme joins within {radius_m} m",
                field="location",
            )

    @staticmethod
    def _require_open(*requests: Request) -> None:
        for request in requests:
            if request.state in FINAL_STATES:
                raise Conflict(
                    f"{request.reference} is {request.state.value}; an ended request "
                    "is not joined, unjoined or split",
                    field="state",
                )

    def _followers(self, principal: Request) -> list[Request]:
        found = [self._requests.get(reference) for reference in principal.joined]
        return [request for request in found if request is not None]

    def _move_along(self, staff: Staff, joined: Request, principal: Request) -> None:
        entry = Interaction(
            id=new_id("int"),
            at=self._clock(),
            kind=InteractionKind.STATE_CHANGE,
            channel="internal",
            actor=_actor(staff),
            actor_name=staff.username,
            from_state=joined.state,
            to_state=principal.state,
            reason=f"follows {principal.reference}",
        )
        try:
            self._requests.change_state(joined, entry, new_state=principal.state)
        except Conflict as exc:
            self._note_failure(joined, "did not follow its principal", exc)

    def _reassign_along(
        self, staff: Staff, joined: Request, principal: Request, moved_by: Interaction
    ) -> None:
        before = f"group {joined.responsible_group}, agent {joined.assigned_agent or '-'}"
        after = f"group {principal.responsible_group}, agent {principal.assigned_agent or '-'}"
        entry = Interaction(
            id=new_id("int"),
            at=self._clock(),
            kind=InteractionKind.ASSIGNMENT,
            channel="internal",
            actor=_actor(staff),
            actor_name=staff.username,
            text=f"{before} → {after}",
            reason=f"follows {principal.reference}: {moved_by.reason or '-'}"[:500],
        )
        try:
            self._requests.reassign(
                joined,
                entry,
                group=principal.responsible_group,
                agent=principal.assigned_agent,
            )
        except Conflict:
            note = system_note(
                self._clock(),
                f"did not follow {principal.reference} to group "
                f"{principal.responsible_group} (conflict)",
            )
            self._requests.annotate(joined, note)

    def _answer(self, staff: Staff, request: Request, order: ReplyOrder, key: str) -> AnswerOutcome:
        try:
            receipt = self._actions.reply(staff, request.reference, order, idempotency_key=key)
        except FinestraError as exc:
            self._note_failure(request, "answer not sent", exc)
            return AnswerOutcome(reference=request.reference, sent=False, failure=exc.code)
        except Exception as exc:
            self._note_failure(request, "answer not sent", exc)
            return AnswerOutcome(
                reference=request.reference, sent=False, failure=type(exc).__name__
            )
        return AnswerOutcome(
            reference=request.reference,
            sent=True,
            channel=receipt.channel,
            interaction_id=receipt.interaction_id,
        )

    def _note_failure(self, request: Request, what: str, exc: Exception) -> None:
        cause = exc.code if isinstance(exc, FinestraError) else type(exc).__name__
        note = system_note(self._clock(), f"{what} ({cause})")
        self._requests.annotate(request, note)
        self._requests.flag(request.reference, ANSWER_PENDING.value, at=note.at)

    def _part(
        self,
        staff: Staff,
        *,
        original: Request,
        sender: tuple[ContactPoint, ...],
        part: SplitPart,
        theme: Theme,
        key: str,
        number: int,
    ) -> str:
        allowed = original.response_channel in theme.response_channels
        message = InboundMessage(
            channel=original.input_channel,
            provider_message_id=f"split-{original.reference}-{staff.user_id}-{key}",
            received_at=self._clock(),
            sender=sender,
            text=part.description,
            language=original.language,
            theme_code=theme.code,
            location=part.location or original.location,
            response_channel=original.response_channel if allowed else None,
            actor=_actor(staff),
        )
        try:
            result = self._submit(message)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field=f"parts.{number}.{exc.field}") from exc
        if result.reference is None:
            raise Conflict("the intake opened no request for a part", field=f"parts.{number}")
        return result.reference

    def _sender(self, original: Request) -> tuple[ContactPoint, ...]:
        if original.citizen_id is None:
            return ()
        citizen = self._citizens.get(original.citizen_id)
        return tuple(citizen.contact_points) if citizen else ()

    def _linked(
        self,
        staff: Staff,
        write: Callable[[tuple[Check, ...]], None],
        request: Request,
        *others: Request,
    ) -> LinksView:
        """Write links under the locks of ``request`` and ``others``; ``request``'s links after."""
        checks = tuple(self._locks.check(r.reference, staff.user_id) for r in (request, *others))
        try:
            write(checks)
        except TransactionConflict as exc:
            raise self._refusal(staff, request, *others) from exc
        stored = self._requests.get(request.reference)
        return self.links(stored or request)

    def _refusal(self, staff: Staff, *requests: Request) -> FinestraError:
        for request in requests:
            self._locks.require_free(request.reference, staff.user_id)
        return Conflict("a request changed while it was being linked; try again")

    def _actionable(self, staff: Staff, reference: str, *, field: str | None = None) -> Request:
        staff.require(*ACTING_ROLES)
        request = self._request(reference, field=field)
        staff.require_district(request.location.district_code if request.location else None)
        if not staff.covers_group(request.responsible_group):
            raise Forbidden(
                f"{request.reference} is outside your groups"
                if field
                else "this request is outside your groups"
            )
        return request

    def _request(self, reference: str, *, field: str | None = None) -> Request:
        request = self._requests.get(reference) if REFERENCE.fullmatch(reference) else None
        if request is None:
            raise NotFound(
                f"no request has the reference given in {field}"
                if field
                else "no request has this reference"
            )
        return request

    def _theme(self, code: str, field: str) -> Theme:
        try:
            return self._catalogue.theme(code)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field=field) from None

    def _entry(self, staff: Staff, text: str) -> Interaction:
        return Interaction(
            id=new_id("int"),
            at=self._clock(),
            kind=InteractionKind.NOTE,
            channel="internal",
            actor=_actor(staff),
            actor_name=staff.username,
            text=text,
        )

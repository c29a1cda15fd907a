"""Claims: the one code path that opens a claim, whoever takes it down.

A claim against a closed or cancelled request, made within :data:`CLAIM_DAYS` of its
ending, opens a new request whose reference is the root request's with a suffix
(``-R1``, ``-R2``, …), given again to the original's group with an SLA and the
``claimed`` alarm. The claim's request is created in the same transaction that lists it
under the root and notes it in the claimed request's history.

Staff take a claim down at the desk (:meth:`LinkService.claim`, which checks their role,
scope and lock first); a citizen makes one by message on the ended request's thread
(the intake). Both reach :meth:`ClaimWriter.write`, so the rules are written once. This
module depends on no desk service, so the intake uses it without the desk's wiring.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from pydantic import BaseModel, Field

from finestra.desk.locks import RequestLocks
from finestra.domain.alarms import CLAIMED
from finestra.domain.catalogue import Catalogue, Theme
from finestra.domain.errors import Conflict, NotFound
from finestra.domain.ids import claim_reference, new_id, root_reference
from finestra.domain.request import Attachment, Interaction, Request
from finestra.domain.vocabulary import (
    InputChannel,
    InteractionKind,
    Language,
    RequestState,
    ResponseChannel,
)
from finestra.storage.links import LinkStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import TransactionConflict

Clock = Callable[[], datetime]

CLAIM_DAYS: Final = 60
"""How long after a request ends a citizen may still claim against it."""

CLAIMABLE_STATES: Final = frozenset({RequestState.CLOSED, RequestState.CANCELLED})
"""The states a claim reopens."""


class ClaimReceipt(BaseModel):
    """The request a claim opened."""

    reference: str
    claim_of: str
    state: RequestState
    group: str
    due_at: datetime | None
    flags: list[str]


class ClaimCommand(BaseModel):
    """A claim checked and ready to write, whoever took it down."""

    idempotency_key: str
    reference: str = Field(description="the closed or cancelled request claimed against")
    actor: str = Field(description="staff:<id> or citizen:<id>")
    actor_name: str | None = None
    lock_holder: str | None = Field(
        default=None, description="the staff member whose lock the write may pass; none else"
    )
    text: str
    channel: InputChannel
    language: Language | None = Field(
        default=None, description="the claim's language; the claimed request's when not given"
    )
    response_channel: ResponseChannel | None = Field(
        default=None, description="where the claim is answered; the claimed request's otherwise"
    )
    provider_message_id: str | None = Field(
        default=None, description="the citizen's message, when the claim came as one"
    )
    attachments: tuple[Attachment, ...] = ()
    media_url: str | None = Field(
        default=None, max_length=2000, description="an Open311 app's link, kept as given"
    )


def receipt_of(claim: Request) -> ClaimReceipt:
    """What a caller is told about the claim's request."""
    return ClaimReceipt(
        reference=claim.reference,
        claim_of=claim.claim_of or root_reference(claim.reference),
        state=claim.state,
        group=claim.responsible_group,
        due_at=claim.sla_due_at,
        flags=sorted(claim.flags),
    )


class ClaimWriter:
    """Judges whether a request can be claimed, and writes the claim.

    Parameters
    ----------
    requests
        Requests and their history.
    catalogue
        The themes, whose SLA the claim is given.
    clock
        Stamps the claim and judges the :data:`CLAIM_DAYS`.
    """

    def __init__(self, *, requests: RequestStore, catalogue: Catalogue, clock: Clock) -> None:
        self._requests = requests
        self._links = LinkStore(requests)
        self._catalogue = catalogue
        self._locks = RequestLocks(requests.table, clock)
        self._clock = clock

    def check(self, claimed: Request) -> None:
        """Refuse a request that cannot be claimed now.

        Raises
        ------
        Conflict
            When the request is not closed or cancelled, or ended more than
            :data:`CLAIM_DAYS` days ago.
        """
        if claimed.state not in CLAIMABLE_STATES:
            raise Conflict(
                f"is {claimed.state.value}; only a closed or cancelled request can be claimed",
                field="state",
            )
        ended = self.ended_at(claimed)
        if self._clock() - ended > timedelta(days=CLAIM_DAYS):
            raise Conflict(
                f"ended on {ended.date().isoformat()}, more than {CLAIM_DAYS} days ago; "
                "a claim is no longer possible",
                field="state",
            )

    def write(self, command: ClaimCommand) -> ClaimReceipt:
        """Open the claim, or answer the one the same citizen's message already opened.

        Raises
        ------
        NotFound
            When the claimed request or its root does not exist.
        Conflict
            As :meth:`check`, or when another claim was made meanwhile (try again).
        Locked
            When staff other than ``command.lock_holder`` hold the request's lock.
        """
        claimed = self._request(command.reference)
        root = self._request(root_reference(claimed.reference))
        earlier = self._opened_by(root, command.provider_message_id)
        if earlier is not None:
            return receipt_of(earlier)
        self.check(claimed)
        claim = self._claim_request(claimed, root, command)
        entry = Interaction(
            id=new_id("int"),
            at=claim.created_at,
            kind=InteractionKind.NOTE,
            channel="internal",
            actor=command.actor,
            actor_name=command.actor_name,
            text=f"claimed as {claim.reference}",
        )
        holder = command.lock_holder
        checks = (self._locks.check(claimed.reference, holder),) if holder else ()
        try:
            self._links.claim(claim, root, claimed, entry, checks=checks)
        except TransactionConflict as exc:
            if holder:
                self._locks.require_free(claimed.reference, holder)
            raise Conflict("another claim was made meanwhile; try again") from exc
        return receipt_of(claim)

    def ended_at(self, request: Request) -> datetime:
        """When ``request`` reached its present state (its last move there)."""
        moves = [
            entry.at
            for entry in self._requests.history(request.reference)
            if entry.kind is InteractionKind.STATE_CHANGE and entry.to_state is request.state
        ]
        return moves[-1] if moves else request.updated_at

    def _opened_by(self, root: Request, provider_message_id: str | None) -> Request | None:
        """The claim of ``root`` a citizen's message already opened, on a retried message."""
        if provider_message_id is None:
            return None
        for reference in reversed(root.claims):
            claim = self._requests.get(reference)
            if claim is not None and claim.origin.provider_message_id == provider_message_id:
                return claim
        return None

    def _claim_request(self, claimed: Request, root: Request, command: ClaimCommand) -> Request:
        now = self._clock()
        theme = self._catalogue.known_theme(claimed.theme_code)
        origin = Interaction(
            id=new_id("int"),
            at=now,
            kind=InteractionKind.INBOUND_MESSAGE,
            channel=command.channel,
            actor=command.actor,
            actor_name=command.actor_name,
            provider_message_id=command.provider_message_id or f"claim-{command.idempotency_key}",
            text=command.text,
            attachments=command.attachments,
            media_url=command.media_url,
        )
        span = (
            timedelta(hours=theme.sla_hours)
            if theme
            else (claimed.sla_due_at or now) - claimed.created_at
        )
        return Request(
            reference=claim_reference(root.reference, len(root.claims) + 1),
            request_type=claimed.request_type,
            theme_code=claimed.theme_code,
            description=command.text,
            location=claimed.location,
            input_channel=command.channel,
            response_channel=self._response_channel(claimed, theme, command.response_channel),
            language=command.language or claimed.language,
            state=RequestState.PENDING_VALIDATION,
            responsible_group=claimed.responsible_group,
            priority=claimed.priority,
            sla_due_at=now + max(span, timedelta(hours=1)),
            created_at=now,
            updated_at=now,
            citizen_id=claimed.citizen_id,
            applicant=claimed.applicant,
            origin=origin,
            tracking_token_hash=claimed.tracking_token_hash,
            flags=frozenset({CLAIMED.value}),
            claim_of=claimed.reference,
            routed_at=now,
        )

    @staticmethod
    def _response_channel(
        claimed: Request, theme: Theme | None, wanted: ResponseChannel | None
    ) -> ResponseChannel:
        offered = theme is None or wanted in theme.response_channels
        return wanted if wanted is not None and offered else claimed.response_channel

    def _request(self, reference: str) -> Request:
        request = self._requests.get(reference)
        if request is None:
            raise NotFound("no request has this reference")
        return request

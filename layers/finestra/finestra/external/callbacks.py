"""What an external body's call does to a request it was handed: an answer or a return.

A request of an ``external_body`` theme is handed to its body (state
``externally_processed``). The body then answers, and the request moves on to
``pending_answer`` with the answer in its history and the ``external_body_answered``
alarm raised, so the responsible group tells the citizen; or the body returns it, and
the request goes back to ``in_resolution`` for the responsible group, with the body's
reason and the ``external_body_returned`` alarm. Each is one transaction of the request
(on its version and state) and its history entry: a refusal writes nothing.

**Repeats.** A body whose call timed out sends it again, as a partner system does: the
same call answers the first receipt, writes nothing more and moves nothing. A call is
known by its body, request, kind (answer or return) and the hand-over it answers (the
latest move of the request to ``externally_processed``), and then by the caller's
``Idempotency-Key`` header or, without one, the SHA-256 of what it says. The same key
with other content is a :class:`Conflict`; so is any other answer or return once the
request has left the body. A repeat is recognised for the idempotency table's lifetime
(``idempotency_ttl_seconds``); a request handed over again is a new hand-over, so the
same words answer it anew.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from finestra.desk.actions import Idempotent
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from finestra.domain.ids import new_id
from finestra.domain.request import REFERENCE, Interaction, Request
from finestra.domain.vocabulary import InteractionKind, RequestState
from finestra.external.bodies import ExternalBodies, ExternalBody
from finestra.storage import keys
from finestra.storage.requests import RequestStore
from finestra.storage.table import Put, Table, TransactionConflict, Update

__all__ = [
    "EXTERNAL_BODY_ANSWERED",
    "EXTERNAL_BODY_RETURNED",
    "IDEMPOTENCY_HEADER",
    "AnswerOrder",
    "CallbackCommand",
    "CallbackReceipt",
    "ExternalCallbacks",
    "ReturnOrder",
]

EXTERNAL_BODY_ANSWERED: Final = "external_body_answered"
"""The request's alarm once its external body answered (kept here until alarms have a module)."""

EXTERNAL_BODY_RETURNED: Final = "external_body_returned"
"""The request's alarm once its external body handed it back."""

IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
"""The header a body names one call with, so that a repeat of it is known."""

_KEY: Final = re.compile(r"^[A-Za-z0-9._:=+/-]{1,100}$")

Said = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class AnswerOrder(BaseModel):
    """The body's answer to the request."""

    model_config = ConfigDict(extra="forbid")

    text: Said
    external_reference: str | None = None


class ReturnOrder(BaseModel):
    """The body hands the request back, saying why."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason


class CallbackReceipt(BaseModel):
    """What the body is told: the request's state now and the history entry made."""

    reference: str
    state: RequestState
    interaction_id: str


class CallbackCommand(BaseModel):
    """A body's call checked and keyed, as the idempotent writer receives it."""

    idempotency_key: str
    body: str
    reference: str
    kind: Literal["answer", "return"]
    text: str | None = None
    external_reference: str | None = None
    reason: str | None = None


class ExternalCallbacks:
    """Applies the external bodies' answers and returns, once per call.

    Parameters
    ----------
    table, requests
        The one table and the request store on it.
    catalogue, bodies
        Which body handles each theme.
    clock
        Stamps each entry.
    shards
        The worklist's shards, for the request's worklist key.
    idempotent
        Makes the write answer a repeated call with its first receipt.
    """

    def __init__(
        self,
        *,
        table: Table,
        requests: RequestStore,
        catalogue: Catalogue,
        bodies: ExternalBodies,
        clock: Callable[[], datetime],
        shards: int,
        idempotent: Idempotent,
    ) -> None:
        self._table = table
        self._requests = requests
        self._catalogue = catalogue
        self._bodies = bodies
        self._clock = clock
        self._shards = shards
        self._once = idempotent(
            self._apply,
            CallbackReceipt,
            key="idempotency_key",
            payload="[body, reference, kind, text, external_reference, reason]",
        )

    def answer(
        self,
        body: ExternalBody,
        reference: str,
        order: AnswerOrder,
        *,
        idempotency_key: str | None = None,
    ) -> CallbackReceipt:
        """Record the body's answer and move the request to ``pending_answer``, once.

        A repeat of the same call answers the first receipt (see the module's notes).

        Raises
        ------
        NotFound
            When no request has the reference.
        Forbidden
            When the request is not one handed to this body.
        ValidationFailed
            When the ``Idempotency-Key`` is not 1 to 100 plain characters.
        Conflict
            When the request is not with the body now (answered, returned or never
            handed over) and the call is not a repeat, the key was used with other
            content, or the request changed meanwhile.
        """
        command = self._command(
            body,
            reference,
            idempotency_key,
            kind="answer",
            text=order.text,
            external_reference=order.external_reference,
        )
        return self._settled(command)

    def give_back(
        self,
        body: ExternalBody,
        reference: str,
        order: ReturnOrder,
        *,
        idempotency_key: str | None = None,
    ) -> CallbackReceipt:
        """Return the request to its responsible group (``in_resolution``), with the reason.

        Raises
        ------
        NotFound, Forbidden, ValidationFailed, Conflict
            As :meth:`answer`.
        """
        command = self._command(
            body, reference, idempotency_key, kind="return", reason=order.reason
        )
        return self._settled(command)

    def _command(
        self,
        body: ExternalBody,
        reference: str,
        given: str | None,
        *,
        kind: Literal["answer", "return"],
        text: str | None = None,
        external_reference: str | None = None,
        reason: str | None = None,
    ) -> CallbackCommand:
        request = self._mine(body, reference)
        said = {"text": text, "external_reference": external_reference, "reason": reason}
        if given is None:
            canonical = json.dumps(said, sort_keys=True, ensure_ascii=False)
            call = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        elif _KEY.fullmatch(given):
            call = f"key:{given}"
        else:
            raise ValidationFailed(
                "must be 1 to 100 letters, digits or . _ : = + / -", field=IDEMPOTENCY_HEADER
            )
        handover = self._handover(request)
        return CallbackCommand(
            idempotency_key=f"{body.code}#{request.reference}#{kind}#{handover}#{call}",
            body=body.code,
            reference=request.reference,
            kind=kind,
            **said,
        )

    def _settled(self, command: CallbackCommand) -> CallbackReceipt:
        try:
            return self._once(command)
        except Conflict as exc:
            if exc.field != "provider_message_id":
                raise
            raise Conflict(
                "was already used for a call with other content", field=IDEMPOTENCY_HEADER
            ) from exc

    def _handover(self, request: Request) -> str:
        """The id of the latest move of ``request`` to the body (``0`` when none is recorded)."""
        moves = [
            entry.id
            for entry in self._requests.history(request.reference)
            if entry.to_state is RequestState.EXTERNALLY_PROCESSED
        ]
        return moves[-1] if moves else "0"

    def _apply(self, command: CallbackCommand) -> CallbackReceipt:
        body = self._bodies.get(command.body)
        if command.kind == "answer":
            return self._record_answer(body, command)
        return self._record_return(body, command)

    def _record_answer(self, body: ExternalBody, command: CallbackCommand) -> CallbackReceipt:
        request = self._handed(body, command.reference)
        text = command.text or ""
        if command.external_reference:
            text = f"{text}\n\n[{body.code}: {command.external_reference[:80]}]"
        interaction = self._entry(
            body, InteractionKind.INBOUND_MESSAGE, text=text, to=RequestState.PENDING_ANSWER
        )
        self._move(request, interaction, RequestState.PENDING_ANSWER, EXTERNAL_BODY_ANSWERED)
        return CallbackReceipt(
            reference=request.reference,
            state=RequestState.PENDING_ANSWER,
            interaction_id=interaction.id,
        )

    def _record_return(self, body: ExternalBody, command: CallbackCommand) -> CallbackReceipt:
        request = self._handed(body, command.reference)
        interaction = self._entry(
            body,
            InteractionKind.STATE_CHANGE,
            reason=command.reason,
            to=RequestState.IN_RESOLUTION,
        )
        self._move(request, interaction, RequestState.IN_RESOLUTION, EXTERNAL_BODY_RETURNED)
        return CallbackReceipt(
            reference=request.reference,
            state=RequestState.IN_RESOLUTION,
            interaction_id=interaction.id,
        )

    def _mine(self, body: ExternalBody, reference: str) -> Request:
        request = self._requests.get(reference) if REFERENCE.fullmatch(reference) else None
        if request is None:
            raise NotFound("no request has this reference")
        theme = self._catalogue.theme(request.theme_code) if request.theme_code else None
        if theme is None or theme.external_body != body.name:
            raise Forbidden("this request was not handed to your organisation")
        return request

    def _handed(self, body: ExternalBody, reference: str) -> Request:
        request = self._mine(body, reference)
        if request.state is not RequestState.EXTERNALLY_PROCESSED:
            raise Conflict(
                f"is {request.state.value}; only a request with your organisation can be "
                "answered or returned",
                field="state",
            )
        return request

    def _entry(
        self,
        body: ExternalBody,
        kind: InteractionKind,
        *,
        to: RequestState,
        text: str | None = None,
        reason: str | None = None,
    ) -> Interaction:
        return Interaction(
            id=new_id("int"),
            at=self._clock(),
            kind=kind,
            channel="internal",
            actor=f"external:{body.code}",
            actor_name=body.name[:128],
            text=text,
            reason=reason,
            from_state=RequestState.EXTERNALLY_PROCESSED,
            to_state=to,
        )

    def _move(
        self, request: Request, interaction: Interaction, to: RequestState, flag: str
    ) -> None:
        order = (request.sla_due_at or request.created_at).isoformat()
        queue = keys.queue_index(
            request.responsible_group, to.value, order, request.reference, self._shards
        )
        at = interaction.at.isoformat()
        update = Update(
            key=keys.request(request.reference),
            expression="SET #state = :state, GSI2SK = :queue, updated_at = :at, "
            "version = :next ADD flags :flag",
            condition="version = :version AND #state = :from",
            names={"#state": "state"},
            values={
                ":state": to.value,
                ":from": request.state.value,
                ":queue": queue["GSI2SK"],
                ":at": at,
                ":next": request.version + 1,
                ":version": request.version,
                ":flag": {flag},
            },
        )
        entry = Put(
            item={
                **keys.interaction(request.reference, at, interaction.id),
                "type": "interaction",
                **interaction.model_dump(mode="json", exclude_none=True),
            }
        )
        try:
            self._table.transact([entry, update])
        except TransactionConflict as exc:
            raise Conflict("the request changed meanwhile; try again") from exc

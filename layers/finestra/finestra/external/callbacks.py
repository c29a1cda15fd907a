"""What an external body's call does to a request it was handed: an answer or a return.

A request of an ``external_body`` theme is handed to its body (state
``externally_processed``). The body then answers, and the request moves on to
``pending_answer`` with the answer in its history and the ``external_body_answered``
alarm raised, so the responsible group tells the citizen; or the body returns it, and
the request goes back to ``in_resolution`` for the responsible group, with the body's
reason and the ``external_body_returned`` alarm. Each is one transaction of the request
(on its version and state) and its history entry: a refusal writes nothing.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, StringConstraints

from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Conflict, Forbidden, NotFound
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
    "AnswerOrder",
    "CallbackReceipt",
    "ExternalCallbacks",
    "ReturnOrder",
]

EXTERNAL_BODY_ANSWERED: Final = "external_body_answered"
"""The request's alarm once its external body answered (kept here until alarms have a module)."""

EXTERNAL_BODY_RETURNED: Final = "external_body_returned"
"""The request's alarm once its external body handed it back."""

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


class ExternalCallbacks:
    """Applies the external bodies' answers and returns.

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
    ) -> None:
        self._table = table
        self._requests = requests
        self._catalogue = catalogue
        self._bodies = bodies
        self._clock = clock
        self._shards = shards

    def answer(self, body: ExternalBody, reference: str, order: AnswerOrder) -> CallbackReceipt:
        """Record the body's answer and move the request to ``pending_answer``.

        Raises
        ------
        NotFound
            When no request has the reference.
        Forbidden
            When the request is not one handed to this body.
        Conflict
            When the request is not with the body now (answered, returned or never
            handed over), or changed meanwhile.
        """
        request = self._handed(body, reference)
        text = order.text
        if order.external_reference:
            text = f"{text}\n\n[{body.code}: {order.external_reference[:80]}]"
        interaction = self._entry(
            body, InteractionKind.INBOUND_MESSAGE, text=text, to=RequestState.PENDING_ANSWER
        )
        self._move(request, interaction, RequestState.PENDING_ANSWER, EXTERNAL_BODY_ANSWERED)
        return CallbackReceipt(
            reference=request.reference,
            state=RequestState.PENDING_ANSWER,
            interaction_id=interaction.id,
        )

    def give_back(self, body: ExternalBody, reference: str, order: ReturnOrder) -> CallbackReceipt:
        """Return the request to its responsible group (``in_resolution``), with the reason.

        Raises
        ------
        NotFound, Forbidden, Conflict
            As :meth:`answer`.
        """
        request = self._handed(body, reference)
        interaction = self._entry(
            body, InteractionKind.STATE_CHANGE, reason=order.reason, to=RequestState.IN_RESOLUTION
        )
        self._move(request, interaction, RequestState.IN_RESOLUTION, EXTERNAL_BODY_RETURNED)
        return CallbackReceipt(
            reference=request.reference,
            state=RequestState.IN_RESOLUTION,
            interaction_id=interaction.id,
        )

    def _handed(self, body: ExternalBody, reference: str) -> Request:
        request = self._requests.get(reference) if REFERENCE.fullmatch(reference) else None
        if request is None:
            raise NotFound("no request has this reference")
        theme = self._catalogue.theme(request.theme_code) if request.theme_code else None
        if theme is None or theme.external_body != body.name:
            raise Forbidden("this request was not handed to your organisation")
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

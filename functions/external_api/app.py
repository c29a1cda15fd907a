"""The external bodies' API (Chalice): the callback API and the public reply pages.

No staff authorizer: the callback routes check a body's API key, the reply pages a
signed one-use link.
"""

from collections.abc import Callable
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs

from chalice.app import Chalice, Response
from pydantic import BaseModel

from finestra import observability
from finestra.apps.external import PAGE_HEADERS, ExternalApp, reply_form, settled, thanks
from finestra.desk.conversations import ExternalReplyOrder
from finestra.external.bodies import ExternalBody
from finestra.external.callbacks import (
    IDEMPOTENCY_HEADER,
    AnswerOrder,
    CallbackReceipt,
    ExternalCallbacks,
    ReturnOrder,
)
from finestra.external.callers import API_KEY_HEADER
from finestra.http import JSON, current_request, endpoint, install, parse_body, raw_body
from finestra.runtime import Lazy
from finestra.settings import ExternalApiSettings

obs = observability.build("external_api")
app = Chalice(app_name="finestra-external-api")
app.debug = False
install(app, obs)
external = Lazy(lambda: ExternalApp(ExternalApiSettings()))

PREFIX = "/api/external/v1"
FORM = "application/x-www-form-urlencoded"

OrderT = TypeVar("OrderT", bound=BaseModel)
OrderT_contra = TypeVar("OrderT_contra", bound=BaseModel, contravariant=True)


def _caller() -> ExternalBody:
    """The body whose API key the call carries; 401 without a valid one."""
    return external.get().api_keys.caller(current_request(app).headers.get(API_KEY_HEADER))


def _answer(body: Any, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={**JSON, "Cache-Control": "no-store"})


class _Callback(Protocol[OrderT_contra]):
    def __call__(
        self,
        body: ExternalBody,
        reference: str,
        order: OrderT_contra,
        *,
        idempotency_key: str | None = None,
    ) -> CallbackReceipt: ...


def _called_back(
    reference: str,
    order_type: type[OrderT],
    pick: Callable[[ExternalCallbacks], _Callback[OrderT]],
    *,
    event: str,
    metric: str,
) -> Response:
    """Run one callback for the calling body, once per idempotency key, and count it."""
    body = _caller()
    order = parse_body(current_request(app), order_type)
    key = current_request(app).headers.get(IDEMPOTENCY_HEADER)
    handle = pick(external.get().bound_callbacks(app.lambda_context))
    receipt = settled(lambda: handle(body, reference, order, idempotency_key=key))
    obs.logger.info(event, reference=reference, body=body.code)
    obs.count(metric, body=body.code)
    return _answer(receipt.model_dump(mode="json"))


@app.route(
    f"{PREFIX}/requests/{{reference}}/answer", methods=["POST"], content_types=["application/json"]
)
@endpoint(obs)
def answer_request(reference: str) -> Response:
    """The body answers a request it was handed."""
    return _called_back(
        reference,
        AnswerOrder,
        lambda callbacks: callbacks.answer,
        event="External answer",
        metric="ExternalAnswers",
    )


@app.route(
    f"{PREFIX}/requests/{{reference}}/return", methods=["POST"], content_types=["application/json"]
)
@endpoint(obs)
def return_request(reference: str) -> Response:
    """The body hands a request back to the city, saying why."""
    return _called_back(
        reference,
        ReturnOrder,
        lambda callbacks: callbacks.give_back,
        event="External return",
        metric="ExternalReturns",
    )


@app.route(f"{PREFIX}/replies/{{token}}", methods=["GET"])
@endpoint(obs)
def reply_page(token: str) -> Response:
    """The form a body answers a conversation with, for a valid, unused link."""
    page = external.get().conversations.link_page(token)
    return Response(body=reply_form(page, token), status_code=200, headers=dict(PAGE_HEADERS))


@app.route(
    f"{PREFIX}/replies/{{token}}", methods=["POST"], content_types=[FORM, "application/json"]
)
@endpoint(obs)
def post_reply(token: str) -> Response:
    """Record the body's answer through its link, once."""
    request = current_request(app)
    service = external.get().conversations
    page = service.link_page(token)
    if request.headers.get("content-type", "").startswith(FORM):
        fields = parse_qs(raw_body(request).decode("utf-8", errors="replace"))
        order = ExternalReplyOrder.model_validate({"text": (fields.get("text") or [""])[0]})
        service.answer_link(token, order)
        obs.logger.info("External reply", reference=page.reference)
        return Response(body=thanks(page.language), status_code=201, headers=dict(PAGE_HEADERS))
    message = service.answer_link(token, parse_body(request, ExternalReplyOrder))
    obs.logger.info("External reply", reference=page.reference)
    return _answer({"id": message.id, "at": message.at.isoformat()}, 201)

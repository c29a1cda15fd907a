"""The external bodies' API (Chalice): the callback API and the public reply pages.

No staff authorizer: the callback routes check a body's API key, the reply pages a
signed one-use link.
"""

import json
from typing import Any
from urllib.parse import parse_qs

from chalice.app import Chalice, Response

from finestra import observability
from finestra.apps.external import PAGE_HEADERS, ExternalApp, reply_form, settled, thanks
from finestra.desk.conversations import ExternalReplyOrder
from finestra.domain.errors import MalformedInput
from finestra.external.bodies import ExternalBody
from finestra.external.callbacks import IDEMPOTENCY_HEADER, AnswerOrder, ReturnOrder
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


def _caller() -> ExternalBody:
    """The body whose API key the call carries; 401 without a valid one."""
    return external.get().api_keys.caller(current_request(app).headers.get(API_KEY_HEADER))


def _answer(body: Any, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={**JSON, "Cache-Control": "no-store"})


@app.route(
    f"{PREFIX}/requests/{{reference}}/answer", methods=["POST"], content_types=["application/json"]
)
@endpoint(obs)
def answer_request(reference: str) -> Response:
    """The body answers a request it was handed."""
    body = _caller()
    order = parse_body(current_request(app), AnswerOrder)
    key = current_request(app).headers.get(IDEMPOTENCY_HEADER)
    callbacks = external.get().bound_callbacks(app.lambda_context)
    receipt = settled(lambda: callbacks.answer(body, reference, order, idempotency_key=key))
    obs.logger.info("External answer", reference=reference, body=body.code)
    obs.count("ExternalAnswers", body=body.code)
    return _answer(receipt.model_dump(mode="json"))


@app.route(
    f"{PREFIX}/requests/{{reference}}/return", methods=["POST"], content_types=["application/json"]
)
@endpoint(obs)
def return_request(reference: str) -> Response:
    """The body hands a request back to the city, saying why."""
    body = _caller()
    order = parse_body(current_request(app), ReturnOrder)
    key = current_request(app).headers.get(IDEMPOTENCY_HEADER)
    callbacks = external.get().bound_callbacks(app.lambda_context)
    receipt = settled(lambda: callbacks.give_back(body, reference, order, idempotency_key=key))
    obs.logger.info("External return", reference=reference, body=body.code)
    obs.count("ExternalReturns", body=body.code)
    return _answer(receipt.model_dump(mode="json"))


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
    try:
        json.loads(raw_body(request) or b"{}")
    except ValueError as exc:
        raise MalformedInput("is not valid JSON", field="body") from exc
    message = service.answer_link(token, parse_body(request, ExternalReplyOrder))
    obs.logger.info("External reply", reference=page.reference)
    return _answer({"id": message.id, "at": message.at.isoformat()}, 201)

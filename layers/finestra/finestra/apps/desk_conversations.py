"""The desk API's conversations on a request, and the hand-over to an external body."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final

from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict, Field

from finestra.adapters.email import SesEmailSender
from finestra.apps.desk import DeskApp
from finestra.apps.desk_requests import request_actions, settled
from finestra.auth import Staff
from finestra.credentials import secret_json
from finestra.desk.actions import ReplyOrder, RequestActions, TransitionOrder
from finestra.desk.conversations import ConversationOrder, Conversations, MessageOrder
from finestra.desk.locks import RequestLocks
from finestra.domain.vocabulary import RequestState
from finestra.external.bodies import ExternalBodies
from finestra.external.callers import ExternalSecret
from finestra.external.links import ReplyLinks
from finestra.http import JSON, current_request, current_staff, endpoint, parse_body
from finestra.observability import Observability
from finestra.runtime import Lazy

PREFIX: Final = "/api/desk/v1"
JSON_ONLY: Final = ["application/json"]


class InboxQuery(BaseModel):
    """The group whose unopened conversations are listed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: str = Field(min_length=1, max_length=80)


class HandOverOrder(BaseModel):
    """Hand a request to its external body, with the message the body receives."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)


def reply_links(desk: DeskApp) -> ReplyLinks | None:
    """The reply links, when the settings name the external bodies' secret."""
    name = desk.settings.external_bodies_secret
    if name is None:
        return None
    secret = ExternalSecret.model_validate(secret_json(name))
    return ReplyLinks(secret.link_key.encode(), desk.clock)


def conversations(
    desk: DeskApp, actions: Lazy[RequestActions], origin: Callable[[], str | None]
) -> Conversations:
    """The conversations service, built from the desk's settings, stores and clients.

    Reply links start with the settings' public address, or else with the address the
    caller reached the API at (the gateway's or the desktop's, which routes ``/api/``).
    """
    settings = desk.settings

    def citizen_reply(staff: Staff, reference: str, text: str, key: str) -> str:
        order = ReplyOrder(text=text)
        receipt = settled(lambda: actions.get().reply(staff, reference, order, idempotency_key=key))
        return receipt.interaction_id

    return Conversations(
        table=desk.table,
        requests=desk.requests,
        catalogue=desk.catalogue,
        bodies=ExternalBodies.load(settings.config_dir, desk.catalogue),
        links=reply_links(desk),
        locks=RequestLocks(
            desk.table, desk.clock, duration=timedelta(seconds=settings.lock_seconds)
        ),
        mailer=SesEmailSender(
            desk.clients.get("sesv2"), settings.mail_from, settings.ses_configuration_set
        ),
        citizen_reply=citizen_reply,
        reply_url=lambda: settings.public_api_url or origin(),
        clock=desk.clock,
    )


def _answer(body: Any, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={**JSON, "Cache-Control": "no-store"})


def _origin(app: Chalice) -> str | None:
    request = app.current_request
    host = request.headers.get("host") if request is not None else None
    return f"https://{host}" if host else None


def _key(app: Chalice) -> str:
    request = current_request(app)
    return str(request.headers.get("idempotency-key") or request.context["requestId"])


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the conversation routes and the external hand-over to the desk API."""
    actions = Lazy(lambda: request_actions(desk.get(), obs))
    service = Lazy(lambda: conversations(desk.get(), actions, lambda: _origin(app)))
    conversation = f"{PREFIX}/requests/{{reference}}/conversations/{{conversation_id}}"

    @app.route(
        f"{PREFIX}/requests/{{reference}}/conversations",
        methods=["POST"],
        content_types=JSON_ONLY,
    )
    @endpoint(obs)
    def open_conversation(reference: str) -> Response:
        """Open a conversation with a group, an external body or the citizen."""
        staff = current_staff(app)
        order = parse_body(current_request(app), ConversationOrder)
        actions.get()
        desk.get().bind(app.lambda_context)
        opened = service.get().open(staff, reference, order, idempotency_key=_key(app))
        obs.logger.info("Conversation opened", reference=reference, kind=order.with_)
        obs.count("DeskConversations", kind=order.with_)
        return _answer(opened.model_dump(mode="json", by_alias=True), 201)

    @app.route(f"{PREFIX}/requests/{{reference}}/conversations", methods=["GET"])
    @endpoint(obs)
    def list_conversations(reference: str) -> Response:
        """The request's conversations the caller may see."""
        staff = current_staff(app)
        found = service.get().of_request(staff, reference)
        return _answer({"items": [c.model_dump(mode="json", by_alias=True) for c in found]})

    @app.route(f"{conversation}/messages", methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def post_message(reference: str, conversation_id: str) -> Response:
        """One more message in a conversation, from the caller's side."""
        staff = current_staff(app)
        order = parse_body(current_request(app), MessageOrder)
        actions.get()
        desk.get().bind(app.lambda_context)
        view = service.get().post(staff, reference, conversation_id, order)
        obs.logger.info("Conversation message", reference=reference, conversation=view.id)
        return _answer(view.model_dump(mode="json", by_alias=True), 201)

    @app.route(f"{conversation}/read", methods=["POST"])
    @endpoint(obs)
    def read_conversation(reference: str, conversation_id: str) -> Response:
        """Open a conversation: the caller's groups' unread marks go."""
        staff = current_staff(app)
        view = service.get().read(staff, reference, conversation_id)
        return _answer(view.model_dump(mode="json", by_alias=True))

    @app.route(f"{PREFIX}/conversations/unread", methods=["GET"])
    @endpoint(obs)
    def unread_conversations() -> Response:
        """The conversations a group has not opened since their last message."""
        staff = current_staff(app)
        query = InboxQuery.model_validate(dict(current_request(app).query_params or {}))
        found = service.get().inbox(staff, query.group)
        return _answer({"items": [e.model_dump(mode="json") for e in found]})

    @app.route(
        f"{PREFIX}/requests/{{reference}}/hand-over", methods=["POST"], content_types=JSON_ONLY
    )
    @endpoint(obs)
    def hand_over(reference: str) -> Response:
        """Hand a request to its theme's external body and write to the body."""
        staff = current_staff(app)
        order = parse_body(current_request(app), HandOverOrder)
        service.get().hand_over_body(staff, reference)
        moved = actions.get().transition(
            staff, reference, TransitionOrder(to=RequestState.EXTERNALLY_PROCESSED)
        )
        opened = service.get().open(
            staff,
            reference,
            ConversationOrder.model_validate({"with": "external", "text": order.text}),
            idempotency_key=_key(app),
        )
        obs.logger.info("Request handed over", reference=reference, body=opened.body_code)
        body = {
            "request": moved.model_dump(mode="json"),
            "conversation": opened.model_dump(mode="json", by_alias=True),
        }
        return _answer(body, 201)

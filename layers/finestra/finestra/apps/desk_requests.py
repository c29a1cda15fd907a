"""The desk API's request actions: states, assignment, priority, notes, files, replies, locks.

Each view reads the caller and the body, calls one :class:`RequestActions` function and
answers its result. Role and scope are checked by the caller's role here, before the
body is read, and again by the service on the request itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, TypeVar

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict

from finestra.adapters.email import SesEmailSender
from finestra.adapters.events import EventBridgePublisher
from finestra.adapters.sms import EndUserMessagingSender, SnsSmsSender
from finestra.apps.desk import DeskApp
from finestra.auth import Staff
from finestra.channels.sms import SmsSender
from finestra.desk.actions import (
    ACTING_ROLES,
    AssignmentOrder,
    AttachmentOrder,
    ContactOrder,
    NoteOrder,
    PresignedUpload,
    PreviewOrder,
    PriorityOrder,
    ReplyOrder,
    RequestActions,
    ThemeOrder,
    TransitionOrder,
)
from finestra.desk.links import LinkService
from finestra.desk.locks import RequestLocks
from finestra.desk.replies import ReplyTemplates, Tariff
from finestra.desk.views import require_reader
from finestra.domain.errors import Conflict, ValidationFailed
from finestra.domain.vocabulary import Language
from finestra.http import JSON, current_request, current_staff, endpoint, parse_body
from finestra.intake.message import IntakeResult
from finestra.observability import Observability
from finestra.runtime import Lazy

PREFIX: Final = "/api/desk/v1"
JSON_ONLY: Final = ["application/json"]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class LockQuery(BaseModel):
    """The one query parameter of a release: ``force=true`` breaks another's lock."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    force: bool = False


class DeskMessenger:
    """Staff's replies: SMS through the SMS adapter, email through SES."""

    def __init__(self, sms: SmsSender, email: SesEmailSender) -> None:
        self._sms = sms
        self._email = email

    def sms(self, to: str, text: str) -> str:
        """Send an SMS from the city's identity."""
        return self._sms.send(to=to, text=text, reply_to=None)

    def email(self, to: str, subject: str, text: str) -> str:
        """Send an email from the city's address."""
        return self._email.send(to=to, subject=subject, text=text)


class PresignedUploads:
    """Presigned S3 POSTs to the attachments bucket, with the type and size enforced."""

    def __init__(self, client: Any, bucket: str, expires_in: int) -> None:
        self._client = client
        self._bucket = bucket
        self._expires_in = expires_in

    def presign(self, key: str, content_type: str, max_bytes: int) -> PresignedUpload:
        """A POST that stores one file of ``content_type``, of at most ``max_bytes``."""
        grant = self._client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=self._expires_in,
        )
        return PresignedUpload(url=grant["url"], fields=grant["fields"])


def request_actions(desk: DeskApp, obs: Observability) -> RequestActions:
    """The request actions, built from the desk's settings, stores and clients."""
    settings, clients = desk.settings, desk.clients
    sms: SmsSender
    if settings.sms_backend == "end_user_messaging":
        sms = EndUserMessagingSender(clients.get("pinpoint-sms-voice-v2"), settings.sms_origination)
    else:
        sms = SnsSmsSender(clients.get("sns"), settings.sms_origination)
    email = SesEmailSender(clients.get("sesv2"), settings.mail_from, settings.ses_configuration_set)
    publisher = (
        EventBridgePublisher(clients.get("events"), settings.event_bus)
        if settings.event_bus
        else None
    )

    def unpublished(detail_type: str) -> None:
        obs.logger.warning("Event not published", detail_type=detail_type)
        obs.count("DeskEventsNotPublished")

    actions = RequestActions(
        requests=desk.requests,
        citizens=desk.citizens,
        catalogue=desk.catalogue,
        intake=desk.runtime.intake,
        messenger=DeskMessenger(sms, email),
        uploads=PresignedUploads(
            clients.get("s3"),
            settings.attachments_bucket,
            settings.upload_expiry_seconds,
        ),
        publisher=publisher,
        templates=ReplyTemplates.load(settings.config_dir),
        answer_templates=desk.answer_templates,
        tariff=Tariff.beside(settings.config_dir),
        idempotent=desk.runtime.idempotent,
        clock=desk.clock,
        upload_max_bytes=settings.upload_max_bytes,
        on_unpublished=unpublished,
        locks=RequestLocks(
            desk.table, desk.clock, duration=timedelta(seconds=settings.lock_seconds)
        ),
    )
    actions.follow_with(link_service(desk, actions))
    return actions


def link_service(desk: DeskApp, actions: RequestActions) -> LinkService:
    """Joins, splits and claims, answering applicants through ``actions``."""
    return LinkService(
        actions=actions,
        requests=desk.requests,
        citizens=desk.citizens,
        catalogue=desk.catalogue,
        submit=desk.runtime.idempotent(
            desk.runtime.intake.submit, IntakeResult, key="provider_message_id", payload="text"
        ),
        idempotent=desk.runtime.idempotent,
        clock=desk.clock,
    )


def settled(run: Callable[[], T]) -> T:
    """Run an idempotent action; the same key still running elsewhere is a conflict."""
    try:
        return run()
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("is still being handled; try again", field="Idempotency-Key") from exc


def _answer(result: BaseModel | dict[str, Any], status: int = 200) -> Response:
    body = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    return Response(body=body, status_code=status, headers={**JSON, "Cache-Control": "no-store"})


@dataclass
class _Views:
    """What every view of this module shares: the app, its observability and the service."""

    app: Chalice
    obs: Observability
    desk: Lazy[DeskApp]
    actions: Lazy[RequestActions]

    def acting(self) -> Staff:
        """The caller, refused unless they work requests."""
        staff = current_staff(self.app)
        staff.require(*ACTING_ROLES)
        return staff

    def reading(self) -> Staff:
        """The caller, refused unless they read the desk's cases."""
        staff = current_staff(self.app)
        require_reader(staff)
        return staff

    def body(self, model: type[M]) -> M:
        """The request's JSON body as ``model``."""
        return parse_body(current_request(self.app), model)

    def idempotency_key(self) -> str:
        """The caller's ``Idempotency-Key``, or the gateway's request id without one.

        The idempotent functions learn the invocation's remaining time here, once built.
        """
        request = current_request(self.app)
        self.actions.get()
        self.desk.get().bind(self.app.lambda_context)
        return str(request.headers.get("idempotency-key") or request.context["requestId"])


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the request actions and the reply helpers to the desk API."""
    views = _Views(app, obs, desk, Lazy(lambda: request_actions(desk.get(), obs)))
    _install_case_work(views)
    _install_history(views)
    _install_replies(views)
    _install_intake(views)
    _install_locks(views)


def _install_case_work(views: _Views) -> None:
    app, obs, actions = views.app, views.obs, views.actions

    @app.route(
        f"{PREFIX}/requests/{{reference}}/transitions", methods=["POST"], content_types=JSON_ONLY
    )
    @endpoint(obs)
    def move_request(reference: str) -> Response:
        """Move a request to another state of its process."""
        staff = views.acting()
        order = views.body(TransitionOrder)
        summary = actions.get().transition(staff, reference, order)
        obs.logger.info("Request moved", reference=reference, to_state=order.to.value)
        return _answer(summary)

    @app.route(
        f"{PREFIX}/requests/{{reference}}/assignment", methods=["POST"], content_types=JSON_ONLY
    )
    @endpoint(obs)
    def reassign_request(reference: str) -> Response:
        """Give a request to another responsible group or agent."""
        staff = views.acting()
        order = views.body(AssignmentOrder)
        summary = actions.get().reassign(staff, reference, order)
        obs.logger.info("Request reassigned", reference=reference, group=summary.group)
        return _answer(summary)

    @app.route(
        f"{PREFIX}/requests/{{reference}}/priority", methods=["POST"], content_types=JSON_ONLY
    )
    @endpoint(obs)
    def prioritise_request(reference: str) -> Response:
        """Set how soon the responsible group should act."""
        staff = views.acting()
        order = views.body(PriorityOrder)
        summary = actions.get().set_priority(staff, reference, order)
        obs.logger.info("Priority set", reference=reference, priority=order.priority.value)
        return _answer(summary)

    @app.route(f"{PREFIX}/requests/{{reference}}/theme", methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def correct_request_theme(reference: str) -> Response:
        """Correct a request's theme and route it to that theme's group."""
        staff = views.acting()
        order = views.body(ThemeOrder)
        summary = actions.get().correct_theme(staff, reference, order)
        obs.logger.info(
            "Theme corrected", reference=reference, theme=summary.theme, group=summary.group
        )
        return _answer(summary)


def _install_history(views: _Views) -> None:
    app, obs, actions = views.app, views.obs, views.actions

    @app.route(f"{PREFIX}/requests/{{reference}}/notes", methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def note_request(reference: str) -> Response:
        """Add an internal note, never sent to the citizen."""
        staff = views.acting()
        order = views.body(NoteOrder)
        receipt = actions.get().add_note(staff, reference, order)
        obs.logger.info("Note added", reference=reference, interaction_id=receipt.interaction_id)
        return _answer(receipt, 201)

    @app.route(
        f"{PREFIX}/requests/{{reference}}/attachments", methods=["POST"], content_types=JSON_ONLY
    )
    @endpoint(obs)
    def attach_to_request(reference: str) -> Response:
        """Grant the upload of one file and record it on the request."""
        staff = views.acting()
        order = views.body(AttachmentOrder)
        grant = actions.get().attach(staff, reference, order)
        obs.logger.info("Upload granted", reference=reference, attachment_id=grant.attachment_id)
        return _answer(grant, 201)

    @app.route(f"{PREFIX}/requests/{{reference}}/attachments/{{attachment_id}}", methods=["GET"])
    @endpoint(obs)
    def open_attachment(reference: str, attachment_id: str) -> Response:
        """A short-lived link that downloads one file of the request."""
        staff = views.reading()
        link = views.desk.get().views.attachment(staff, reference, attachment_id)
        obs.logger.info("Attachment opened", reference=reference, attachment_id=attachment_id)
        return _answer(link)


def _install_replies(views: _Views) -> None:
    app, obs, actions = views.app, views.obs, views.actions

    @app.route(
        f"{PREFIX}/requests/{{reference}}/replies", methods=["POST"], content_types=JSON_ONLY
    )
    @endpoint(obs)
    def reply_to_citizen(reference: str) -> Response:
        """Answer the citizen on the request's response channel, once per key."""
        staff = views.acting()
        order = views.body(ReplyOrder)
        key = views.idempotency_key()
        receipt = settled(lambda: actions.get().reply(staff, reference, order, idempotency_key=key))
        obs.logger.info(
            "Reply sent", reference=reference, channel=receipt.channel, segments=receipt.segments
        )
        obs.count("DeskReplies", channel=receipt.channel)
        if receipt.channel == "sms":
            obs.count("DeskReplySmsSegments", receipt.segments)
        return _answer(receipt, 201)

    @app.route(f"{PREFIX}/reply-templates", methods=["GET"])
    @endpoint(obs)
    def list_reply_templates() -> Response:
        """The city's reply templates in the language asked for."""
        staff = views.acting()
        params: dict[str, str] = dict(current_request(app).query_params or {})
        try:
            language = Language(params.get("lang", "ca"))
        except ValueError:
            raise ValidationFailed("must be ca, es or en", field="lang") from None
        return _answer({"items": actions.get().templates(staff, language)})

    @app.route(f"{PREFIX}/replies/preview", methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def preview_reply() -> Response:
        """What a reply would read and cost, before it is sent."""
        staff = views.acting()
        order = views.body(PreviewOrder)
        return _answer(actions.get().preview(staff, order))


def _install_intake(views: _Views) -> None:
    app, obs, actions = views.app, views.obs, views.actions

    @app.route(f"{PREFIX}/requests", methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def log_contact() -> Response:
        """Open a request for a phone call or a visit, through the common intake."""
        staff = views.acting()
        order = views.body(ContactOrder)
        key = views.idempotency_key()
        logged = settled(lambda: actions.get().log_contact(staff, order, idempotency_key=key))
        obs.logger.info("Request logged", reference=logged.reference, channel=order.channel)
        response = _answer(logged, 201)
        response.headers["Location"] = f"{PREFIX}/requests/{logged.reference}"
        return response


def _install_locks(views: _Views) -> None:
    app, obs, actions = views.app, views.obs, views.actions

    @app.route(f"{PREFIX}/requests/{{reference}}/lock", methods=["POST"])
    @endpoint(obs)
    def take_request_lock(reference: str) -> Response:
        """Take the request's lock for the caller, or renew it; 409 when another holds it."""
        staff = views.acting()
        lock = actions.get().take_lock(staff, reference)
        obs.logger.info("Lock taken", reference=reference, expires_at=lock.expires_at.isoformat())
        return _answer(lock)

    @app.route(f"{PREFIX}/requests/{{reference}}/lock", methods=["DELETE"])
    @endpoint(obs)
    def release_request_lock(reference: str) -> Response:
        """Give up the caller's lock; a supervisor's ``force=true`` breaks another's."""
        staff = views.acting()
        query = LockQuery.model_validate(dict(current_request(app).query_params or {}))
        broken = actions.get().release_lock(staff, reference, force=query.force)
        if broken is None:
            obs.logger.info("Lock released", reference=reference)
        else:
            obs.logger.info("Lock broken", reference=reference, holder=broken.holder)
            obs.count("DeskLocksBroken")
        return Response(body="", status_code=204, headers={"Cache-Control": "no-store"})

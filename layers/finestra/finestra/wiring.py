"""One application object per function: settings in, the channel's domain function out.

Each is built on a function's first invocation (see :class:`finestra.runtime.Lazy`)
and can be built in tests with other clients and another clock.
"""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import urllib3
from aws_lambda_powertools.utilities.parser.models import SnsNotificationModel
from pydantic import ValidationError

from finestra.adapters.email import SesEmailSender
from finestra.adapters.events import EventBridgePublisher
from finestra.adapters.s3 import S3MailStore
from finestra.adapters.sms import EndUserMessagingSender, SnsSmsSender
from finestra.backoffice import Breakers, connector_for
from finestra.backoffice.registry import Registry
from finestra.channels.email import EmailChannel, ReceivedNotification
from finestra.channels.in_person import InPersonChannel, Visit
from finestra.channels.sms import SmsChannel, SmsDelivery, SmsSender, parse_inbound
from finestra.channels.social import SocialChannel, SocialItem
from finestra.channels.voice import (
    CallDelivery,
    CallOutcome,
    CallRequest,
    ContactFlowEvent,
    VoiceChannel,
    caller_of,
)
from finestra.channels.web import ThemeChoice, TrackedRequest, WebChannel, WebDelivery
from finestra.credentials import secret_json
from finestra.domain.errors import MalformedInput, ValidationFailed, first_broken_rule
from finestra.domain.vocabulary import Language
from finestra.intake.message import IntakeResult
from finestra.runtime import Clients, IntakeRuntime, utc_now
from finestra.settings import (
    EmailSettings,
    FunctionSettings,
    SlaWatchSettings,
    SmsSettings,
    SocialSettings,
    StarterSettings,
    VoiceSettings,
    WebSettings,
    WorkflowSettings,
)
from finestra.storage.citizens import CitizenStore
from finestra.storage.rejections import RejectionStore
from finestra.storage.requests import RequestStore
from finestra.storage.snapshots import SnapshotStore
from finestra.workflow.sla import SlaWatch
from finestra.workflow.starter import StartedExecution, WorkflowStarter, new_request_of
from finestra.workflow.tasks import (
    AcknowledgeInput,
    Connector,
    FailureInput,
    LookupInput,
    RouteInput,
    SnapshotInput,
    TaskInput,
    WorkflowTasks,
)

Clock = Callable[[], datetime]


def sns_message(body: str) -> tuple[str, datetime]:
    """The ``Message`` and ``Timestamp`` of an SNS notification delivered through SQS."""
    try:
        notification = SnsNotificationModel.model_validate_json(body)
    except ValueError as exc:
        raise MalformedInput("is not an SNS notification", field="body") from exc
    return str(notification.Message), notification.Timestamp


class _App:
    def __init__(self, settings: FunctionSettings, clients: Clients | None, clock: Clock) -> None:
        self.runtime = IntakeRuntime(settings, clients or Clients(), clock)

    def bind(self, context: Any) -> None:
        """Tell idempotency about the current invocation (a Lambda context, or None)."""
        self.runtime.bind(context)


class SmsApp(_App):
    """The SMS intake: keywords, replies to pending requests, new requests."""

    def __init__(
        self, settings: SmsSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        sender: SmsSender
        if settings.sms_backend == "end_user_messaging":
            sender = EndUserMessagingSender(
                self.runtime.clients.get("pinpoint-sms-voice-v2"), settings.sms_origination
            )
        else:
            sender = SnsSmsSender(self.runtime.clients.get("sns"), settings.sms_origination)
        channel = SmsChannel(self.runtime.intake, sender)
        self._receive = self.runtime.idempotent(
            channel.receive, IntakeResult, key="sms.inbound_message_id", payload="sms.message_body"
        )

    def receive(self, sqs_body: str) -> IntakeResult:
        """Handle one SQS record's body (an SNS notification of an inbound SMS)."""
        message, received_at = sns_message(sqs_body)
        return self._receive(SmsDelivery(sms=parse_inbound(message), received_at=received_at))


class EmailApp(_App):
    """The email intake: one SES receipt notification at a time."""

    def __init__(
        self, settings: EmailSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        self.rejections = RejectionStore(self.runtime.table)
        channel = EmailChannel(
            self.runtime.intake,
            S3MailStore(self.runtime.clients.get("s3"), settings.attachments_bucket),
            self.rejections,
            max_bytes=settings.max_mail_bytes,
            max_attachments=settings.max_attachments,
        )
        self._receive = self.runtime.idempotent(
            channel.receive, IntakeResult, key="mail.message_id", payload="receipt.action"
        )

    def receive(self, sqs_body: str) -> IntakeResult:
        """Handle one SQS record's body; a refused mail is recorded and answered as such."""
        message, _ = sns_message(sqs_body)
        try:
            notification = ReceivedNotification.model_validate_json(message)
        except ValidationError as exc:
            raise first_broken_rule(exc) from None
        return self._receive(notification)


class VoiceApp(_App):
    """The Amazon Connect contact-flow function."""

    def __init__(
        self, settings: VoiceSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        self.channel = VoiceChannel(self.runtime.intake)
        self.create_request: Callable[[CallDelivery], CallOutcome] = self.runtime.idempotent(
            self.channel.create_request, CallOutcome, key="contact_id", payload="call"
        )

    def answer(self, event: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """The operation the flow asked for and the attributes it gets back."""
        flow = ContactFlowEvent.model_validate(event)
        operation = flow.Details.Parameters.get("operation", "")
        if operation == "lookup":
            return operation, self.channel.lookup(caller_of(flow))
        if operation != "create_request":
            raise ValidationFailed("must be 'lookup' or 'create_request'", field="operation")
        delivery = CallDelivery(
            contact_id=flow.Details.ContactData.ContactId,
            caller=caller_of(flow),
            received_at=self.runtime.clock(),
            call=CallRequest.model_validate(flow.Details.Parameters),
        )
        return operation, self.create_request(delivery).attributes()


class SocialApp(_App):
    """The social-media webhook."""

    def __init__(
        self, settings: SocialSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        secret = secret_json(settings.social_secret)
        self.app_secret = str(secret["app_secret"])
        self.verify_token = str(secret["verify_token"])
        channel = SocialChannel(self.runtime.intake, self.runtime.catalogue)
        self.receive: Callable[[SocialItem], IntakeResult] = self.runtime.idempotent(
            channel.receive, IntakeResult, key="provider_message_id", payload="text"
        )


def in_person_intake(runtime: IntakeRuntime) -> Callable[[Visit], IntakeResult]:
    """The idempotent in-person intake, for the desk API that staff use at the counter."""
    channel = InPersonChannel(runtime.intake)
    return runtime.idempotent(channel.record, IntakeResult, key="visit_id", payload="description")


class WebApp(_App):
    """The citizen API."""

    def __init__(
        self, settings: WebSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        requests = RequestStore(self.runtime.table, shards=settings.queue_shards)
        self.channel = WebChannel(self.runtime.intake, requests, self.runtime.catalogue)
        self.submit: Callable[[WebDelivery], IntakeResult] = self.runtime.idempotent(
            self.channel.submit, IntakeResult, key="provider_message_id", payload="form"
        )

    def themes(self, language: Language) -> list[ThemeChoice]:
        """The themes a citizen can choose from."""
        return self.channel.themes(language)

    def track(self, reference: str, token: str) -> TrackedRequest:
        """A request's public state."""
        return self.channel.track(reference, token)

    def now(self) -> datetime:
        """The app's clock."""
        return self.runtime.clock()


class ChannelMessenger:
    """The workflow's messenger: SMS through the SMS adapter, email through SES."""

    def __init__(self, sms: SmsSender, email: SesEmailSender) -> None:
        self._sms = sms
        self._email = email

    def sms(self, to: str, text: str) -> str:
        """Send an SMS from the city's identity."""
        return self._sms.send(to=to, text=text, reply_to=None)

    def email(self, to: str, subject: str, text: str) -> str:
        """Send an email from the city's address."""
        return self._email.send(to=to, subject=subject, text=text)


def sms_sender(clients: Clients, backend: str, origination: str) -> SmsSender:
    """End User Messaging where AWS offers it, SNS elsewhere (and in the local stack)."""
    if backend == "end_user_messaging":
        return EndUserMessagingSender(clients.get("pinpoint-sms-voice-v2"), origination)
    return SnsSmsSender(clients.get("sns"), origination)


class WorkflowApp(_App):
    """The request workflow's tasks, one Lambda for every state."""

    def __init__(
        self, settings: WorkflowSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        runtime = self.runtime
        registry = Registry.load(
            settings.config_dir, base_url_override=settings.backoffice_base_url
        )
        breakers = Breakers()
        http = urllib3.PoolManager(maxsize=16, retries=False)
        connectors: dict[str, Connector] = {}

        def connector(code: str) -> Connector:
            if code not in connectors:
                connectors[code] = connector_for(
                    registry.system(code),
                    http=http,
                    credentials=secret_json,
                    breakers=breakers,
                    clock=clock,
                    sleep=time.sleep,
                )
            return connectors[code]

        self.tasks = WorkflowTasks(
            catalogue=runtime.catalogue,
            requests=RequestStore(runtime.table, shards=settings.queue_shards),
            citizens=CitizenStore(runtime.table, runtime.vault),
            snapshots=SnapshotStore(runtime.table),
            connectors=connector,
            cache_for=lambda code: timedelta(seconds=registry.system(code).cache_seconds),
            messenger=ChannelMessenger(
                sms_sender(runtime.clients, settings.sms_backend, settings.sms_origination),
                SesEmailSender(
                    runtime.clients.get("sesv2"), settings.mail_from, settings.ses_configuration_set
                ),
            ),
            publisher=EventBridgePublisher(runtime.clients.get("events"), settings.event_bus),
            clock=clock,
            triage_group=settings.triage_group,
            tracking_url=settings.tracking_url,
        )
        self._handlers: dict[str, tuple[type[TaskInput], Callable[[Any], dict[str, Any]]]] = {
            "load": (TaskInput, self.tasks.load),
            "classify": (TaskInput, self.tasks.classify),
            "lookup": (LookupInput, self.tasks.lookup),
            "snapshot": (SnapshotInput, self.tasks.snapshot),
            "duplicates": (TaskInput, self.tasks.duplicates),
            "route": (RouteInput, self.tasks.route),
            "acknowledge": (AcknowledgeInput, self.tasks.acknowledge),
            "acknowledgement_failed": (FailureInput, self.tasks.acknowledgement_failed),
            "publish": (TaskInput, self.tasks.publish),
            "flag_for_triage": (FailureInput, self.tasks.flag_for_triage),
        }

    def run(self, event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The task the state names, run on its input."""
        name = str(event.get("task", ""))
        if name not in self._handlers:
            raise ValidationFailed("is not a workflow task", field="task")
        model, handler = self._handlers[name]
        return name, handler(model.model_validate(event))


class StarterApp(_App):
    """Starts the workflow once per new request on the table's stream."""

    def __init__(
        self, settings: StarterSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        starter = WorkflowStarter(
            self.runtime.clients.get("stepfunctions"), settings.state_machine_arn
        )
        self._start = self.runtime.idempotent(
            starter.start_once, StartedExecution, key="reference", payload="reference"
        )

    def start(self, record: dict[str, Any]) -> StartedExecution | None:
        """Start the workflow for a stream record of a new request; skip anything else."""
        request = new_request_of(record)
        return self._start(request) if request else None


class SlaWatchApp(_App):
    """The scheduled SLA watch."""

    def __init__(
        self, settings: SlaWatchSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        self.watch = SlaWatch(
            RequestStore(self.runtime.table, shards=settings.queue_shards),
            clock,
            settings.near_fraction,
        )

"""The request workflow's application object."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import urllib3

from finestra.adapters.email import SesEmailSender
from finestra.adapters.events import EventBridgePublisher
from finestra.adapters.sms import EndUserMessagingSender, SnsSmsSender
from finestra.apps.base import App, Clock
from finestra.backoffice import Breakers, connector_for
from finestra.backoffice.registry import Registry
from finestra.channels.sms import SmsSender
from finestra.credentials import secret_json
from finestra.domain.errors import ValidationFailed
from finestra.runtime import Clients, utc_now
from finestra.settings import (
    WorkflowSettings,
)
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.snapshots import SnapshotStore
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


class WorkflowApp(App):
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
            looked_up_by=lambda code: frozenset(k.value for k in registry.system(code).lookup_by),
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

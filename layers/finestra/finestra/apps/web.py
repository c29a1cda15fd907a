"""The citizen API's application object, and the in-person intake for the desk."""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from finestra.apps.base import App, Clock
from finestra.channels.in_person import InPersonChannel, Visit
from finestra.channels.web import ThemeChoice, TrackedRequest, WebChannel, WebDelivery
from finestra.domain.vocabulary import Language
from finestra.insights.opendata import OpenDataStore
from finestra.intake.message import IntakeResult
from finestra.open311.clients import ClientApps
from finestra.open311.reader import GeoReportReader
from finestra.runtime import Clients, IntakeRuntime, utc_now
from finestra.settings import (
    WebSettings,
)
from finestra.storage.requests import RequestStore


def in_person_intake(runtime: IntakeRuntime) -> Callable[[Visit], IntakeResult]:
    """The idempotent in-person intake, for the desk API that staff use at the counter."""
    channel = InPersonChannel(runtime.intake)
    return runtime.idempotent(channel.record, IntakeResult, key="visit_id", payload="description")


class WebApp(App):
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
        self.georeport = GeoReportReader(
            self.runtime.catalogue,
            OpenDataStore(self.runtime.table),
            requests,
            jurisdiction=settings.city_code.lower(),
            zone=ZoneInfo(settings.city_time_zone),
        )
        self.client_apps = ClientApps(self.runtime.table, per_minute=settings.open311_per_minute)

    def themes(self, language: Language) -> list[ThemeChoice]:
        """The themes a citizen can choose from."""
        return self.channel.themes(language)

    def track(self, reference: str, token: str) -> TrackedRequest:
        """A request's public state."""
        return self.channel.track(reference, token)

    def now(self) -> datetime:
        """The app's clock."""
        return self.runtime.clock()

"""The digest function's settings and application object."""

from functools import cached_property
from zoneinfo import ZoneInfo

from pydantic import Field

from finestra.adapters.email import SesEmailSender
from finestra.apps.base import App, Clock
from finestra.desk.digest import DigestSender, InboxConversations, load_subscriptions
from finestra.runtime import Clients, utc_now
from finestra.settings import FunctionSettings, TimeZoneName

__all__ = ["DigestApp", "DigestSettings"]


class DigestSettings(FunctionSettings):
    """Sends each subscribed group's daily digest."""

    mail_from: str = Field(min_length=3, description="the city's verified sender address")
    ses_configuration_set: str | None = None
    near_fraction: float = Field(default=0.9, gt=0, lt=1, description="share of the SLA spent")
    city_time_zone: TimeZoneName = Field(
        default="Europe/Madrid", description="the zone whose morning the digest goes out in"
    )


class DigestApp(App):
    """The digests of ``digests.json``, sent through SES."""

    def __init__(
        self, settings: DigestSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        self.settings = settings
        self.clock = clock

    @cached_property
    def sender(self) -> DigestSender:
        """Builds and sends the digests; the subscriptions are checked on first use."""
        runtime, settings = self.runtime, self.settings
        catalogue = runtime.catalogue
        return DigestSender(
            table=runtime.table,
            catalogue=catalogue,
            subscriptions=load_subscriptions(settings.config_dir, catalogue),
            mailer=SesEmailSender(
                runtime.clients.get("sesv2"), settings.mail_from, settings.ses_configuration_set
            ),
            conversations=InboxConversations(runtime.table),
            clock=self.clock,
            shards=settings.queue_shards,
            near_fraction=settings.near_fraction,
            zone=ZoneInfo(settings.city_time_zone),
        )

"""The social webhook's application object."""

from collections.abc import Callable

from finestra.apps.base import App, Clock
from finestra.channels.social import SocialChannel, SocialItem
from finestra.credentials import secret_json
from finestra.intake.message import IntakeResult
from finestra.runtime import Clients, utc_now
from finestra.settings import (
    SocialSettings,
)


class SocialApp(App):
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

"""The SLA watch's application object."""

from finestra.apps.base import App, Clock
from finestra.runtime import Clients, utc_now
from finestra.settings import (
    SlaWatchSettings,
)
from finestra.storage.requests import RequestStore
from finestra.workflow.sla import SlaWatch


class SlaWatchApp(App):
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

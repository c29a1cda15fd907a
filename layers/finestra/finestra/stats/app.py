"""The statistics function's settings and application object."""

import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from pydantic import Field

from finestra.apps.base import App, Clock
from finestra.campaigns.answered import RecipientAnswered
from finestra.campaigns.invitations import satisfaction_trigger
from finestra.campaigns.store import CampaignStore
from finestra.insights.recorder import InsightRecorder
from finestra.runtime import Clients, utc_now
from finestra.segments.indexer import SegmentIndexer
from finestra.settings import FunctionSettings, TimeZoneName
from finestra.stats.recorder import StatsRecorder
from finestra.stats.store import StatsStore
from finestra.stats.stream import CounterConsumer, StreamConsumer

__all__ = ["StatsApp", "StatsSettings"]


class StatsSettings(FunctionSettings):
    """Keeps the day counters from the table's stream."""

    city_time_zone: TimeZoneName = Field(
        default="Europe/Madrid", description="the zone whose calendar days the counters follow"
    )


class StatsApp(App):
    """Follows the table's stream: each consumer in :attr:`consumers` sees every record."""

    def __init__(
        self,
        settings: StatsSettings,
        clients: Clients | None = None,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings, clients, clock)
        self.recorder = StatsRecorder(
            StatsStore(self.runtime.table), ZoneInfo(settings.city_time_zone), sleep=sleep
        )
        self.consumers: list[StreamConsumer] = [CounterConsumer(self.recorder)]
        self.consumers.append(
            SegmentIndexer(self.runtime.table, ZoneInfo(settings.city_time_zone), sleep=sleep)
        )
        self.consumers.append(
            InsightRecorder(
                self.runtime.table,
                self.runtime.catalogue,
                ZoneInfo(settings.city_time_zone),
                sleep=sleep,
            )
        )
        self.consumers.append(satisfaction_trigger(self.runtime))
        self.consumers.append(RecipientAnswered(CampaignStore(self.runtime.table)))

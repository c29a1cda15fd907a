"""The daily open-data export: yesterday's rows as one CSV object in the open-data bucket.

The object of a day is ``requests/dt=<yyyy-mm-dd>/requests.csv``, the layout the Glue
table's partition projection reads, so Athena queries every day without a crawler. A
run writes the whole day again: a retry, or a second run for the same day, replaces
the object with the rows as they are then.
"""

from datetime import date, timedelta
from functools import cached_property
from typing import Any, Final
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from finestra.apps.base import App, Clock
from finestra.insights.opendata import OpenDataStore, open_data_csv
from finestra.runtime import Clients, utc_now
from finestra.settings import FunctionSettings, TimeZoneName
from finestra.stats.counting import city_date

__all__ = [
    "Exported",
    "OpenDataExportApp",
    "OpenDataExportSettings",
    "OpenDataExporter",
    "export_key",
]

PREFIX: Final = "requests"
"""Where the export's objects start in the bucket: the Glue table's location."""


def export_key(day: date) -> str:
    """The object key of the rows of requests opened on ``day``."""
    return f"{PREFIX}/dt={day.isoformat()}/requests.csv"


class Exported(BaseModel):
    """What one export wrote: the day, the object and how many rows it holds."""

    model_config = ConfigDict(frozen=True)

    day: date
    key: str
    rows: int


class OpenDataExporter:
    """Writes a day's open-data rows to the bucket as CSV."""

    def __init__(self, rows: OpenDataStore, s3: Any, bucket: str) -> None:
        self._rows = rows
        self._s3 = s3
        self._bucket = bucket

    def export(self, day: date) -> Exported:
        """Write (or write again) the CSV of requests opened on ``day``."""
        rows = list(self._rows.rows(day))
        key = export_key(day)
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=open_data_csv(rows).encode("utf-8"),
            ContentType="text/csv; charset=utf-8",
        )
        return Exported(day=day, key=key, rows=len(rows))


class OpenDataExportSettings(FunctionSettings):
    """Writes yesterday's open-data rows to the open-data bucket."""

    open_data_bucket: str = Field(min_length=3, description="where the daily CSVs go")
    city_time_zone: TimeZoneName = Field(
        default="Europe/Madrid", description="the zone whose calendar days the rows follow"
    )


class OpenDataExportApp(App):
    """The exporter on the function's table, catalogue and S3 client."""

    def __init__(
        self,
        settings: OpenDataExportSettings,
        clients: Clients | None = None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(settings, clients, clock)
        self.settings = settings
        self.clock = clock
        self.zone = ZoneInfo(settings.city_time_zone)

    @cached_property
    def exporter(self) -> OpenDataExporter:
        """Reads the rows from the table and writes the objects."""
        runtime = self.runtime
        return OpenDataExporter(
            OpenDataStore(runtime.table),
            runtime.clients.get("s3"),
            self.settings.open_data_bucket,
        )

    def yesterday(self) -> date:
        """The city's day before today."""
        return city_date(self.clock(), self.zone) - timedelta(days=1)

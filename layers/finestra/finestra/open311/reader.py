"""The read side of GeoReport v2: discovery, services, and requests by id or by date.

A list of requests without ids reads the open-data rows, one ``Query`` of
``OPENDATA#<day>`` per city day of the window (at most 90), for the references opened
that day, then ``BatchGetItem`` of those requests; the service code and status filters
apply to what comes back. The table is never scanned. The rows are written by the
stream, so a request appears in a date list once the insights have seen it (seconds);
reading one by its id does not wait for the stream.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import NotFound, ValidationFailed
from finestra.domain.request import REFERENCE, Request
from finestra.domain.vocabulary import Language
from finestra.insights.opendata import OpenDataStore
from finestra.open311 import mapping
from finestra.open311.models import Service, ServiceDefinition, ServiceRequest
from finestra.open311.render import parse_w3c_datetime
from finestra.storage.requests import RequestStore

WINDOW: Final = timedelta(days=90)
"""The longest span of a date query, and the default span back from its end."""
MOST: Final = 1000
"""The most requests one list answers."""
_BATCH: Final = 100


class RequestQuery(BaseModel):
    """The filters of ``GET requests``, as the specification names them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    service_request_id: tuple[str, ...] = ()
    service_code: tuple[str, ...] = ()
    start_date: datetime | None = None
    end_date: datetime | None = None
    status: tuple[Literal["open", "closed"], ...] = ()

    @field_validator("service_request_id", "service_code", "status", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("start_date", "end_date", mode="before")
    @classmethod
    def _w3c(cls, value: Any) -> Any:
        return parse_w3c_datetime(value) if isinstance(value, str) else value

    @field_validator("service_request_id")
    @classmethod
    def _few_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) > _BATCH:
            raise ValueError("at most 100 ids")
        return value


class Discovery(BaseModel):
    """Where this jurisdiction's GeoReport v2 endpoint is and what it speaks."""

    changeset: str
    contact: str
    key_service: str
    endpoints: list[dict[str, Any]] = Field(default_factory=list)


class GeoReportReader:
    """Answers the read endpoints from the catalogue and the table."""

    def __init__(
        self,
        catalogue: Catalogue,
        rows: OpenDataStore,
        requests: RequestStore,
        *,
        jurisdiction: str,
        zone: ZoneInfo,
        most: int = MOST,
    ) -> None:
        self._catalogue = catalogue
        self._rows = rows
        self._requests = requests
        self._jurisdiction = jurisdiction
        self._zone = zone
        self._most = most

    def check_jurisdiction(self, given: str | None) -> None:
        """Refuse a ``jurisdiction_id`` other than this city's; none given is this city."""
        if given is not None and given != self._jurisdiction:
            raise NotFound("is not served here", field="jurisdiction_id")

    def discovery(self, base_url: str, changed: datetime) -> Discovery:
        """The discovery document: one production endpoint in both formats."""
        stamp = changed.isoformat(timespec="seconds")
        return Discovery(
            changeset=stamp,
            contact="The city's citizen service; requests filed here are answered there.",
            key_service="Ask the city's citizen service for a client app's api_key.",
            endpoints=[
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base_url,
                    "changeset": stamp,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        )

    def services(self, language: Language) -> list[Service]:
        """Every theme as a service."""
        return mapping.services(self._catalogue, language)

    def definition(self, code: str, language: Language) -> ServiceDefinition:
        """A theme's extra fields."""
        return mapping.service_definition(self._catalogue, code, language)

    def request(self, reference: str, language: Language) -> ServiceRequest:
        """One request by its id; one without a theme yet is not found either."""
        stored = self._requests.get(reference) if REFERENCE.match(reference) else None
        found = mapping.service_request(stored, self._catalogue, language) if stored else None
        if found is None:
            raise NotFound("is not a service request", field="service_request_id")
        return found

    def requests(
        self, query: RequestQuery, now: datetime, language: Language
    ) -> list[ServiceRequest]:
        """The requests a query asks for, newest first, at most ``most`` (1,000)."""
        if query.service_request_id:
            references = [r for r in query.service_request_id if REFERENCE.match(r)]
            return self._newest(self._requests.many(references), language)
        end = query.end_date or now
        start = query.start_date or end - WINDOW
        if start > end:
            raise ValidationFailed("is after end_date", field="start_date")
        if end - start > WINDOW:
            raise ValidationFailed("is more than 90 days before end_date", field="start_date")
        found = [
            r
            for r in self._newest(self._requests.many(list(self._opened(start, end))), language)
            if start <= datetime.fromisoformat(r.requested_datetime) <= end
            and (not query.service_code or r.service_code in query.service_code)
            and (not query.status or r.status in query.status)
        ]
        return found[: self._most]

    def _opened(self, start: datetime, end: datetime) -> Iterator[str]:
        day = start.astimezone(self._zone).date()
        last = end.astimezone(self._zone).date()
        while day <= last:
            yield from self._rows.references(day)
            day += timedelta(days=1)

    def _newest(self, stored: list[Request], language: Language) -> list[ServiceRequest]:
        mapped = (mapping.service_request(r, self._catalogue, language) for r in stored)
        present = [r for r in mapped if r is not None]
        return sorted(present, key=lambda r: r.requested_datetime, reverse=True)

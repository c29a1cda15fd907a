"""What each state of the request workflow asks of the city, and what it answers.

Every task reads the request afresh by reference, so the state machine carries ids
and codes only, never personal data, and a retried task sees what its first try did.
"""

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from finestra.backoffice.model import (
    CitizenKeys,
    LookupQuery,
    LookupResult,
    PlaceKeys,
    SystemAnswerInvalid,
)
from finestra.domain.acknowledgement import acknowledgement, duplicate_notice
from finestra.domain.catalogue import Catalogue, Theme
from finestra.domain.citizen import Citizen
from finestra.domain.classifier import LOW_CONFIDENCE, classify
from finestra.domain.errors import Conflict, NotFound
from finestra.domain.geo import Point, cells_covering, covering_precision, distance_m, encode
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Request, SystemStatus
from finestra.domain.routing import point_of, route
from finestra.domain.vocabulary import (
    FINAL_STATES,
    ConsentPurpose,
    ContactKind,
    InteractionKind,
    ResponseChannel,
)
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.snapshots import SnapshotStore
from finestra.storage.table import TransactionConflict

GEO_PRECISION = 7
"""The finest geohash cells indexed (about 150 m by 150 m)."""

NOTHING_TO_ASK_BY = "no_keys"
"""The connector's answer when the request carries nothing the system is asked by."""

TRIAGE_SLA = timedelta(hours=24)
"""How soon the triage group gives an unclassified request its theme."""

LOW_CONFIDENCE_FLAG = "low_confidence"
POSSIBLE_DUPLICATE = "possible_duplicate"
WORKFLOW_FAILED = "workflow_failed"
ACKNOWLEDGEMENT_FAILED = "acknowledgement_failed"


def geo_precision(radius_m: int) -> int:
    """The cell size a theme's requests are indexed at: fine enough, never too fine.

    Chosen for latitude 60° (cells narrow with latitude), so one precision per theme
    serves any city south of it, and writes and searches agree.
    """
    return covering_precision(60.0, radius_m, GEO_PRECISION)


class Connector(Protocol):
    """A back-office system's connector."""

    def lookup(self, query: LookupQuery) -> LookupResult:
        """Ask the system about the request's citizen and place."""
        ...


class Messenger(Protocol):
    """Sends the acknowledgement on the citizen's channel; returns the provider's id."""

    def sms(self, to: str, text: str) -> str:
        """Send an SMS."""
        ...

    def email(self, to: str, subject: str, text: str) -> str:
        """Send an email."""
        ...


class Publisher(Protocol):
    """Publishes events for the back-office systems that subscribe."""

    def publish(self, detail_type: str, detail: dict[str, Any], resources: list[str]) -> str:
        """Put one event on the bus."""
        ...


class TaskInput(BaseModel):
    """What every task receives: the task's name and the request's reference."""

    task: str
    reference: str = Field(min_length=1, max_length=40)


class LookupInput(TaskInput):
    """One back-office system to ask."""

    system: str


class SnapshotInput(TaskInput):
    """Each lookup's outcome, in the Map's order."""

    lookups: list[dict[str, Any]]


class RouteInput(TaskInput):
    """The classification and duplicate search the router builds on."""

    classification: dict[str, Any]
    duplicates: dict[str, Any]


class AcknowledgeInput(TaskInput):
    """Whether the request was linked to an earlier one."""

    duplicates: dict[str, Any]


class FailureInput(TaskInput):
    """The error Step Functions caught: ``Error`` is its name, ``Cause`` its text."""

    error: dict[str, Any]


class WorkflowTasks:
    """The domain functions behind the workflow's states."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        requests: RequestStore,
        citizens: CitizenStore,
        snapshots: SnapshotStore,
        connectors: Callable[[str], Connector],
        cache_for: Callable[[str], timedelta],
        looked_up_by: Callable[[str], frozenset[str]],
        messenger: Messenger,
        publisher: Publisher,
        clock: Callable[[], datetime],
        triage_group: str,
        tracking_url: str | None,
    ) -> None:
        self._catalogue = catalogue
        self._requests = requests
        self._citizens = citizens
        self._snapshots = snapshots
        self._connectors = connectors
        self._cache_for = cache_for
        self._looked_up_by = looked_up_by
        self._messenger = messenger
        self._publisher = publisher
        self._clock = clock
        self._triage_group = triage_group
        self._tracking_url = tracking_url

    def load(self, task: TaskInput) -> dict[str, Any]:
        """The request's codes, for the execution's own record."""
        request = self._request(task.reference)
        return {
            "state": request.state.value,
            "theme_code": request.theme_code,
            "input_channel": request.input_channel.value,
            "has_citizen": request.citizen_id is not None,
        }

    def classify(self, task: TaskInput) -> dict[str, Any]:
        """The theme (from the citizen, or from the free text) and the systems it needs."""
        request = self._request(task.reference)
        if request.theme_code is not None:
            theme = self._catalogue.theme(request.theme_code)
            return {
                "theme_code": theme.code,
                "confidence": request.classification_confidence or 1.0,
                "triage": False,
                "systems": list(theme.back_office_systems),
            }
        found = classify(self._catalogue, request.description, request.language)
        if found.theme_code is None or found.confidence < LOW_CONFIDENCE:
            return {
                "theme_code": None,
                "confidence": found.confidence,
                "triage": True,
                "systems": [],
            }
        theme = self._catalogue.theme(found.theme_code)
        try:
            self._requests.classify(
                request, theme.code, theme.request_types[0].value, round(found.confidence, 3)
            )
        except Conflict:
            request = self._request(task.reference)
            if request.theme_code != theme.code:
                raise
        return {
            "theme_code": theme.code,
            "confidence": round(found.confidence, 3),
            "triage": False,
            "systems": list(theme.back_office_systems),
        }

    def lookup(self, task: LookupInput) -> dict[str, Any]:
        """Ask one system, or reuse its answer while it is fresh."""
        request = self._request(task.reference)
        owner = self._snapshot_owner(request, self._looked_up_by(task.system))
        now = self._clock()
        cached = self._snapshots.fresh(owner, task.system, now)
        if cached is not None:
            return {
                "system": task.system,
                "status": cached["status"],
                "available": True,
                "fetched_at": cached["fetched_at"],
                "cached": True,
            }
        result = self._connectors(task.system).lookup(self._query(request))
        if not result.available:
            raise SystemAnswerInvalid(result.error or "unavailable")
        if result.error == NOTHING_TO_ASK_BY:
            return {
                "system": task.system,
                "status": result.status,
                "available": True,
                "fetched_at": result.fetched_at.isoformat(),
                "cached": False,
            }
        with contextlib.suppress(Conflict):
            self._snapshots.keep(
                owner,
                task.system,
                result.data,
                status=result.status,
                fetched_at=result.fetched_at,
                keep_for=self._cache_for(task.system),
            )
        return {
            "system": task.system,
            "status": result.status,
            "available": True,
            "fetched_at": result.fetched_at.isoformat(),
            "cached": False,
        }

    def snapshot(self, task: SnapshotInput) -> dict[str, int]:
        """Record how each system answered; a failed lookup is recorded, not fatal."""
        statuses = {
            str(entry["system"]): SystemStatus(
                status=entry.get("status", "unavailable"),
                available=bool(entry.get("available")),
                fetched_at=entry.get("fetched_at"),
                error=entry.get("error"),
            )
            for entry in task.lookups
        }
        self._requests.record_backoffice(task.reference, statuses)
        available = sum(1 for status in statuses.values() if status.available)
        return {"available": available, "unavailable": len(statuses) - available}

    def duplicates(self, task: TaskInput) -> dict[str, Any]:
        """The oldest open request of the same theme within the theme's distance and time."""
        request = self._request(task.reference)
        searchable = self._searchable(request)
        if searchable is None:
            return {"duplicate_of": None}
        theme, here = searchable
        radius = theme.duplicate_radius_m or 0
        since = request.created_at - timedelta(days=theme.duplicate_window_days or 30)
        cells = cells_covering(here.latitude, here.longitude, radius, geo_precision(radius))
        final = {state.value for state in FINAL_STATES}
        candidates = []
        for item in self._requests.near(theme.code, cells, since):
            point = item.get("location") or {}
            if item["reference"] == request.reference or item.get("state") in final:
                continue
            if point.get("latitude") is None or point.get("longitude") is None:
                continue
            distance = distance_m(here, Point(point["latitude"], point["longitude"]))
            if distance <= radius and item["created_at"] <= (request.created_at.isoformat()):
                candidates.append(item)
        candidates.sort(key=lambda item: str(item["created_at"]))
        return {"duplicate_of": candidates[0]["reference"] if candidates else None}

    def route(self, task: RouteInput) -> dict[str, Any]:
        """Give the request its group, priority and SLA due time."""
        request = self._request(task.reference)
        duplicate_of = task.duplicates.get("duplicate_of")
        flags = {POSSIBLE_DUPLICATE} if duplicate_of else set()
        if request.routed_at is not None or WORKFLOW_FAILED in request.flags:
            return self._routing(request)
        theme = self._catalogue.theme(request.theme_code) if request.theme_code else None
        if theme is None or task.classification.get("triage"):
            flags.add(LOW_CONFIDENCE_FLAG)
            group, priority = self._triage_group, "normal"
            due = request.created_at + TRIAGE_SLA
        else:
            location = request.location
            routing = route(
                self._catalogue,
                theme,
                district_code=location.district_code if location else None,
                neighbourhood_code=location.neighbourhood_code if location else None,
                text=request.description,
                request_type=request.request_type,
                received_at=request.created_at,
                point=point_of(location),
            )
            group, priority, due = (
                routing.responsible_group,
                routing.priority.value,
                routing.sla_due_at,
            )
        self._requests.route(
            request,
            group=group,
            priority=priority,
            sla_due_at=due,
            duplicate_of=duplicate_of,
            flags=flags,
            at=self._clock(),
            geo_cell=self._cell(request),
            unless_flagged=WORKFLOW_FAILED,
        )
        return {
            "responsible_group": group,
            "priority": priority,
            "sla_due_at": due.isoformat(),
            "duplicate_of": duplicate_of,
        }

    def acknowledge(self, task: AcknowledgeInput) -> dict[str, Any]:
        """Tell the citizen, on their channel and in their language, once."""
        request = self._request(task.reference)
        if request.acknowledged_at is not None:
            return {"sent": False, "reason": "already_sent"}
        citizen = self._citizens.get(request.citizen_id) if request.citizen_id else None
        target = self._target(request, citizen)
        if target is None:
            return {"sent": False, "reason": "no_channel"}
        channel, address = target
        text, subject = self._wording(request, channel, task.duplicates.get("duplicate_of"))
        if channel == "sms":
            provider_id = self._messenger.sms(address, text)
        else:
            provider_id = self._messenger.email(address, subject or request.reference, text)
        interaction = Interaction(
            id=new_id("int"),
            at=self._clock(),
            kind=InteractionKind.OUTBOUND_MESSAGE,
            channel=ResponseChannel(channel),
            actor="system",
            provider_message_id=provider_id,
            text=text,
        )
        try:
            self._requests.acknowledged(request, interaction)
        except TransactionConflict:
            return {"sent": True, "reason": "recorded_by_an_earlier_try"}
        return {"sent": True, "channel": channel}

    def acknowledgement_failed(self, task: FailureInput) -> dict[str, Any]:
        """The acknowledgement could not go out: staff see an answer pending."""
        self._requests.flag(task.reference, ACKNOWLEDGEMENT_FAILED, at=self._clock())
        return {"sent": False, "reason": str(task.error.get("Error", "unknown"))[:80]}

    def publish(self, task: TaskInput) -> dict[str, Any]:
        """``request.routed`` for the back-office systems that subscribe."""
        request = self._request(task.reference)
        detail = {
            "reference": request.reference,
            "theme_code": request.theme_code,
            "request_type": request.request_type.value,
            "responsible_group": request.responsible_group,
            "priority": request.priority.value,
            "sla_due_at": request.sla_due_at.isoformat() if request.sla_due_at else None,
            "district_code": request.location.district_code if request.location else None,
            "input_channel": request.input_channel.value,
            "duplicate_of": request.duplicate_of,
        }
        event_id = self._publisher.publish("request.routed", detail, [])
        return {"event_id": event_id}

    def flag_for_triage(self, task: FailureInput) -> dict[str, Any]:
        """A failed execution leaves its request with the triage group and the cause."""
        cause = str(task.error.get("Error", "Unknown"))[:80]
        request = self._requests.get(task.reference)
        if request is None:
            return {"flagged": False, "cause": cause}
        self._requests.hand_over(
            request, group=self._triage_group, flag=WORKFLOW_FAILED, cause=cause, at=self._clock()
        )
        return {"flagged": True, "cause": cause}

    def _snapshot_owner(self, request: Request, keys: frozenset[str]) -> str:
        """Whose answer a snapshot is: the citizen's, the place's, or both.

        A system asked about a place answers for that place, so its snapshot is kept
        under the place's cell; one asked about the citizen, under the citizen.
        """
        parts = []
        if request.citizen_id and keys - {"location"}:
            parts.append(f"CITIZEN#{request.citizen_id}")
        location = request.location
        if "location" in keys and location is not None:
            if location.latitude is not None and location.longitude is not None:
                parts.append(f"PLACE#{encode(location.latitude, location.longitude, 7)}")
            else:
                parts.append(f"REQUEST#{request.reference}")
        return "#".join(parts) or f"REQUEST#{request.reference}"

    def _searchable(self, request: Request) -> tuple[Theme, Point] | None:
        """The theme and point a duplicate search needs, if the request has both."""
        location = request.location
        theme = self._catalogue.theme(request.theme_code) if request.theme_code else None
        if theme is None or theme.duplicate_radius_m is None or location is None:
            return None
        if location.latitude is None or location.longitude is None:
            return None
        return theme, Point(location.latitude, location.longitude)

    def _cell(self, request: Request) -> str | None:
        searchable = self._searchable(request)
        if searchable is None:
            return None
        theme, point = searchable
        precision = geo_precision(theme.duplicate_radius_m or 0)
        return encode(point.latitude, point.longitude, precision)

    def _request(self, reference: str) -> Request:
        request = self._requests.get(reference)
        if request is None:
            raise NotFound("no request with this reference")
        return request

    def _routing(self, request: Request) -> dict[str, Any]:
        return {
            "responsible_group": request.responsible_group,
            "priority": request.priority.value,
            "sla_due_at": request.sla_due_at.isoformat() if request.sla_due_at else None,
            "duplicate_of": request.duplicate_of,
        }

    def _query(self, request: Request) -> LookupQuery:
        citizen = self._citizens.get(request.citizen_id) if request.citizen_id else None
        keys = None
        if citizen is not None:

            def first(kind: ContactKind) -> str | None:
                point = citizen.contact(kind)
                return point.value if point else None

            keys = CitizenKeys(
                document_id=first(ContactKind.DOCUMENT),
                phone=first(ContactKind.PHONE),
                email=first(ContactKind.EMAIL),
            )
        place = None
        if request.location is not None:
            place = PlaceKeys.model_validate(request.location.model_dump())
        return LookupQuery(
            reference=request.reference,
            theme_code=request.theme_code or "",
            citizen=keys,
            location=place,
        )

    @staticmethod
    def _target(
        request: Request, citizen: Citizen | None
    ) -> tuple[Literal["sms", "email"], str] | None:
        if citizen is None or not citizen.consents_to(
            request.response_channel.value, ConsentPurpose.SERVICE
        ):
            return None
        if request.response_channel is ResponseChannel.SMS:
            point = citizen.contact(ContactKind.PHONE)
            return ("sms", point.value) if point else None
        if request.response_channel is ResponseChannel.EMAIL:
            point = citizen.contact(ContactKind.EMAIL)
            return ("email", point.value) if point else None
        return None

    def _wording(
        self, request: Request, channel: Literal["sms", "email"], duplicate_of: str | None
    ) -> tuple[str, str | None]:
        if duplicate_of:
            notice = duplicate_notice(request.language, channel, request.reference, duplicate_of)
            return notice.text, notice.subject
        theme = self._catalogue.theme(request.theme_code) if request.theme_code else None
        due = (request.sla_due_at or request.created_at + TRIAGE_SLA).date()
        ack = acknowledgement(
            request.language,
            channel,
            request.reference,
            due,
            theme.detail.in_(request.language) if theme else None,
            self._tracking_url,
        )
        return ack.text, ack.subject

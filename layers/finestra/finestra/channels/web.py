"""The citizen API: requests from the city's web and apps, tracking, and the themes."""

import hmac
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finestra.domain.catalogue import Catalogue
from finestra.domain.citizen import Consent, ContactPoint, EntityApplicant, Name
from finestra.domain.contacts import DocumentId, Email, Phone
from finestra.domain.errors import NotFound
from finestra.domain.request import Location, Text
from finestra.domain.vocabulary import (
    ConsentPurpose,
    ContactKind,
    InputChannel,
    InteractionKind,
    Language,
    RequestType,
    ResponseChannel,
)
from finestra.intake.message import InboundMessage, IntakeResult
from finestra.intake.service import IntakeService, hash_token
from finestra.storage.requests import RequestStore


class CitizenForm(BaseModel):
    """A person filing on their own behalf."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["citizen"]
    given_name: Name | None = None
    family_names: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    document_id: DocumentId | None = None


class EntityForm(EntityApplicant):
    """A legal entity filing through the person who speaks for it."""

    model_config = ConfigDict(extra="forbid")


class ConsentForm(BaseModel):
    """A consent box the citizen ticked or left empty."""

    model_config = ConfigDict(extra="forbid")

    channel: Literal["sms", "email"]
    purpose: ConsentPurpose
    granted: bool


class RequestForm(BaseModel):
    """The body of ``POST /api/v1/requests``."""

    model_config = ConfigDict(extra="forbid")

    request_type: RequestType
    theme_code: str = Field(min_length=1, max_length=80)
    description: Text
    location: Location | None = None
    response_channel: ResponseChannel
    language: Language = Language.CA
    applicant: Annotated[CitizenForm | EntityForm, Field(discriminator="kind")] | None = None
    consents: list[ConsentForm] = Field(default_factory=list, max_length=6)
    channel: Literal["web", "app"] = "web"

    @model_validator(mode="after")
    def _reachable(self) -> "RequestForm":
        wanted = {ResponseChannel.EMAIL: "email", ResponseChannel.SMS: "phone"}
        needed = wanted.get(self.response_channel)
        if needed is None:
            return self
        applicant = self.applicant
        contact: Any = applicant.contact if isinstance(applicant, EntityForm) else applicant
        if contact is None or getattr(contact, needed) is None:
            raise ValueError(f"an answer by {self.response_channel.value} needs the {needed}")
        return self


class WebDelivery(BaseModel):
    """A form with the key that makes its replays harmless."""

    provider_message_id: str = Field(min_length=8, max_length=200)
    received_at: datetime
    form: RequestForm
    via: Literal["open311"] | None = Field(
        default=None, description="the channel when not the form's own: an Open311 client app"
    )
    media_url: str | None = Field(
        default=None, max_length=2000, description="an Open311 app's link to a photo or file"
    )


class ThemeChoice(BaseModel):
    """A theme as the citizen sees it when choosing."""

    code: str
    area: str
    element: str
    detail: str
    request_types: list[RequestType]
    response_channels: list[ResponseChannel]
    requires_location: bool
    requires_identified_citizen: bool


class TrackedEvent(BaseModel):
    """One step of a request's public history."""

    at: datetime
    kind: Literal["received", "state_change", "answer"]
    state: str | None = None
    text: str | None = None


class TrackedRequest(BaseModel):
    """What a citizen may see of their request with its tracking token."""

    reference: str
    state: str
    theme_code: str | None
    request_type: str
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None
    history: list[TrackedEvent]


class WebChannel:
    """The domain functions behind the citizen API."""

    def __init__(self, intake: IntakeService, requests: RequestStore, catalogue: Catalogue) -> None:
        self._intake = intake
        self._requests = requests
        self._catalogue = catalogue

    def themes(self, language: Language) -> list[ThemeChoice]:
        """The catalogue's themes, named in ``language``."""
        areas = {area.code: area.names.in_(language) for area in self._catalogue.areas}
        return [
            ThemeChoice(
                code=t.code,
                area=areas[t.area],
                element=t.element.in_(language),
                detail=t.detail.in_(language),
                request_types=list(t.request_types),
                response_channels=list(t.response_channels),
                requires_location=t.requires_location,
                requires_identified_citizen=t.requires_identified_citizen,
            )
            for t in self._catalogue.themes
        ]

    def submit(self, delivery: WebDelivery) -> IntakeResult:
        """Open the request a citizen (or an entity) filed on the web or an app."""
        form = delivery.form
        channel = InputChannel(delivery.via or form.channel)
        sender, entity, names = _sender_of(form, channel)
        consents = tuple(
            Consent(
                channel=c.channel,
                purpose=c.purpose,
                granted=c.granted,
                recorded_at=delivery.received_at,
                source=channel,
            )
            for c in form.consents
        )
        message = InboundMessage(
            channel=channel,
            provider_message_id=delivery.provider_message_id,
            received_at=delivery.received_at,
            sender=sender,
            text=form.description,
            given_name=names[0],
            family_names=names[1],
            language=form.language,
            request_type=form.request_type,
            theme_code=form.theme_code,
            location=form.location,
            response_channel=form.response_channel,
            applicant=entity,
            consents=consents,
            media_url=delivery.media_url,
        )
        return self._intake.submit(message)

    def track(self, reference: str, token: str) -> TrackedRequest:
        """The public view of a request; a wrong token looks like an unknown reference."""
        request = self._requests.get(reference)
        if request is None or not hmac.compare_digest(
            request.tracking_token_hash, hash_token(token)
        ):
            raise NotFound("no request with this reference and tracking token")
        history = []
        for entry in self._requests.history(reference):
            if entry.kind is InteractionKind.INBOUND_MESSAGE and entry.id == request.origin.id:
                history.append(TrackedEvent(at=entry.at, kind="received"))
            elif entry.kind is InteractionKind.STATE_CHANGE:
                state = entry.to_state.value if entry.to_state else None
                history.append(TrackedEvent(at=entry.at, kind="state_change", state=state))
            elif entry.kind is InteractionKind.OUTBOUND_MESSAGE:
                history.append(TrackedEvent(at=entry.at, kind="answer", text=entry.text))
        return TrackedRequest(
            reference=request.reference,
            state=request.state.value,
            theme_code=request.theme_code,
            request_type=request.request_type.value,
            created_at=request.created_at,
            updated_at=request.updated_at,
            sla_due_at=request.sla_due_at,
            history=history,
        )


def _sender_of(
    form: RequestForm, channel: InputChannel
) -> tuple[tuple[ContactPoint, ...], EntityApplicant | None, tuple[str | None, str | None]]:
    applicant = form.applicant
    if applicant is None:
        return (), None, (None, None)
    if isinstance(applicant, EntityForm):
        contact = applicant.contact
        points = _points(channel, email=contact.email, phone=contact.phone)
        entity = EntityApplicant.model_validate(applicant.model_dump())
        return points, entity, (contact.name, None)
    points = _points(
        channel, email=applicant.email, phone=applicant.phone, document=applicant.document_id
    )
    return points, None, (applicant.given_name, applicant.family_names)


def _points(
    channel: InputChannel, *, email: str | None, phone: str | None, document: str | None = None
) -> tuple[ContactPoint, ...]:
    given = [
        (ContactKind.EMAIL, email),
        (ContactKind.PHONE, phone),
        (ContactKind.DOCUMENT, document),
    ]
    return tuple(
        ContactPoint(kind=kind, value=value, first_seen_on=channel)
        for kind, value in given
        if value
    )

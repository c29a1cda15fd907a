"""Requests taken down by staff at a citizen service centre (in person)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from finestra.domain.citizen import ContactPoint, Name
from finestra.domain.contacts import DocumentId, Email, Phone
from finestra.domain.request import Location, Text
from finestra.domain.vocabulary import (
    ContactKind,
    InputChannel,
    Language,
    RequestType,
    ResponseChannel,
)
from finestra.intake.message import InboundMessage, IntakeResult
from finestra.intake.service import IntakeService


class Visit(BaseModel):
    """What the staff member took down at the counter, with the visit's own id."""

    model_config = ConfigDict(extra="forbid")

    visit_id: str = Field(min_length=8, max_length=64, description="the desk's id for the visit")
    staff_id: str = Field(min_length=1, max_length=64)
    received_at: datetime
    document_id: DocumentId | None = Field(
        default=None, description="shown by the citizen and checked by the staff member"
    )
    given_name: Name | None = None
    family_names: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    language: Language
    request_type: RequestType
    theme_code: str = Field(min_length=1, max_length=80)
    description: Text
    location: Location | None = None
    response_channel: ResponseChannel


class InPersonChannel:
    """The domain function the desk calls when a citizen comes to a service centre."""

    def __init__(self, intake: IntakeService) -> None:
        self._intake = intake

    def record(self, visit: Visit) -> IntakeResult:
        """Open the request; a document the staff member checked identifies the citizen."""
        given = [
            (ContactKind.DOCUMENT, visit.document_id, True),
            (ContactKind.EMAIL, visit.email, False),
            (ContactKind.PHONE, visit.phone, False),
        ]
        sender = tuple(
            ContactPoint(
                kind=kind, value=value, verified=verified, first_seen_on=InputChannel.IN_PERSON
            )
            for kind, value, verified in given
            if value
        )
        message = InboundMessage(
            channel=InputChannel.IN_PERSON,
            provider_message_id=visit.visit_id,
            received_at=visit.received_at,
            sender=sender,
            text=visit.description,
            given_name=visit.given_name,
            family_names=visit.family_names,
            language=visit.language,
            request_type=visit.request_type,
            theme_code=visit.theme_code,
            location=visit.location,
            response_channel=visit.response_channel,
            actor=f"staff:{visit.staff_id}",
        )
        return self._intake.submit(message)

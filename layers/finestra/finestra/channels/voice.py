"""Phone calls through Amazon Connect: the contact-flow Lambda event and its answer."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finestra.domain.citizen import ContactPoint
from finestra.domain.errors import FinestraError, ValidationFailed
from finestra.domain.request import Location
from finestra.domain.vocabulary import (
    ContactKind,
    InputChannel,
    Language,
    RequestType,
    ResponseChannel,
)
from finestra.http import field_errors
from finestra.intake.message import InboundMessage
from finestra.intake.service import IntakeService

WITHHELD = frozenset({"anonymous", "unknown", "private", "restricted", ""})


class Endpoint(BaseModel):
    """A party of the call."""

    model_config = ConfigDict(extra="ignore")

    Address: str | None = None
    Type: str | None = None


class ContactData(BaseModel):
    """The part of Connect's event that describes the contact."""

    model_config = ConfigDict(extra="ignore")

    ContactId: str = Field(min_length=1)
    Channel: str
    CustomerEndpoint: Endpoint | None = None
    LanguageCode: str | None = None


class Details(BaseModel):
    """The contact and the parameters the flow's block passes."""

    model_config = ConfigDict(extra="ignore")

    ContactData: ContactData
    Parameters: dict[str, str] = Field(default_factory=dict)


class ContactFlowEvent(BaseModel):
    """The event Amazon Connect sends a Lambda from an "Invoke AWS Lambda function" block."""

    model_config = ConfigDict(extra="ignore")

    Name: Literal["ContactFlowEvent"]
    Details: Details


class CallRequest(BaseModel):
    """What the flow collected for a new request (by menu, speech or agent)."""

    model_config = ConfigDict(extra="forbid")

    operation: Literal["create_request"]
    theme_code: str = Field(min_length=1)
    request_type: RequestType | None = None
    description: str = Field(min_length=1, max_length=4000)
    language: Language | None = None
    address: str | None = Field(default=None, max_length=200)
    district_code: str | None = None
    neighbourhood_code: str | None = None
    response_channel: ResponseChannel | None = None
    identity_verified: Literal["true", "false"] = "false"


class CallOutcome(BaseModel):
    """What the flow learns about the request it opened; all strings, as Connect wants."""

    status: Literal["ok"] = "ok"
    outcome: str
    reference: str
    state: str

    def attributes(self) -> dict[str, str]:
        """The flat string map Connect reads as the function's result."""
        return {key: str(value) for key, value in self.model_dump().items()}


class CallDelivery(BaseModel):
    """A create-request invocation: the contact id is the provider's message id."""

    contact_id: str
    caller: str | None
    received_at: datetime
    call: CallRequest


def caller_of(event: ContactFlowEvent) -> str | None:
    """The caller's number, or ``None`` when it is withheld."""
    endpoint = event.Details.ContactData.CustomerEndpoint
    if endpoint is None or endpoint.Type != "TELEPHONE_NUMBER":
        return None
    address = (endpoint.Address or "").strip()
    return None if address.lower() in WITHHELD else address


def error_attributes(exc: Exception) -> dict[str, str]:
    """Flat attributes the flow can branch on when a call's data breaks a rule."""
    if isinstance(exc, ValidationError):
        first = field_errors(exc)[0]
        return {"status": "error", "error_code": "invalid_request", "error_field": first["field"]}
    if isinstance(exc, FinestraError):
        return {"status": "error", "error_code": exc.code, "error_field": exc.field or ""}
    raise exc


class VoiceChannel:
    """The domain functions behind the contact-flow Lambda; answers are flat strings."""

    def __init__(self, intake: IntakeService) -> None:
        self._intake = intake

    def lookup(self, caller: str | None) -> dict[str, str]:
        """What the agent's screen needs about the caller."""
        if caller is None:
            return {"status": "ok", "found": "false", "withheld": "true"}
        try:
            point = ContactPoint(kind=ContactKind.PHONE, value=caller)
        except ValidationFailed:
            return {"status": "ok", "found": "false", "withheld": "false"}
        citizen = self._intake.find_citizen(point)
        if citizen is None:
            return {"status": "ok", "found": "false", "withheld": "false"}
        open_requests = self._intake.open_requests(citizen.id, limit=5)
        answer = {
            "status": "ok",
            "found": "true",
            "withheld": "false",
            "citizen_id": citizen.id,
            "given_name": citizen.given_name or "",
            "language": citizen.language.value,
            "identified": str(citizen.identified).lower(),
            "open_requests": str(len(open_requests)),
            "open_references": ",".join(str(r["reference"]) for r in open_requests),
        }
        if open_requests:
            answer["latest_reference"] = str(open_requests[0]["reference"])
            answer["latest_state"] = str(open_requests[0]["state"])
        return answer

    def create_request(self, delivery: CallDelivery) -> CallOutcome:
        """Open the request the flow collected; the caller's number finds the citizen."""
        call = delivery.call
        sender: tuple[ContactPoint, ...] = ()
        if delivery.caller is not None:
            sender = (
                ContactPoint(
                    kind=ContactKind.PHONE,
                    value=delivery.caller,
                    first_seen_on=InputChannel.PHONE,
                    verified=call.identity_verified == "true",
                ),
            )
        location = None
        if call.address or call.district_code or call.neighbourhood_code:
            location = Location(
                address=call.address,
                district_code=call.district_code,
                neighbourhood_code=call.neighbourhood_code,
            )
        message = InboundMessage(
            channel=InputChannel.PHONE,
            provider_message_id=delivery.contact_id,
            received_at=delivery.received_at,
            sender=sender,
            text=call.description,
            language=call.language,
            request_type=call.request_type,
            theme_code=call.theme_code,
            location=location,
            response_channel=call.response_channel,
        )
        result = self._intake.submit(message)
        return CallOutcome(
            outcome=result.outcome.value,
            reference=result.reference or "",
            state=result.state.value if result.state else "",
        )

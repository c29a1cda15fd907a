"""Requests and the interactions that make up their history."""

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from finestra.domain.citizen import Applicant, AreaCode
from finestra.domain.vocabulary import (
    InputChannel,
    InteractionKind,
    Language,
    Priority,
    RequestState,
    RequestType,
    ResponseChannel,
)

REFERENCE = re.compile(r"^[A-Z]{2,5}-\d{4}-\d{6}(-R\d+)?$")
Reference = Annotated[str, Field(pattern=REFERENCE.pattern)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Channel = InputChannel | ResponseChannel | Literal["internal"]


class Location(BaseModel):
    """Where a request is: a point, an address, or both, with its district."""

    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, min_length=1, max_length=200)
    district_code: AreaCode | None = None
    neighbourhood_code: AreaCode | None = None

    @property
    def has_point(self) -> bool:
        """Whether both coordinates are known."""
        return self.latitude is not None and self.longitude is not None


class Attachment(BaseModel):
    """A file kept in the attachments bucket."""

    key: str
    filename: str = Field(max_length=200)
    content_type: str
    size: int = Field(ge=0)


class Interaction(BaseModel):
    """One entry of a request's history: a message, a note or a change of state."""

    id: str
    at: datetime
    kind: InteractionKind
    channel: Channel
    actor: str = Field(description="citizen:<id>, staff:<id> or system")
    actor_name: str | None = Field(
        default=None, max_length=128, description="a staff actor's user name, as shown to staff"
    )
    provider_message_id: str | None = None
    text: str | None = Field(default=None, max_length=20000)
    from_state: RequestState | None = None
    to_state: RequestState | None = None
    reason: str | None = Field(default=None, max_length=500)
    attachments: tuple[Attachment, ...] = ()
    media_url: str | None = Field(
        default=None,
        max_length=2000,
        description="an outside link to a photo or file the citizen's app hosts (Open311)",
    )
    conversation_id: str | None = Field(
        default=None, description="the conversation this message belongs to, if any"
    )


class SystemStatus(BaseModel):
    """How one back-office system answered for a request."""

    status: Literal["ok", "not_found", "unavailable"]
    available: bool
    fetched_at: datetime | None = None
    error: str | None = None


class Request(BaseModel):
    """What a citizen asked of the city, from intake to close."""

    reference: Reference
    request_type: RequestType
    theme_code: str | None = Field(default=None, description="None until free text is classified")
    description: Text
    location: Location | None = None
    input_channel: InputChannel
    response_channel: ResponseChannel
    language: Language
    state: RequestState
    responsible_group: str
    assigned_agent: str | None = Field(default=None, description="the staff user working it")
    former_groups: frozenset[str] = Field(
        default=frozenset(), description="the groups a reassignment took the request from"
    )
    priority: Priority = Priority.NORMAL
    sla_due_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    citizen_id: str | None = None
    applicant: Applicant | None = None
    origin: Interaction = Field(description="the inbound message that created the request")
    tracking_token_hash: str
    flags: frozenset[str] = frozenset()
    classification_confidence: float | None = Field(default=None, ge=0, le=1)
    duplicate_of: Reference | None = None
    backoffice: dict[str, "SystemStatus"] = Field(
        default_factory=dict, description="each back-office system's answer, by code"
    )
    routed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    triage_cause: str | None = Field(default=None, description="the error name, never its text")
    joined_to: Reference | None = Field(
        default=None, description="the principal request this one is joined to and follows"
    )
    joined: tuple[Reference, ...] = Field(
        default=(), description="the requests joined to this one, which share its resolution"
    )
    split_from: Reference | None = Field(
        default=None, description="the request whose message this one was split from"
    )
    parts: tuple[Reference, ...] = Field(
        default=(), description="the requests split from this one's message"
    )
    claim_of: Reference | None = Field(
        default=None, description="the closed or cancelled request this claim reopens"
    )
    claims: tuple[Reference, ...] = Field(
        default=(), description="the claims against this request, oldest first"
    )
    version: int = 1

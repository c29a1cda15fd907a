"""What every channel hands to the intake, and what the intake answers."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from finestra.domain.citizen import Consent, ContactPoint, EntityApplicant, Name
from finestra.domain.request import Attachment, Location, Text
from finestra.domain.vocabulary import (
    InputChannel,
    Language,
    RequestState,
    RequestType,
    ResponseChannel,
)


class InboundMessage(BaseModel):
    """A citizen's message, parsed from its channel and ready for the intake."""

    channel: InputChannel
    provider_message_id: str = Field(min_length=1, max_length=200)
    received_at: datetime
    sender: tuple[ContactPoint, ...] = Field(
        description="the channel's own contact point first (the number, the address)"
    )
    text: Text
    given_name: Name | None = None
    family_names: Name | None = None
    language: Language | None = None
    request_type: RequestType | None = None
    theme_code: str | None = None
    location: Location | None = None
    response_channel: ResponseChannel | None = None
    applicant: EntityApplicant | None = None
    consents: tuple[Consent, ...] = ()
    in_reply_to: str | None = Field(default=None, description="a reference the message answers")
    continue_pending: bool = Field(
        default=False, description="join the sender's request that is pending an answer"
    )
    attachments: tuple[Attachment, ...] = ()
    media_url: str | None = Field(
        default=None, max_length=2000, description="an outside link an Open311 app gave"
    )
    actor: str | None = Field(default=None, description="staff:<id> when staff took it down")


class IntakeOutcome(StrEnum):
    """What the intake did with a message."""

    REQUEST_CREATED = "request_created"
    ADDED_TO_REQUEST = "added_to_request"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    HELP_SENT = "help_sent"
    OPINION_RECORDED = "opinion_recorded"
    SURVEY_ANSWERED = "survey_answered"
    REJECTED = "rejected"


class IntakeResult(BaseModel):
    """The intake's answer; the same answer again when a message is replayed."""

    outcome: IntakeOutcome
    citizen_id: str | None
    new_citizen: bool = False
    reference: str | None = None
    state: RequestState | None = None
    rejection_reason: str | None = None
    tracking_token: str | None = Field(
        default=None, description="shown once to the citizen who created the request"
    )

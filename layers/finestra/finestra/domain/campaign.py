"""Campaigns: one message per language sent to a segment's citizens, and each recipient.

A campaign is written as a draft, launched (at once or at its ``starts_at``), planned
into batches of recipients, sent batch by batch and, when every batch is done,
completed. Staff may pause, resume or cancel it while it runs. Every SMS the city sends
is worded for GSM-7 and closed with the opt-out hint, so a message's length is checked
as the citizen's phone will receive it.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from finestra.domain.sms_text import gsm_safe, segments
from finestra.domain.vocabulary import ConsentPurpose, Language

__all__ = [
    "ALLOWED_MOVES",
    "BATCH_SIZE",
    "MAX_SMS_SEGMENTS",
    "OPT_OUT_HINT",
    "Campaign",
    "CampaignDraft",
    "CampaignState",
    "Channel",
    "Recipient",
    "RecipientState",
    "sms_body",
]

Channel = Literal["sms", "email"]

MAX_SMS_SEGMENTS: Final = 3
"""The longest a campaign's SMS may be, the opt-out hint included."""

BATCH_SIZE: Final = 99
"""Recipients per batch: a batch and the campaign's plan cursor are one transaction,
and DynamoDB takes at most 100 writes in one."""

OPT_OUT_HINT: Final = {
    Language.CA: "BAIXA per no rebre'n més",
    Language.ES: "BAJA para no recibir más",
    Language.EN: "STOP to receive no more",
}
"""What closes every campaign SMS: the keyword that withdraws the citizen's consent."""

MessageText = Annotated[str, Field(min_length=1, max_length=2000)]
Subject = Annotated[str, Field(min_length=1, max_length=150)]


class CampaignState(StrEnum):
    """Where a campaign stands."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PLANNING = "planning"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


ALLOWED_MOVES: Final = {
    "launch": (frozenset({CampaignState.DRAFT}), None),
    "pause": (frozenset({CampaignState.RUNNING, CampaignState.SCHEDULED}), CampaignState.PAUSED),
    "resume": (frozenset({CampaignState.PAUSED}), CampaignState.RUNNING),
    "cancel": (
        frozenset(
            {
                CampaignState.DRAFT,
                CampaignState.SCHEDULED,
                CampaignState.PLANNING,
                CampaignState.RUNNING,
                CampaignState.PAUSED,
            }
        ),
        CampaignState.CANCELLED,
    ),
}
"""Each staff action: the states it may start from and the state it leads to."""


class RecipientState(StrEnum):
    """Where one citizen of a campaign stands."""

    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    OPTED_OUT = "opted_out"
    ANSWERED = "answered"


def sms_body(text: str, language: Language, prompt: str | None = None) -> str:
    """The SMS a citizen receives: the text, a survey's reply prompt, the opt-out hint.

    Parameters
    ----------
    text
        The campaign's message in ``language``.
    language
        The citizen's language, which picks the hint.
    prompt
        How to answer the campaign's survey by reply, if it has one.

    Returns
    -------
    str
        The whole message, worded for GSM-7.
    """
    parts = [text, prompt, OPT_OUT_HINT[language]]
    return gsm_safe("\n".join(part for part in parts if part))


class CampaignDraft(BaseModel):
    """What staff write of a campaign; each rule is checked on the field it is about."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    segment_id: str = Field(min_length=1, max_length=80)
    purpose: ConsentPurpose
    channels: list[Channel] = Field(min_length=1, max_length=2)
    messages: dict[Language, MessageText]
    survey_id: str | None = Field(default=None, min_length=1, max_length=80, validate_default=True)
    subject: dict[Language, Subject] = Field(default_factory=dict)
    starts_at: datetime | None = None
    quiet_hours_override: bool = False
    rate_per_second: int = Field(default=10, ge=1, le=100)

    @field_validator("purpose")
    @classmethod
    def _not_service(cls, purpose: ConsentPurpose) -> ConsentPurpose:
        if purpose is ConsentPurpose.SERVICE:
            raise ValueError("a campaign is for campaigns or surveys")
        return purpose

    @field_validator("channels")
    @classmethod
    def _unique(cls, channels: list[Channel]) -> list[Channel]:
        if len(set(channels)) != len(channels):
            raise ValueError("each channel appears once")
        return channels

    @field_validator("messages")
    @classmethod
    def _sendable(cls, messages: dict[Language, str], info: ValidationInfo) -> dict[Language, str]:
        if Language.CA not in messages:
            raise ValueError("a message in ca is required, the fallback language")
        if "sms" in (info.data.get("channels") or []):
            for language, text in messages.items():
                if segments(sms_body(text, language)).segments > MAX_SMS_SEGMENTS:
                    raise ValueError(
                        f"the {language.value} SMS is longer than {MAX_SMS_SEGMENTS} segments"
                    )
        return messages

    @field_validator("survey_id")
    @classmethod
    def _survey_named(cls, survey_id: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("purpose") is ConsentPurpose.SURVEYS and survey_id is None:
            raise ValueError("a survey campaign names its survey")
        return survey_id

    def message(self, language: Language) -> str:
        """The message in ``language``, or in ca when there is none."""
        return self.messages.get(language) or self.messages[Language.CA]

    def subject_in(self, language: Language) -> str:
        """The email subject in ``language``, falling back to ca, then to the name."""
        return self.subject.get(language) or self.subject.get(Language.CA) or self.name


class Campaign(CampaignDraft):
    """A stored campaign, with its state, its plan and the counts of its recipients."""

    model_config = ConfigDict(extra="ignore")

    id: str
    state: CampaignState = CampaignState.DRAFT
    counts: dict[RecipientState, int] = Field(default_factory=dict)
    version: int = 1
    created_by: str
    created_at: datetime
    updated_at: datetime
    batches: int = Field(default=0, ge=0, description="batches planned so far")
    batches_done: int = Field(default=0, ge=0)
    cursor: str | None = Field(default=None, description="the last citizen id planned")
    planned_at: datetime | None = None


class Recipient(BaseModel):
    """One citizen of a campaign: no contact point, only ids, language and state."""

    model_config = ConfigDict(extra="ignore")

    campaign_id: str
    batch: int = Field(ge=0)
    citizen_id: str
    language: Language
    channel: Channel | None
    state: RecipientState
    reason: str | None = None
    message_id: str | None = None
    at: datetime

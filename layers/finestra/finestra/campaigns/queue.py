"""The sender's queue: what is put on it, and the messages it carries.

Three kinds of message travel on the campaign queue: a plan to carry on
(``{"plan": <campaign id>}``), a batch to send (``{"campaign_id", "batch"}``) and a
one-off satisfaction invitation (``{"invitation": {"survey_id", "citizen_id",
"reference"}}``). None carries personal data.
"""

import json
from collections.abc import Iterable
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from finestra.domain.errors import Conflict, MalformedInput

__all__ = [
    "BatchMessage",
    "CampaignQueue",
    "Invitation",
    "InvitationMessage",
    "PlanMessage",
    "QueueMessage",
    "read_message",
]

ENTRIES_PER_CALL: Final = 10


class BatchMessage(BaseModel):
    """Send one batch of a campaign."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign_id: str = Field(min_length=1)
    batch: int = Field(ge=0)


class PlanMessage(BaseModel):
    """Carry on planning a campaign from its cursor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan: str = Field(min_length=1)


class Invitation(BaseModel):
    """A satisfaction survey for the applicant of a closed request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    survey_id: str = Field(min_length=1)
    citizen_id: str = Field(min_length=1)
    reference: str = Field(min_length=1)


class InvitationMessage(BaseModel):
    """Send one satisfaction invitation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    invitation: Invitation


QueueMessage = BatchMessage | PlanMessage | InvitationMessage
_READER: Final = TypeAdapter[QueueMessage](QueueMessage)


def read_message(body: str) -> QueueMessage:
    """The message an SQS body carries.

    Raises
    ------
    MalformedInput
        When the body is none of the three kinds.
    """
    try:
        return _READER.validate_python(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise MalformedInput("is not a campaign queue message", field="body") from exc


class CampaignQueue:
    """Puts messages on the campaign queue (``SendMessageBatch``, ten at a time)."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, messages: Iterable[QueueMessage]) -> int:
        """Queue ``messages``; return how many were queued.

        Raises
        ------
        Conflict
            When SQS refuses an entry (the caller tries again; the sender's claims make
            a message queued twice harmless).
        """
        pending = [m.model_dump_json() for m in messages]
        for start in range(0, len(pending), ENTRIES_PER_CALL):
            chunk = pending[start : start + ENTRIES_PER_CALL]
            response = self._client.send_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)],
            )
            if response.get("Failed"):
                raise Conflict("the campaign queue refused a message; try again")
        return len(pending)

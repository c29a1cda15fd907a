"""Delivery events: what SES and End User Messaging say became of each message sent.

Both reach one SNS topic and, through it, one SQS queue: SES publishes the events of
its configuration set (``Delivery``, ``Bounce``, ``Complaint``; the record's
``eventType``, ``mail.messageId``), and End User Messaging SMS those of its
configuration set (``eventType`` ``TEXT_DELIVERED``, ``TEXT_INVALID``, ``TEXT_BLOCKED``
and so on; ``messageId``). The provider's message id finds the recipient through its
``MESSAGE#`` index item; the recipient moves ``sent`` → ``delivered`` or ``sent`` /
``delivered`` → ``failed``, conditionally, so an event seen twice or out of order moves
nothing backwards (an ``answered`` recipient stays answered). A permanent bounce or a
complaint also withdraws the citizen's email consent to campaigns.
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from finestra.campaigns.optout import OptOut
from finestra.campaigns.store import CampaignStore
from finestra.domain.campaign import Recipient, RecipientState
from finestra.domain.errors import MalformedInput, NotFound
from finestra.domain.vocabulary import ConsentPurpose, InputChannel

__all__ = ["DeliveryEvent", "DeliveryEvents", "DeliveryOutcome", "read_event"]

SMS_DELIVERED: Final = frozenset({"TEXT_DELIVERED"})
SMS_FAILED: Final = frozenset(
    {
        "TEXT_INVALID",
        "TEXT_INVALID_MESSAGE",
        "TEXT_UNREACHABLE",
        "TEXT_CARRIER_UNREACHABLE",
        "TEXT_BLOCKED",
        "TEXT_CARRIER_BLOCKED",
        "TEXT_SPAM",
        "TEXT_UNKNOWN",
        "TEXT_TTL_EXPIRED",
        "TEXT_PROTECT_BLOCKED",
    }
)
"""End User Messaging's final failures of a text message."""

Verdict = Literal["delivered", "failed", "complaint", "ignored"]


class DeliveryEvent(BaseModel):
    """What one provider event says, without any address or text."""

    model_config = ConfigDict(frozen=True)

    channel: Literal["sms", "email"]
    message_id: str
    verdict: Verdict
    kind: str
    """The provider's own event type, for logs and metrics."""
    withdraws: bool = False


def read_event(message: str) -> DeliveryEvent:
    """The event an SNS message from SES or End User Messaging carries.

    Raises
    ------
    MalformedInput
        When the message is neither.
    """
    try:
        data = json.loads(message)
    except ValueError as exc:
        raise MalformedInput("is not JSON", field="Message") from exc
    if not isinstance(data, dict) or not isinstance(data.get("eventType"), str):
        raise MalformedInput("has no eventType", field="Message")
    kind = str(data["eventType"])
    if isinstance(data.get("mail"), dict):
        return _email(kind, data)
    if isinstance(data.get("messageId"), str):
        return DeliveryEvent(
            channel="sms",
            message_id=data["messageId"],
            verdict=_sms_verdict(kind),
            kind=kind,
        )
    raise MalformedInput("names no message", field="Message")


def _email(kind: str, data: dict[str, Any]) -> DeliveryEvent:
    message_id = data["mail"].get("messageId")
    if not isinstance(message_id, str):
        raise MalformedInput("names no message", field="Message.mail.messageId")
    verdict: Verdict = "ignored"
    withdraws = False
    if kind == "Delivery":
        verdict = "delivered"
    elif kind == "Bounce":
        verdict = "failed"
        withdraws = (data.get("bounce") or {}).get("bounceType") == "Permanent"
    elif kind == "Complaint":
        verdict, withdraws = "complaint", True
    return DeliveryEvent(
        channel="email", message_id=message_id, verdict=verdict, kind=kind, withdraws=withdraws
    )


def _sms_verdict(kind: str) -> Verdict:
    if kind in SMS_DELIVERED:
        return "delivered"
    if kind in SMS_FAILED:
        return "failed"
    return "ignored"


class DeliveryOutcome(BaseModel):
    """What one event did."""

    model_config = ConfigDict(frozen=True)

    outcome: Literal["delivered", "failed", "withdrawn", "unchanged", "unknown", "ignored"]
    kind: str
    channel: Literal["sms", "email"]
    campaign_id: str | None = None


class DeliveryEvents:
    """Moves recipients on the providers' events."""

    def __init__(self, store: CampaignStore, optout: OptOut, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._optout = optout
        self._clock = clock

    def receive(self, event: DeliveryEvent) -> DeliveryOutcome:
        """Apply one event to the recipient its message was sent to."""
        if event.verdict == "ignored":
            return self._outcome(event, "ignored")
        index = self._store.message(event.message_id)
        if index is None:
            return self._outcome(event, "unknown")
        campaign_id = str(index["campaign_id"])
        recipient = self._store.recipient(
            campaign_id, int(index["batch"]), str(index["citizen_id"])
        )
        if recipient is None:
            return self._outcome(event, "unknown", campaign_id)
        withdrawn = event.withdraws and self._withdraw(recipient)
        moved = self._move(recipient, event)
        if moved:
            return self._outcome(event, moved, campaign_id)
        return self._outcome(event, "withdrawn" if withdrawn else "unchanged", campaign_id)

    def _move(
        self, recipient: Recipient, event: DeliveryEvent
    ) -> Literal["delivered", "failed"] | None:
        now = self._clock()
        delivered = event.verdict == "delivered" and recipient.state is RecipientState.SENT
        if delivered and self._store.mark(
            recipient, {RecipientState.SENT}, RecipientState.DELIVERED, now
        ):
            return "delivered"
        if event.verdict == "failed" and recipient.state in {
            RecipientState.SENT,
            RecipientState.DELIVERED,
        }:
            sources = {RecipientState.SENT, RecipientState.DELIVERED}
            if self._store.mark(recipient, sources, RecipientState.FAILED, now, event.kind.lower()):
                return "failed"
        return None

    def _withdraw(self, recipient: Recipient) -> bool:
        try:
            return self._optout.withdraw(
                recipient.citizen_id, "email", [ConsentPurpose.CAMPAIGNS], InputChannel.EMAIL
            )
        except NotFound:
            return False

    @staticmethod
    def _outcome(
        event: DeliveryEvent,
        outcome: Literal["delivered", "failed", "withdrawn", "unchanged", "unknown", "ignored"],
        campaign_id: str | None = None,
    ) -> DeliveryOutcome:
        return DeliveryOutcome(
            outcome=outcome, kind=event.kind, channel=event.channel, campaign_id=campaign_id
        )

"""SMS through AWS End User Messaging: inbound messages, keywords and replies."""

import json
import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finestra.domain.citizen import Consent, ContactPoint
from finestra.domain.contacts import Phone
from finestra.domain.errors import MalformedInput, first_broken_rule
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, InputChannel, Language
from finestra.intake.message import InboundMessage, IntakeOutcome, IntakeResult
from finestra.intake.service import IntakeService

if TYPE_CHECKING:
    from finestra.surveys.replies import SmsReplies


class InboundSms(BaseModel):
    """The JSON End User Messaging publishes to SNS for each inbound SMS."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    origination_number: Phone = Field(alias="originationNumber")
    destination_number: str = Field(alias="destinationNumber", min_length=1)
    message_keyword: str | None = Field(default=None, alias="messageKeyword")
    message_body: str = Field(alias="messageBody", max_length=1600)
    inbound_message_id: str = Field(alias="inboundMessageId", min_length=1)
    previous_published_message_id: str | None = Field(
        default=None, alias="previousPublishedMessageId"
    )


def parse_inbound(message: str) -> InboundSms:
    """The SNS ``Message`` string as an :class:`InboundSms`, or a named validation error."""
    try:
        data: Any = json.loads(message)
    except ValueError as exc:
        raise MalformedInput("is not JSON", field="Message") from exc
    if not isinstance(data, dict):
        raise MalformedInput("is not a JSON object", field="Message")
    try:
        return InboundSms.model_validate(data)
    except ValidationError as exc:
        raise first_broken_rule(exc) from None


OPT_OUT = {
    "stop": Language.EN,
    "baixa": Language.CA,
    "baja": Language.ES,
    "unsubscribe": Language.EN,
    "cancelar": Language.ES,
}
OPT_IN = {"start": Language.EN, "alta": Language.CA, "unstop": Language.EN}
HELP = {"help": Language.EN, "ajuda": Language.CA, "ayuda": Language.ES, "info": Language.CA}

HELP_TEXT = {
    Language.CA: "Ajuntament: escriu el problema i l'adreca. BAIXA per no rebre SMS, "
    "ALTA per tornar-ne a rebre.",
    Language.ES: "Ayuntamiento: escribe el problema y la direccion. BAJA para no recibir SMS, "
    "ALTA para volver a recibirlos.",
    Language.EN: "City council: text the problem and the address. STOP to receive no SMS, "
    "START to receive them again.",
}
"""HELP answers, worded in GSM-7 (no accents) so each fits in one 160-character segment."""


def keyword_of(body: str) -> str | None:
    """The keyword a message consists of, lower case without accents, if it is one word."""
    words = re.findall(r"[^\W\d_]+", body)
    if len(words) != 1 or len(body.strip()) > 20:
        return None
    plain = unicodedata.normalize("NFKD", words[0]).encode("ascii", "ignore").decode()
    return plain.lower()


class SmsDelivery(BaseModel):
    """One inbound SMS and when SNS received it."""

    sms: InboundSms
    received_at: datetime


class SmsSender(Protocol):
    """Sends one SMS; the End User Messaging adapter in AWS, SNS where it is missing."""

    def send(self, *, to: str, text: str, reply_to: str | None) -> str:
        """Send ``text`` to ``to`` and return the provider's message id."""
        ...


class SmsChannel:
    """The domain function behind the SMS intake Lambda."""

    def __init__(
        self, intake: IntakeService, sender: SmsSender, replies: "SmsReplies | None" = None
    ) -> None:
        self._intake = intake
        self._sender = sender
        self._replies = replies

    def receive(self, delivery: SmsDelivery) -> IntakeResult:
        """Answer a keyword, or add the text to the sender's open request, or open one.

        The survey replies come first: an opt-out is confirmed (then recorded below as
        before), and a survey's answer is recorded and goes no further.
        """
        sms, received_at = delivery.sms, delivery.received_at
        point = ContactPoint(
            kind=ContactKind.PHONE, value=sms.origination_number, first_seen_on=InputChannel.SMS
        )
        if self._replies is not None:
            action = self._replies.handle(
                point,
                sms.message_body,
                lambda text: self._sender.send(
                    to=sms.origination_number, text=text, reply_to=sms.destination_number
                ),
            )
            if action is not None and action.result is not None:
                return action.result
        keyword = keyword_of(sms.message_body)
        if keyword in OPT_OUT or keyword in OPT_IN:
            granted = keyword in OPT_IN
            language = OPT_IN.get(keyword) if granted else OPT_OUT.get(keyword)
            consents = [
                Consent(
                    channel="sms",
                    purpose=purpose,
                    granted=granted,
                    recorded_at=received_at,
                    source=InputChannel.SMS,
                )
                for purpose in ConsentPurpose
            ]
            return self._intake.record_consent(point, consents, language)
        if keyword in HELP:
            return self._help(sms, point, HELP[keyword])
        message = InboundMessage(
            channel=InputChannel.SMS,
            provider_message_id=sms.inbound_message_id,
            received_at=received_at,
            sender=(point,),
            text=sms.message_body,
            continue_pending=True,
        )
        return self._intake.submit(message)

    def _help(self, sms: InboundSms, point: ContactPoint, language: Language) -> IntakeResult:
        citizen = self._intake.find_citizen(point)
        self._sender.send(
            to=sms.origination_number, text=HELP_TEXT[language], reply_to=sms.destination_number
        )
        return IntakeResult(
            outcome=IntakeOutcome.HELP_SENT, citizen_id=citizen.id if citizen else None
        )

"""The outside world of the local stack: what citizens send the city, and what it sent.

Each delivery takes the path it takes in AWS, from the point where AWS hands it on:

- an SMS is End User Messaging's inbound notification published to the inbound SMS
  topic, which the template's subscription and queue bring to the SMS intake;
- an email is stored as SES's receipt rule stores it (raw MIME, with the headers SES
  adds, under the rule's prefix in its bucket), and SES's ``Received`` notification is
  published to the rule's topic;
- a call is Amazon Connect's contact-flow event, invoked on the voice intake;
- a social post or direct message is the network's webhook delivery, signed with the
  app secret kept in the stack's social webhook secret and delivered to the webhook's
  route as the HTTP API does.

The outbox lists every SMS and email the city sent, read from what moto recorded.
Moto keeps no time of sending, so :func:`record_send_times` wraps moto's SNS publish
and SES send methods to note one; a message sent before it was applied gets the time
the outbox first saw it.

Names and ARNs come from the resources the stack created from ``template.yaml``.
"""

from __future__ import annotations

import base64
import email.policy
import functools
import hashlib
import hmac
import json
import logging
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, getaddresses, make_msgid
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

from moto.ses.models import Message, RawMessage, SESBackend, ses_backends
from moto.sns.models import SNSBackend, sns_backends
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from finestra.domain.contacts import Email, Phone
from finestra.domain.errors import (
    FinestraError,
    MalformedInput,
    NotFound,
    ValidationFailed,
    first_broken_rule,
)
from finestra.domain.sms_text import Encoding, segments
from finestra_local.gateway import Answer, Route, proxy_event, routes_of
from finestra_local.resources import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from finestra_local.stack import Stack

__all__ = [
    "CITY_NUMBER",
    "ENDPOINTS",
    "PAGE_ID",
    "RECEIPT_SUBJECT",
    "AttachmentIn",
    "CallIn",
    "DeliveryFailed",
    "EmailIn",
    "OutboxQuery",
    "OutsideWorld",
    "SentMessage",
    "SmsIn",
    "SocialIn",
    "WebhookAnswer",
    "compose_mail",
    "contact_flow_event",
    "inbound_sms",
    "received_notification",
    "record_send_times",
    "ses_message_id",
    "signed_headers",
    "social_author_id",
    "social_delivery",
]

_log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

CITY_NUMBER: Final = "+34930000000"
"""The city's SMS and phone number when the template names no origination identity."""
PAGE_ID: Final = "104857600012345"
"""The city's page on the social network."""
MAIL_BOX: Final = "bustia"
"""The local part of the city's default inbound address."""
RECEIPT_SUBJECT: Final = "Amazon SES Email Receipt Notification"
SOCIAL_OBJECTS: Final = {"facebook": "page", "instagram": "instagram"}
NETWORK_IP: Final = "192.0.2.17"
_LANGUAGE_CODES: Final = {"ca": "ca-ES", "es": "es-ES", "en": "en-GB"}
_LOCAL_CONNECT: Final = uuid.uuid5(uuid.NAMESPACE_URL, "finestra-local/connect")

SMS_TOPIC: Final = "SmsInboundTopic"
MAIL_RULE: Final = "InboundMailRule"
VOICE_FUNCTION: Final = "VoiceIntakeFunction"
SOCIAL_FUNCTION: Final = "SocialWebhookFunction"
SOCIAL_SECRET: Final = "SocialWebhookSecret"  # noqa: S105 - a logical id, not a secret


class DeliveryFailed(FinestraError):
    """The city's function did not answer a delivery (it raised, or answered nothing)."""

    code = "delivery_failed"


class _WrongMethod(FinestraError):
    code = "method_not_allowed"


_STATUS: Final[Mapping[type[FinestraError], int]] = {
    ValidationFailed: 400,
    MalformedInput: 400,
    NotFound: 404,
    _WrongMethod: 405,
    DeliveryFailed: 502,
}


class _SendTimes:
    """When moto accepted each message, by message id; moto keeps no such time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at: dict[str, datetime] = {}
        self._applied = False

    def stamp(self, message_id: str) -> None:
        with self._lock:
            self._at.setdefault(message_id, datetime.now(UTC))

    def of(self, message_id: str) -> datetime:
        """The message's time of sending, or now for one sent before the wrapping."""
        with self._lock:
            return self._at.setdefault(message_id, datetime.now(UTC))

    def apply(self) -> None:
        with self._lock:
            if self._applied:
                return
            SNSBackend.publish = self._wrapped(SNSBackend.publish, str)  # type: ignore[method-assign]
            SESBackend.send_email = self._wrapped(  # type: ignore[method-assign]
                SESBackend.send_email, lambda m: m.id
            )
            SESBackend.send_raw_email = self._wrapped(  # type: ignore[method-assign]
                SESBackend.send_raw_email, lambda m: m.id
            )
            self._applied = True

    def _wrapped(self, send: Callable[..., Any], id_of: Callable[[Any], str]) -> Callable[..., Any]:
        @functools.wraps(send)
        def timed(*args: Any, **kwargs: Any) -> Any:
            result = send(*args, **kwargs)
            self.stamp(id_of(result))
            return result

        return timed


_SEND_TIMES: Final = _SendTimes()


def record_send_times() -> None:
    """Make moto note when it accepts each SMS and email; once per process."""
    _SEND_TIMES.apply()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _aws_time(at: datetime) -> str:
    """A timestamp as AWS writes it in notifications: UTC, milliseconds, ``Z``."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------- bodies


def _base64(value: Any) -> bytes:
    """Standard base64 with nothing outside its alphabet (pydantic's own skips such bytes)."""
    try:
        return base64.b64decode(value, validate=True)
    except (TypeError, ValueError) as exc:
        raise PydanticCustomError("base64", "is not base64") from exc


Base64Content = Annotated[bytes, BeforeValidator(_base64)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SmsIn(_Body):
    """``POST /_local/sms``: an SMS a citizen sends the city."""

    sender: Phone = Field(alias="from")
    to: Phone | None = None
    text: str = Field(min_length=1, max_length=1600)


class AttachmentIn(_Body):
    """One attached file, its content in base64."""

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(
        default="application/octet-stream", pattern=r"^[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+$"
    )
    content_base64: Base64Content


class EmailIn(_Body):
    """``POST /_local/email``: a message to the city's mail domain, composed or raw."""

    sender: Email | None = Field(default=None, alias="from")
    name: str | None = Field(default=None, max_length=120)
    to: Email | None = None
    subject: str = Field(default="", max_length=998)
    text: str = Field(default="", max_length=100_000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    raw: str | None = Field(default=None, min_length=1, max_length=10_000_000)


class CallIn(_Body):
    """``POST /_local/call``: what the contact flow collected on a call."""

    sender: Phone | None = Field(default=None, alias="from")
    operation: Literal["lookup", "create_request"] | None = None
    theme: str | None = Field(default=None, min_length=1, max_length=200)
    transcript: str | None = Field(default=None, min_length=1, max_length=4000)
    request_type: str | None = Field(default=None, max_length=40)
    language: str | None = Field(default=None, max_length=10)
    address: str | None = Field(default=None, max_length=200)
    district_code: str | None = Field(default=None, max_length=10)
    neighbourhood_code: str | None = Field(default=None, max_length=10)
    response_channel: str | None = Field(default=None, max_length=20)
    identity_verified: bool = False

    def parameters(self) -> dict[str, str]:
        """The flow block's parameters: strings only, and only what was collected."""
        wanted = self.operation or ("create_request" if self.theme or self.transcript else "lookup")
        values = {
            "operation": wanted,
            "theme_code": self.theme,
            "request_type": self.request_type,
            "description": self.transcript,
            "language": self.language,
            "address": self.address,
            "district_code": self.district_code,
            "neighbourhood_code": self.neighbourhood_code,
            "response_channel": self.response_channel,
        }
        found = {key: value for key, value in values.items() if value is not None}
        if wanted == "create_request":
            found["identity_verified"] = str(self.identity_verified).lower()
        return found


class SocialIn(_Body):
    """``POST /_local/social``: a post on the city's page, or a direct message to it."""

    network: Literal["facebook", "instagram"] = "facebook"
    kind: Literal["post", "direct"] = "post"
    author: str = Field(pattern=r"^@?[A-Za-z0-9._]{1,30}$")
    text: str = Field(min_length=1, max_length=4000)


class OutboxQuery(_Body):
    """``GET /_local/outbox``'s filters."""

    to: str | None = Field(default=None, min_length=1)
    channel: Literal["sms", "email"] | None = None
    since: datetime | None = None


def _valid(model: type[M], data: Any) -> M:
    """``data`` as ``model``, or the first broken rule as a :class:`ValidationFailed`."""
    if not isinstance(data, dict):
        raise MalformedInput("must be a JSON object", field="body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise first_broken_rule(exc) from None


# ---------------------------------------------------------------- what AWS sends


def inbound_sms(sender: str, to: str, text: str, message_id: str) -> dict[str, str]:
    """End User Messaging's notification of one inbound SMS, as it publishes it to SNS."""
    return {
        "originationNumber": sender,
        "destinationNumber": to,
        "messageKeyword": f"KEYWORD_{ACCOUNT_ID}",
        "messageBody": text,
        "inboundMessageId": message_id,
    }


def ses_message_id() -> str:
    """A new message id in SES's form: 40 lower-case letters and digits."""
    return base64.b32encode(secrets.token_bytes(25)).decode().lower()


def compose_mail(
    sender: str,
    recipient: str,
    *,
    subject: str,
    text: str,
    name: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    at: datetime,
) -> bytes:
    """The MIME message a mail client would send: plain text, then each attachment."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = formataddr((name, sender)) if name else sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message.set_content(text)
    for filename, content_type, content in attachments:
        main, _, sub = content_type.partition("/")
        message.add_attachment(content, maintype=main, subtype=sub, filename=filename)
    return message.as_bytes()


def _as_received(raw: bytes, sender: str, recipient: str, message_id: str, at: datetime) -> bytes:
    """``raw`` with the trace and verdict headers SES puts above a message it stores."""
    newline = b"\r\n" if b"\r\n" in raw.split(b"\n", 1)[0] + b"\n" else b"\n"
    added = [
        f"Return-Path: <{sender}>",
        f"Received: from mail.{sender.rpartition('@')[2]} by inbound-smtp.{REGION}.amazonaws.com"
        f" with SMTP id {message_id} for {recipient}; {format_datetime(at.astimezone(UTC))}",
        "X-SES-Spam-Verdict: PASS",
        "X-SES-Virus-Verdict: PASS",
    ]
    return newline.join(line.encode() for line in added) + newline + raw


def received_notification(
    stored: bytes,
    *,
    sender: str,
    recipient: str,
    message_id: str,
    action: Mapping[str, str],
    at: datetime,
    took_ms: int,
) -> dict[str, Any]:
    """SES's ``Received`` notification of a message its S3 action stored.

    Parameters
    ----------
    stored
        The message as SES stored it, its own trace headers on top.
    sender, recipient
        The SMTP envelope: ``MAIL FROM`` and the one ``RCPT TO`` at the city's domain.
    message_id
        SES's id of the message, the last part of its object key.
    action
        ``bucketName``, ``objectKeyPrefix``, ``objectKey`` and ``topicArn``.
    at
        When SES received the message.
    took_ms
        How long SES took to store it.
    """
    raw_headers = BytesParser(policy=email.policy.compat32).parsebytes(stored, headersonly=True)
    headers = [
        {"name": name, "value": str(value).replace("\r", "").replace("\n", "")}
        for name, value in raw_headers.items()
    ]
    parsed = BytesParser(policy=email.policy.default).parsebytes(stored, headersonly=True)
    common: dict[str, Any] = {
        "returnPath": sender,
        "from": [str(value) for value in parsed.get_all("From", [])],
        "date": str(parsed.get("Date", "")),
        "to": [str(value) for value in parsed.get_all("To", [])],
        "messageId": str(parsed.get("Message-ID", "")),
        "subject": str(parsed.get("Subject", "")),
    }
    when = _aws_time(at)
    return {
        "notificationType": "Received",
        "mail": {
            "timestamp": when,
            "source": sender,
            "messageId": message_id,
            "destination": [recipient],
            "headersTruncated": False,
            "headers": headers,
            "commonHeaders": common,
        },
        "receipt": {
            "timestamp": when,
            "processingTimeMillis": took_ms,
            "recipients": [recipient],
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": "PASS"},
            # Nothing signs or publishes policies on one machine: SES's "no verdict".
            "spfVerdict": {"status": "GRAY"},
            "dkimVerdict": {"status": "GRAY"},
            "dmarcVerdict": {"status": "GRAY"},
            "action": {"type": "S3", **action},
        },
    }


def contact_flow_event(
    parameters: Mapping[str, str],
    *,
    caller: str | None,
    contact_id: str,
    city_number: str,
    instance_arn: str,
) -> dict[str, Any]:
    """Amazon Connect's event for an "Invoke AWS Lambda function" block of an inbound call."""
    language = parameters.get("language")
    endpoint = {"Address": caller or "anonymous", "Type": "TELEPHONE_NUMBER"}
    city = {"Address": city_number, "Type": "TELEPHONE_NUMBER"}
    queue = f"{instance_arn}/queue/{uuid.uuid5(_LOCAL_CONNECT, 'citizen-line')}"
    return {
        "Details": {
            "ContactData": {
                "Attributes": {"language": language} if language else {},
                "Channel": "VOICE",
                "ContactId": contact_id,
                "CustomerEndpoint": endpoint,
                "CustomerId": None,
                "Description": None,
                "InitialContactId": contact_id,
                "InitiationMethod": "INBOUND",
                "InstanceARN": instance_arn,
                "LanguageCode": _LANGUAGE_CODES.get(language or "", "ca-ES"),
                "MediaStreams": {
                    "Customer": {
                        "Audio": {
                            "StartFragmentNumber": None,
                            "StartTimestamp": None,
                            "StreamARN": None,
                        }
                    }
                },
                "Name": None,
                "PreviousContactId": contact_id,
                "Queue": {"ARN": queue, "Name": "CitizenLine", "OutboundCallerId": city},
                "References": {},
                "SegmentAttributes": {"connect:Subtype": {"ValueString": "connect:Telephony"}},
                "SystemEndpoint": city,
            },
            "Parameters": dict(parameters),
        },
        "Name": "ContactFlowEvent",
    }


def social_author_id(network: str, handle: str) -> str:
    """The network's id for a handle: 16 digits, the same for the same handle each time."""
    digest = hashlib.sha256(f"{network}:{handle.lstrip('@').lower()}".encode()).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**16:016d}"


def social_delivery(
    network: Literal["facebook", "instagram"],
    kind: Literal["post", "direct"],
    *,
    author: str,
    text: str,
    item_id: str,
    at: datetime,
) -> bytes:
    """The webhook body the network sends for one visitor post or direct message."""
    author_id = social_author_id(network, author)
    seconds = int(at.timestamp())
    millis = int(at.timestamp() * 1000)
    entry: dict[str, Any]
    if kind == "direct":
        message = {
            "sender": {"id": author_id},
            "recipient": {"id": PAGE_ID},
            "timestamp": millis,
            "message": {"mid": item_id, "text": text},
        }
        entry = {"time": millis, "id": PAGE_ID, "messaging": [message]}
    else:
        value = {
            "from": {"id": author_id, "name": author.lstrip("@")},
            "message": text,
            "post_id": item_id,
            "created_time": seconds,
            "item": "post",
            "published": 1,
            "verb": "add",
        }
        entry = {"id": PAGE_ID, "time": seconds, "changes": [{"value": value, "field": "feed"}]}
    document = {"entry": [entry], "object": SOCIAL_OBJECTS[network]}
    return json.dumps(document, separators=(",", ":")).encode()


def signed_headers(app_secret: str, body: bytes) -> dict[str, str]:
    """The headers of the network's webhook request, signed with the app's secret."""
    key = app_secret.encode()
    return {
        "User-Agent": "facebookexternalua",
        "Accept": "*/*",
        "Content-Type": "application/json",
        "X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest(),
        "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
        "X-Forwarded-For": NETWORK_IP,
        "Content-Length": str(len(body)),
    }


# ---------------------------------------------------------------- what the city sent


class SentMessage(BaseModel):
    """One SMS or email the city sent, to one recipient."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    channel: Literal["sms", "email"]
    to: str
    sender: str = Field(alias="from")
    subject: str | None = None
    text: str
    segments: int | None = Field(default=None, description="SMS only")
    encoding: Encoding | None = Field(default=None, description="SMS only")
    sent_at: datetime
    message_id: str

    def as_json(self) -> dict[str, Any]:
        """The outbox item: SMS items without a subject, emails without a cost."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _sent_sms(sender: str) -> list[SentMessage]:
    backend = sns_backends[ACCOUNT_ID][REGION]
    found = []
    for message_id, (number, text) in list(backend.sms_messages.items()):
        cost = segments(text)
        found.append(
            SentMessage(
                channel="sms",
                to=number,
                sender=sender,
                text=text,
                segments=cost.segments,
                encoding=cost.encoding,
                sent_at=_SEND_TIMES.of(message_id),
                message_id=message_id,
            )
        )
    return found


def _mail_content(sent: Any) -> tuple[list[str], str, str] | None:
    """Recipients, subject and text of one message moto's SES kept; ``None`` for others."""
    if isinstance(sent, Message):
        to = [address for addresses in sent.destinations.values() for address in addresses]
        return to, str(sent.subject), str(sent.body)
    if isinstance(sent, RawMessage):
        parsed = BytesParser(policy=email.policy.default).parsebytes(str(sent.raw_data).encode())
        body = parsed.get_body(preferencelist=("plain", "html"))
        text = str(body.get_content()) if isinstance(body, EmailMessage) else ""
        # Moto adds the To, Cc and Bcc headers' addresses to the envelope's, once more.
        unique: dict[str, str] = {}
        for _, address in getaddresses(list(sent.destinations)):
            if address:
                unique.setdefault(address.lower(), address)
        subject = str(parsed.get("Subject", ""))
        return list(unique.values()), subject, text.replace("\r\n", "\n")
    return None


def _sent_mail() -> list[SentMessage]:
    backend = ses_backends[ACCOUNT_ID][REGION]
    found: list[SentMessage] = []
    for sent in list(backend.sent_messages):
        content = _mail_content(sent)
        if content is None:
            continue
        recipients, subject, text = content
        found.extend(
            SentMessage(
                channel="email",
                to=recipient,
                sender=str(sent.source),
                subject=subject,
                text=text,
                sent_at=_SEND_TIMES.of(str(sent.id)),
                message_id=str(sent.id),
            )
            for recipient in recipients
        )
    return found


# ---------------------------------------------------------------- the world


@dataclass(frozen=True)
class WebhookAnswer:
    """What the city's webhook answered the network."""

    status: int
    body: Any


Handler = Callable[[Mapping[str, list[str]], bytes], tuple[int, Any]]

ENDPOINTS: Final[Mapping[tuple[str, str], tuple[str, Any]]] = {
    ("POST", "/_local/sms"): (
        "an SMS to the city, through End User Messaging's inbound topic",
        {"from": "+34600000001", "text": "El fanal del carrer de Mallorca, 250 no s'encen"},
    ),
    ("POST", "/_local/email"): (
        "an email to the city's mail domain, through SES's receipt rule (S3 and SNS)",
        {
            "from": "veina@example.org",
            "subject": "Bache en la calle de Aribau",
            "text": "Hay un bache peligroso delante del numero 30.",
            "attachments": [
                {
                    "filename": "bache.txt",
                    "content_type": "text/plain",
                    "content_base64": "QmFjaGU=",
                }
            ],
        },
    ),
    ("POST", "/_local/call"): (
        "a call: Amazon Connect's contact-flow event on the voice intake",
        {
            "from": "+34622334455",
            "theme": "lighting.streetlight-off",
            "transcript": "La farola del portal esta apagada.",
            "language": "es",
            "address": "Carrer de Pau Claris, 120",
            "response_channel": "sms",
        },
    ),
    ("POST", "/_local/social"): (
        "a post or direct message: the network's signed webhook delivery",
        {"network": "facebook", "kind": "post", "author": "@veina", "text": "Grafitis a l'escola"},
    ),
    ("GET", "/_local/outbox"): (
        "every SMS and email the city sent, oldest first; filters to, channel, since",
        None,
    ),
}
"""Each endpoint's method and path, what it does, and an example body."""


class OutsideWorld:
    """Citizens, networks and phones around the local stack, and the city's outbox.

    Parameters
    ----------
    stack : Stack
        The started local stack whose resources receive the deliveries.
    clock : Callable[[], datetime], optional
        When a delivery happens.

    Examples
    --------
    >>> world = OutsideWorld(stack)  # doctest: +SKIP
    >>> world.sms("+34600000001", "El fanal no s'encen")  # doctest: +SKIP
    >>> Gateway(..., local=world.handler)  # doctest: +SKIP
    """

    def __init__(self, stack: Stack, *, clock: Callable[[], datetime] = _utc_now) -> None:
        record_send_times()
        self._stack = stack
        self._clock = clock
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._routes: Mapping[str, Mapping[str, Handler]] = {
            "/_local": {"GET": self._index},
            "/_local/sms": {"POST": self._post_sms},
            "/_local/email": {"POST": self._post_email},
            "/_local/call": {"POST": self._post_call},
            "/_local/social": {"POST": self._post_social},
            "/_local/outbox": {"GET": self._get_outbox},
        }

    # ------------------------------------------------------------ Python API

    def sms(self, sender: str, text: str, *, to: str | None = None) -> str:
        """Deliver an SMS from ``sender`` to the city's number; answer its inbound id."""
        return self._sms(_valid(SmsIn, {"from": sender, "to": to, "text": text}))

    def email(
        self,
        sender: str | None = None,
        text: str = "",
        *,
        subject: str = "",
        to: str | None = None,
        name: str | None = None,
        attachments: Sequence[tuple[str, str, bytes]] = (),
        raw: str | None = None,
    ) -> str:
        """Deliver an email (composed, or ``raw`` MIME) to the city; answer SES's id.

        ``attachments`` are ``(filename, content type, content)``.
        """
        files = [
            {
                "filename": filename,
                "content_type": kind,
                "content_base64": base64.b64encode(content).decode(),
            }
            for filename, kind, content in attachments
        ]
        body = {"from": sender, "name": name, "to": to, "subject": subject, "text": text}
        return self._email(_valid(EmailIn, {**body, "attachments": files, "raw": raw}))

    def call(
        self,
        sender: str | None,
        *,
        theme: str | None = None,
        transcript: str | None = None,
        operation: Literal["lookup", "create_request"] | None = None,
        request_type: str | None = None,
        language: str | None = None,
        address: str | None = None,
        district_code: str | None = None,
        neighbourhood_code: str | None = None,
        response_channel: str | None = None,
        identity_verified: bool = False,
    ) -> dict[str, str]:
        """Place a call from ``sender`` (``None``: withheld); answer the flow's attributes."""
        fields = {
            "from": sender,
            "operation": operation,
            "theme": theme,
            "transcript": transcript,
            "request_type": request_type,
            "language": language,
            "address": address,
            "district_code": district_code,
            "neighbourhood_code": neighbourhood_code,
            "response_channel": response_channel,
            "identity_verified": identity_verified,
        }
        return self._call(_valid(CallIn, fields))

    def social(
        self,
        author: str,
        text: str,
        *,
        kind: Literal["post", "direct"] = "post",
        network: Literal["facebook", "instagram"] = "facebook",
    ) -> WebhookAnswer:
        """Have ``author`` post on the city's page or message it; answer the webhook."""
        fields = {"author": author, "text": text, "kind": kind, "network": network}
        return self._social(_valid(SocialIn, fields))

    def outbox(
        self,
        *,
        to: str | None = None,
        channel: Literal["sms", "email"] | None = None,
        since: datetime | None = None,
    ) -> list[SentMessage]:
        """Every SMS and email the city sent, oldest first.

        Parameters
        ----------
        to : str, optional
            Only those to this recipient (letter case aside).
        channel : {"sms", "email"}, optional
            Only those sent on this channel.
        since : datetime, optional
            Only those sent at or after this time (UTC when it names no zone).
        """
        return self._outbox(_valid(OutboxQuery, {"to": to, "channel": channel, "since": since}))

    @property
    def city_number(self) -> str:
        """The number citizens text and call, and the city's SMS come from."""
        return self._stack.environment.get("FINESTRA_SMS_ORIGINATION") or CITY_NUMBER

    # ------------------------------------------------------------ deliveries

    def _client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._stack.client(service)
            return self._clients[service]

    def _ref(self, logical_id: str) -> str:
        found = self._stack.resources.resolver.refs.get(logical_id)
        if not found:
            raise RuntimeError(f"the stack has not created {logical_id}: start it first")
        return found

    def _sms(self, sms: SmsIn) -> str:
        message_id = str(uuid.uuid4())
        message = inbound_sms(sms.sender, sms.to or self.city_number, sms.text, message_id)
        self._client("sns").publish(TopicArn=self._ref(SMS_TOPIC), Message=json.dumps(message))
        return message_id

    def _mail_rule(self) -> tuple[list[str], dict[str, str]]:
        """The receipt rule's recipient domains and its S3 action, resolved."""
        rule = self._stack.template["Resources"][MAIL_RULE]["Properties"]["Rule"]
        resolved = self._stack.resources.resolver.resolve(rule)
        action = next(a["S3Action"] for a in resolved["Actions"] if "S3Action" in a)
        s3 = {
            "topicArn": str(action["TopicArn"]),
            "bucketName": str(action["BucketName"]),
            "objectKeyPrefix": str(action.get("ObjectKeyPrefix", "")),
        }
        return [str(domain).lower() for domain in resolved["Recipients"]], s3

    def _email(self, mail: EmailIn) -> str:
        started = self._clock()
        domains, action = self._mail_rule()
        recipient = mail.to or f"{MAIL_BOX}@{domains[0]}"
        if recipient.rpartition("@")[2] not in domains:
            raise ValidationFailed(f"must be an address at {', '.join(domains)}", field="to")
        sender, raw = self._mime(mail, recipient, started)
        message_id = ses_message_id()
        stored = _as_received(raw, sender, recipient, message_id, started)
        key = action["objectKeyPrefix"] + message_id
        self._client("s3").put_object(Bucket=action["bucketName"], Key=key, Body=stored)
        took_ms = max(1, int((self._clock() - started).total_seconds() * 1000))
        notification = received_notification(
            stored,
            sender=sender,
            recipient=recipient,
            message_id=message_id,
            action={**action, "objectKey": key},
            at=started,
            took_ms=took_ms,
        )
        self._client("sns").publish(
            TopicArn=action["topicArn"], Subject=RECEIPT_SUBJECT, Message=json.dumps(notification)
        )
        return message_id

    @staticmethod
    def _mime(mail: EmailIn, recipient: str, at: datetime) -> tuple[str, bytes]:
        """The envelope sender and the message's bytes, as the sender's server sends them."""
        if mail.raw is not None:
            raw = mail.raw.encode()
            headers = BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)
            senders = getaddresses([str(headers.get("From", ""))])
            if len(senders) != 1 or "@" not in senders[0][1]:
                raise ValidationFailed("has no single From address", field="raw")
            return senders[0][1], raw
        if mail.sender is None:
            raise ValidationFailed("is required unless raw is given", field="from")
        files = [(a.filename, a.content_type, a.content_base64) for a in mail.attachments]
        raw = compose_mail(
            mail.sender,
            recipient,
            subject=mail.subject,
            text=mail.text,
            name=mail.name,
            attachments=files,
            at=at,
        )
        return mail.sender, raw

    def _call(self, call: CallIn) -> dict[str, str]:
        instance = self._stack.resources.resolver.refs.get("ConnectInstanceArn") or (
            f"arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/{_LOCAL_CONNECT}"
        )
        event = contact_flow_event(
            call.parameters(),
            caller=call.sender,
            contact_id=str(uuid.uuid4()),
            city_number=self.city_number,
            instance_arn=instance,
        )
        response = self._client("lambda").invoke(
            FunctionName=self._ref(VOICE_FUNCTION), Payload=json.dumps(event).encode()
        )
        answer = json.loads(response["Payload"].read() or b"null")
        if "FunctionError" in response or not isinstance(answer, dict):
            raise DeliveryFailed("the voice intake failed; see the stack's console")
        return {str(key): str(value) for key, value in answer.items()}

    def _social_route(self) -> Route:
        for route in routes_of(self._stack.template):
            if route.function == SOCIAL_FUNCTION and route.method == "POST":
                return route
        raise RuntimeError(f"the template gives {SOCIAL_FUNCTION} no POST route")

    def _social(self, post: SocialIn) -> WebhookAnswer:
        at = self._clock()
        if post.kind == "direct":
            item_id = "m_" + secrets.token_urlsafe(48)
        else:
            item_id = f"{PAGE_ID}_{secrets.randbelow(10**16):016d}"
        body = social_delivery(
            post.network, post.kind, author=post.author, text=post.text, item_id=item_id, at=at
        )
        secret = self._client("secretsmanager").get_secret_value(SecretId=self._ref(SOCIAL_SECRET))
        headers = signed_headers(str(json.loads(secret["SecretString"])["app_secret"]), body)
        route = self._social_route()
        event = proxy_event(
            route,
            method=route.method,
            url=route.path,
            headers=headers,
            body=body,
            parameters={},
            source_ip=NETWORK_IP,
        )
        response = self._client("lambda").invoke(
            FunctionName=self._ref(route.function), Payload=json.dumps(event).encode()
        )
        result = json.loads(response["Payload"].read() or b"null")
        if (
            "FunctionError" in response
            or not isinstance(result, dict)
            or "statusCode" not in result
        ):
            raise DeliveryFailed("the social webhook failed; see the stack's console")
        return WebhookAnswer(int(result["statusCode"]), _decoded(result))

    def _outbox(self, query: OutboxQuery) -> list[SentMessage]:
        since = query.since
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        sent = sorted(_sent_sms(self.city_number) + _sent_mail(), key=lambda m: m.sent_at)
        return [
            message
            for message in sent
            if (query.channel is None or message.channel == query.channel)
            and (query.to is None or message.to.lower() == query.to.lower())
            and (since is None or message.sent_at >= since)
        ]

    # ------------------------------------------------------------ HTTP

    def handler(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Answer:
        """Answer one ``/_local/...`` request of the gateway (a ``LocalHandler``)."""
        split = urlsplit(url)
        path = split.path.rstrip("/") or "/"
        try:
            methods = self._routes.get(path)
            if methods is None:
                raise NotFound("no local endpoint here; GET /_local/ lists them")
            handle = methods.get(method)
            if handle is None:
                raise _WrongMethod(f"{path} takes {', '.join(methods)} only")
            status, answer = handle(parse_qs(split.query, keep_blank_values=True), body)
        except FinestraError as exc:
            status = _STATUS.get(type(exc), 400)
            message = f"{exc.field} {exc.message}" if exc.field else exc.message
            answer = {"code": exc.code, "message": message, "field": exc.field}
        except Exception as exc:
            _log.error("Local endpoint failed", extra={"path": path, "error": type(exc).__name__})
            status = 500
            answer = {
                "code": "internal_error",
                "message": "the local endpoint failed; see the stack's console",
                "field": None,
            }
        return status, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    def _index(self, query: Mapping[str, list[str]], body: bytes) -> tuple[int, Any]:
        endpoints = [
            {"method": method, "path": path, "description": text, "example": example}
            for (method, path), (text, example) in ENDPOINTS.items()
        ]
        return 200, {"endpoints": endpoints}

    def _post_sms(self, query: Mapping[str, list[str]], body: bytes) -> tuple[int, Any]:
        return 202, {"message_id": self._sms(_valid(SmsIn, _json(body)))}

    def _post_email(self, query: Mapping[str, list[str]], body: bytes) -> tuple[int, Any]:
        return 202, {"message_id": self._email(_valid(EmailIn, _json(body)))}

    def _post_call(self, query: Mapping[str, list[str]], body: bytes) -> tuple[int, Any]:
        return 200, self._call(_valid(CallIn, _json(body)))

    def _post_social(self, query: Mapping[str, list[str]], body: bytes) -> tuple[int, Any]:
        answer = self._social(_valid(SocialIn, _json(body)))
        return answer.status, answer.body

    def _get_outbox(self, query: Mapping[str, list[str]], body: bytes) -> tuple[int, Any]:
        filters = {name: values[-1] for name, values in query.items() if values[-1] != ""}
        items = self._outbox(_valid(OutboxQuery, filters))
        return 200, {"items": [item.as_json() for item in items]}


def _json(body: bytes) -> Any:
    """A request body parsed as JSON, or a named refusal."""
    if not body:
        raise MalformedInput("must be a JSON object", field="body")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedInput("is not valid JSON", field="body") from exc


def _decoded(result: Mapping[str, Any]) -> Any:
    """A proxy response's body: JSON when it is, else its text."""
    raw = result.get("body") or ""
    text = base64.b64decode(raw).decode() if result.get("isBase64Encoded") else str(raw)
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text

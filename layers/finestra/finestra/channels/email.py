"""Email through an SES receipt rule: raw MIME in S3, the notification through SNS."""

import email.policy
import html
import re
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from finestra.domain.citizen import ContactPoint
from finestra.domain.errors import FinestraError, ValidationFailed
from finestra.domain.request import REFERENCE, Attachment
from finestra.domain.vocabulary import ContactKind, InputChannel
from finestra.intake.message import InboundMessage, IntakeOutcome, IntakeResult
from finestra.intake.service import IntakeService


class Verdict(BaseModel):
    """One of SES's checks on a received message."""

    status: str


class S3Action(BaseModel):
    """Where the receipt rule stored the raw message."""

    model_config = ConfigDict(populate_by_name=True)

    type: Literal["S3"]
    bucket_name: str = Field(alias="bucketName", min_length=3)
    object_key: str = Field(alias="objectKey", min_length=1)
    topic_arn: str | None = Field(default=None, alias="topicArn")


class Receipt(BaseModel):
    """SES's receipt: its verdicts and the action taken."""

    model_config = ConfigDict(populate_by_name=True)

    timestamp: datetime
    action: S3Action
    spam_verdict: Verdict = Field(alias="spamVerdict")
    virus_verdict: Verdict = Field(alias="virusVerdict")


class Mail(BaseModel):
    """SES's summary of the message; the content itself is in S3."""

    model_config = ConfigDict(populate_by_name=True)

    message_id: str = Field(alias="messageId", min_length=1)
    timestamp: datetime


class ReceivedNotification(BaseModel):
    """The notification an SES receipt rule's S3 action publishes to SNS."""

    model_config = ConfigDict(populate_by_name=True)

    notification_type: Literal["Received"] = Field(alias="notificationType")
    mail: Mail
    receipt: Receipt


class MailRejected(FinestraError):
    """The message cannot become a request; ``reason`` is a stable code for the record."""

    code = "mail_rejected"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class ParsedMail(BaseModel):
    """What the intake needs from a MIME message."""

    sender: str
    display_name: str | None
    subject: str
    message_id: str | None
    in_reply_to: list[str]
    text: str
    attachments: list[tuple[str, str, bytes]]


class MailStore(Protocol):
    """Reads raw mail and keeps attachments (S3)."""

    def fetch(self, bucket: str, key: str, max_bytes: int) -> bytes:
        """The object's bytes; :class:`MailRejected` ``too_large`` past ``max_bytes``."""
        ...

    def keep(self, key: str, body: bytes, content_type: str) -> None:
        """Store an attachment under ``key`` in the attachments bucket."""
        ...


class RejectionLog(Protocol):
    """Records each message the city could not accept, by reason, without its content."""

    def record(self, channel: str, provider_id: str, reason: str, at: datetime) -> None:
        """Keep the rejection; a replay of the same message records nothing new."""
        ...


_QUOTE_HEADERS = re.compile(
    r"^\s*(On .{5,200} wrote:|El .{5,200} (va escriure|escribió):|"
    r"-{2,} ?(Original Message|Missatge original|Mensaje original) ?-{2,}|"
    r"(From|De|Enviat|Enviado|Sent): .+)\s*$",
    re.IGNORECASE,
)
_SUBJECT_REFERENCE = re.compile(r"\[?([A-Z]{2,5}-\d{4}-\d{6}(?:-R\d+)?)\]?")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def strip_quoted(text: str) -> str:
    """The new part of a reply: everything above the quoted history and signature."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEADERS.match(line) or line.rstrip("\r\n") == "-- ":
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        if tag in {"br", "p", "div", "li", "tr"}:
            self.parts.append("\n")
        if tag == "blockquote":
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "blockquote"}:
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body, without scripts, styles or quoted blocks."""
    parser = _TextOfHtml()
    parser.feed(markup)
    text = html.unescape("".join(parser.parts))
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


def parse_mail(raw: bytes, *, max_attachments: int) -> ParsedMail:
    """The sender, subject, threading headers, new text and attachments of ``raw``."""
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    if not isinstance(message, EmailMessage) or message.defects:
        raise MailRejected("malformed_mime", "the message is not well-formed MIME")
    senders = getaddresses([str(message.get("From", ""))])
    if len(senders) != 1 or "@" not in senders[0][1]:
        raise MailRejected("malformed_mime", "the message has no single sender address")
    display, address = senders[0]
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        raise MailRejected("no_text", "the message has no text to read")
    content = body.get_content()
    text = html_to_text(content) if body.get_content_type() == "text/html" else content
    attachments = [
        (
            part.get_filename() or "attachment",
            part.get_content_type(),
            part.get_payload(decode=True) or b"",
        )
        for part in message.iter_attachments()
    ]
    if len(attachments) > max_attachments:
        raise MailRejected("too_many_attachments", "the message has too many attachments")
    replies = str(message.get("In-Reply-To", "")) + " " + str(message.get("References", ""))
    return ParsedMail(
        sender=address,
        display_name=display or None,
        subject=str(message.get("Subject", "")),
        message_id=message.get("Message-ID"),
        in_reply_to=replies.split(),
        text=strip_quoted(text),
        attachments=attachments,
    )


def reference_of(mail: ParsedMail) -> str | None:
    """The request a message answers: a reference in the subject or threading headers."""
    for candidate in [mail.subject, *mail.in_reply_to]:
        if match := _SUBJECT_REFERENCE.search(candidate):
            reference = match.group(1)
            if REFERENCE.match(reference):
                return reference
    return None


class EmailChannel:
    """The domain function behind the email intake Lambda."""

    def __init__(
        self,
        intake: IntakeService,
        store: MailStore,
        rejections: RejectionLog,
        *,
        max_bytes: int,
        max_attachments: int,
    ) -> None:
        self._intake = intake
        self._store = store
        self._rejections = rejections
        self._max_bytes = max_bytes
        self._max_attachments = max_attachments

    def receive(self, notification: ReceivedNotification) -> IntakeResult:
        """Turn one received email into a request or a reply, or record why it cannot be."""
        try:
            return self._receive(notification)
        except MailRejected as exc:
            self._rejections.record(
                "email", notification.mail.message_id, exc.reason, notification.receipt.timestamp
            )
            return IntakeResult(
                outcome=IntakeOutcome.REJECTED, citizen_id=None, rejection_reason=exc.reason
            )

    def _receive(self, notification: ReceivedNotification) -> IntakeResult:
        receipt = notification.receipt
        if receipt.virus_verdict.status == "FAIL":
            raise MailRejected("virus_detected", "SES found a virus in the message")
        raw = self._store.fetch(
            receipt.action.bucket_name, receipt.action.object_key, self._max_bytes
        )
        mail = parse_mail(raw, max_attachments=self._max_attachments)
        text = mail.text or mail.subject.strip()
        if not text:
            raise MailRejected("no_text", "the message has no text to read")
        try:
            sender = ContactPoint(
                kind=ContactKind.EMAIL, value=mail.sender, first_seen_on=InputChannel.EMAIL
            )
        except ValidationFailed as exc:
            raise MailRejected("malformed_mime", "the sender address is not valid") from exc
        message = InboundMessage(
            channel=InputChannel.EMAIL,
            provider_message_id=notification.mail.message_id,
            received_at=notification.mail.timestamp,
            sender=(sender,),
            text=text[:4000],
            given_name=mail.display_name[:120] if mail.display_name else None,
            in_reply_to=reference_of(mail),
            attachments=tuple(self._keep(notification.mail.message_id, mail)),
        )
        return self._intake.submit(message)

    def _keep(self, message_id: str, mail: ParsedMail) -> list[Attachment]:
        kept = []
        for number, (filename, content_type, body) in enumerate(mail.attachments, start=1):
            safe = _SAFE_NAME.sub("_", filename)[-100:] or "attachment"
            key = f"attachments/email/{_SAFE_NAME.sub('_', message_id)}/{number}-{safe}"
            self._store.keep(key, body, content_type)
            kept.append(
                Attachment(
                    key=key, filename=filename[:200], content_type=content_type, size=len(body)
                )
            )
        return kept

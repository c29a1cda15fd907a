"""The email intake's application object."""

from pydantic import ValidationError

from finestra.adapters.s3 import S3MailStore
from finestra.apps.base import App, Clock, sns_message
from finestra.channels.email import EmailChannel, ReceivedNotification
from finestra.domain.errors import first_broken_rule
from finestra.intake.message import IntakeResult
from finestra.runtime import Clients, utc_now
from finestra.settings import (
    EmailSettings,
)
from finestra.storage.rejections import RejectionStore


class EmailApp(App):
    """The email intake: one SES receipt notification at a time."""

    def __init__(
        self, settings: EmailSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        self.rejections = RejectionStore(self.runtime.table)
        channel = EmailChannel(
            self.runtime.intake,
            S3MailStore(self.runtime.clients.get("s3"), settings.attachments_bucket),
            self.rejections,
            max_bytes=settings.max_mail_bytes,
            max_attachments=settings.max_attachments,
        )
        self._receive = self.runtime.idempotent(
            channel.receive, IntakeResult, key="mail.message_id", payload="receipt.action"
        )

    def receive(self, sqs_body: str) -> IntakeResult:
        """Handle one SQS record's body; a refused mail is recorded and answered as such."""
        message, _ = sns_message(sqs_body)
        try:
            notification = ReceivedNotification.model_validate_json(message)
        except ValidationError as exc:
            raise first_broken_rule(exc) from None
        return self._receive(notification)

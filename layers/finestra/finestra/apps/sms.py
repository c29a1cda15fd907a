"""The SMS intake's application object."""

from finestra.adapters.sms import EndUserMessagingSender, SnsSmsSender
from finestra.apps.base import App, Clock, sns_message
from finestra.channels.sms import SmsChannel, SmsDelivery, SmsSender, parse_inbound
from finestra.intake.message import IntakeResult
from finestra.runtime import Clients, utc_now
from finestra.settings import (
    SmsSettings,
)
from finestra.surveys.wiring import sms_replies


class SmsApp(App):
    """The SMS intake: keywords, replies to pending requests, new requests."""

    def __init__(
        self, settings: SmsSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        sender: SmsSender
        if settings.sms_backend == "end_user_messaging":
            sender = EndUserMessagingSender(
                self.runtime.clients.get("pinpoint-sms-voice-v2"), settings.sms_origination
            )
        else:
            sender = SnsSmsSender(self.runtime.clients.get("sns"), settings.sms_origination)
        replies = sms_replies(self.runtime, self.runtime.intake.find_citizen)
        channel = SmsChannel(self.runtime.intake, sender, replies)
        self._receive = self.runtime.idempotent(
            channel.receive, IntakeResult, key="sms.inbound_message_id", payload="sms.message_body"
        )

    def receive(self, sqs_body: str) -> IntakeResult:
        """Handle one SQS record's body (an SNS notification of an inbound SMS)."""
        message, received_at = sns_message(sqs_body)
        return self._receive(SmsDelivery(sms=parse_inbound(message), received_at=received_at))

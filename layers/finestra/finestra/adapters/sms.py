"""Sending SMS: AWS End User Messaging in production, SNS where it is not available."""

from typing import Any


class EndUserMessagingSender:
    """``SendTextMessage`` of AWS End User Messaging SMS (pinpoint-sms-voice-v2)."""

    def __init__(
        self, client: Any, origination_identity: str, configuration_set: str | None = None
    ) -> None:
        self._client = client
        self._origination = origination_identity
        self._configuration_set = configuration_set

    def send(self, *, to: str, text: str, reply_to: str | None) -> str:
        """Send ``text`` as a transactional SMS from the city's identity (or ``reply_to``).

        With a configuration set, its event destinations receive the delivery events.
        """
        params: dict[str, Any] = {
            "DestinationPhoneNumber": to,
            "OriginationIdentity": self._origination or reply_to,
            "MessageBody": text,
            "MessageType": "TRANSACTIONAL",
        }
        if self._configuration_set:
            params["ConfigurationSetName"] = self._configuration_set
        response = self._client.send_text_message(**params)
        return str(response["MessageId"])


class SnsSmsSender:
    """SNS ``Publish`` to a phone number: the fallback, and what the local stack records."""

    def __init__(self, client: Any, sender_id: str) -> None:
        self._client = client
        self._sender_id = sender_id

    def send(self, *, to: str, text: str, reply_to: str | None) -> str:
        """Send ``text`` as a transactional SMS."""
        attributes = {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        }
        if self._sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {
                "DataType": "String",
                "StringValue": self._sender_id,
            }
        response = self._client.publish(PhoneNumber=to, Message=text, MessageAttributes=attributes)
        return str(response["MessageId"])

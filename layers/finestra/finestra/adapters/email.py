"""Sending email through Amazon SES v2."""

from collections.abc import Mapping
from typing import Any


class SesEmailSender:
    """``SendEmail`` from the city's verified address, plain text, with a reply-to."""

    def __init__(self, client: Any, from_address: str, configuration_set: str | None) -> None:
        self._client = client
        self._from = from_address
        self._configuration_set = configuration_set

    def send(
        self, *, to: str, subject: str, text: str, headers: Mapping[str, str] | None = None
    ) -> str:
        """Send one message and return SES's message id; ``headers`` are added to it."""
        params: dict[str, Any] = {
            "FromEmailAddress": self._from,
            "Destination": {"ToAddresses": [to]},
            "ReplyToAddresses": [self._from],
            "Content": {
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
                }
            },
        }
        if headers:
            simple = params["Content"]["Simple"]
            simple["Headers"] = [{"Name": k, "Value": v} for k, v in headers.items()]
        if self._configuration_set:
            params["ConfigurationSetName"] = self._configuration_set
        response = self._client.send_email(**params)
        return str(response["MessageId"])

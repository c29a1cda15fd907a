"""The voice intake's application object."""

from collections.abc import Callable
from typing import Any

from finestra.apps.base import App, Clock
from finestra.channels.voice import (
    CallDelivery,
    CallOutcome,
    CallRequest,
    ContactFlowEvent,
    VoiceChannel,
    caller_of,
)
from finestra.domain.errors import ValidationFailed
from finestra.runtime import Clients, utc_now
from finestra.settings import (
    VoiceSettings,
)


class VoiceApp(App):
    """The Amazon Connect contact-flow function."""

    def __init__(
        self, settings: VoiceSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        self.channel = VoiceChannel(self.runtime.intake)
        self.create_request: Callable[[CallDelivery], CallOutcome] = self.runtime.idempotent(
            self.channel.create_request, CallOutcome, key="contact_id", payload="call"
        )

    def answer(self, event: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """The operation the flow asked for and the attributes it gets back."""
        flow = ContactFlowEvent.model_validate(event)
        operation = flow.Details.Parameters.get("operation", "")
        if operation == "lookup":
            return operation, self.channel.lookup(caller_of(flow))
        if operation != "create_request":
            raise ValidationFailed("must be 'lookup' or 'create_request'", field="operation")
        delivery = CallDelivery(
            contact_id=flow.Details.ContactData.ContactId,
            caller=caller_of(flow),
            received_at=self.runtime.clock(),
            call=CallRequest.model_validate(flow.Details.Parameters),
        )
        return operation, self.create_request(delivery).attributes()

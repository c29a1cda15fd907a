"""Events for the back-office systems that subscribe to Finestra, on EventBridge."""

import json
from typing import Any

from finestra.domain.errors import FinestraError

SOURCE = "finestra.requests"


class EventNotPublished(FinestraError):
    """EventBridge refused the entry; the workflow retries the publication."""

    code = "event_not_published"


class EventBridgePublisher:
    """``PutEvents`` on the city's bus; details carry ids and codes, never personal data."""

    def __init__(self, client: Any, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def publish(self, detail_type: str, detail: dict[str, Any], resources: list[str]) -> str:
        """Put one event and return its id."""
        response = self._client.put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, sort_keys=True),
                    "EventBusName": self._bus,
                    "Resources": resources,
                }
            ]
        )
        entry = response["Entries"][0]
        if response.get("FailedEntryCount", 0) or "EventId" not in entry:
            raise EventNotPublished(f"EventBridge refused the event: {entry.get('ErrorCode')}")
        return str(entry["EventId"])

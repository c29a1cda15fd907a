"""Starting one workflow execution for each new request written to the table."""

import json
import re
from typing import Any

from pydantic import BaseModel

_NAME = re.compile(r"[^A-Za-z0-9_-]")


class NewRequest(BaseModel):
    """A request that the table's stream says was just inserted."""

    reference: str


def new_request_of(record: dict[str, Any]) -> NewRequest | None:
    """The new request an INSERT stream record carries; ``None`` for any other record."""
    if record.get("eventName") != "INSERT":
        return None
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    if (image.get("type") or {}).get("S") != "request":
        return None
    reference = (image.get("reference") or {}).get("S")
    return NewRequest(reference=reference) if reference else None


class StartedExecution(BaseModel):
    """The execution started for a request."""

    reference: str
    execution_arn: str


class WorkflowStarter:
    """``StartExecution`` named after the reference; replays are stopped by idempotency."""

    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start_once(self, request: NewRequest) -> StartedExecution:
        """Start the workflow for ``request`` (callers make this idempotent)."""
        return StartedExecution(reference=request.reference, execution_arn=self.start(request))

    def start(self, request: NewRequest) -> str:
        """Start the workflow for ``request`` and return the execution's ARN."""
        response = self._client.start_execution(
            stateMachineArn=self._arn,
            name=_NAME.sub("-", request.reference)[:80],
            input=json.dumps({"reference": request.reference}),
        )
        return str(response["executionArn"])

"""What every function's application object shares: its runtime and the SNS envelope."""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finestra.domain.errors import MalformedInput
from finestra.runtime import Clients, IntakeRuntime
from finestra.settings import FunctionSettings

Clock = Callable[[], datetime]


class SnsNotice(BaseModel):
    """The two fields of an SNS notification (delivered through SQS) the intake reads."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    message: str = Field(alias="Message")
    timestamp: datetime = Field(alias="Timestamp")


def sns_message(body: str) -> tuple[str, datetime]:
    """The ``Message`` and ``Timestamp`` of an SNS notification delivered through SQS."""
    try:
        notice = SnsNotice.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise MalformedInput("is not an SNS notification", field="body") from exc
    return notice.message, notice.timestamp


class App:
    """An application object: the runtime built from one function's settings."""

    def __init__(self, settings: FunctionSettings, clients: Clients | None, clock: Clock) -> None:
        self.runtime = IntakeRuntime(settings, clients or Clients(), clock)

    def bind(self, context: Any) -> None:
        """Tell idempotency about the current invocation (a Lambda context, or None)."""
        self.runtime.bind(context)

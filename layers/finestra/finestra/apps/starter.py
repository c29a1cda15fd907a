"""The workflow starter's application object."""

from typing import Any

from finestra.apps.base import App, Clock
from finestra.runtime import Clients, utc_now
from finestra.settings import (
    StarterSettings,
)
from finestra.workflow.starter import StartedExecution, WorkflowStarter, new_request_of


class StarterApp(App):
    """Starts the workflow once per new request on the table's stream."""

    def __init__(
        self, settings: StarterSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        starter = WorkflowStarter(
            self.runtime.clients.get("stepfunctions"), settings.state_machine_arn
        )
        self._start = self.runtime.idempotent(
            starter.start_once, StartedExecution, key="reference", payload="reference"
        )

    def start(self, record: dict[str, Any]) -> StartedExecution | None:
        """Start the workflow for a stream record of a new request; skip anything else."""
        request = new_request_of(record)
        return self._start(request) if request else None

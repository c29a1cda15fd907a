"""Run a Step Functions execution under moto's interpreter and read what it did.

Executions run on their own threads: :func:`run_execution` starts one and polls it, and
fails the test when it has not ended by a deadline. Its history is read back from
``GetExecutionHistory`` and answers the questions tests ask: which states ran, which
tasks failed with which error, and how many times a task was tried.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pytest

__all__ = ["Execution", "History", "TaskFailure", "run_execution"]

POLL_INTERVAL_S = 0.02
_SCHEDULED = frozenset({"LambdaFunctionScheduled", "TaskScheduled"})
_FAILED = frozenset({"LambdaFunctionFailed", "TaskFailed"})


class StepFunctionsClient(Protocol):
    """The part of a boto3 Step Functions client these helpers use."""

    def start_execution(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def describe_execution(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def get_execution_history(self, **kwargs: Any) -> Mapping[str, Any]: ...


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class TaskFailure:
    """One failed attempt of a task: the state, the ASL error name and its cause.

    The cause is parsed when it is JSON, as a Lambda function's error body is
    (``{"errorType": ..., "errorMessage": ...}``).
    """

    state: str
    error: str
    cause: Any


class History:
    """The events of one execution, oldest first."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = sorted(events, key=lambda event: int(event["id"]))
        self._by_id = {int(event["id"]): event for event in self.events}

    def states_entered(self) -> list[str]:
        """The name of every state entered, in order (a state run by a Map once per item)."""
        return [
            event["stateEnteredEventDetails"]["name"]
            for event in self.events
            if "stateEnteredEventDetails" in event
        ]

    def task_failures(self) -> list[TaskFailure]:
        """Every failed task attempt, retried or not, in order."""
        failures = []
        for event in self.events:
            if event["type"] not in _FAILED:
                continue
            details_key = "taskFailedEventDetails"
            if event["type"] == "LambdaFunctionFailed":
                details_key = "lambdaFunctionFailedEventDetails"
            details = event.get(details_key, {})
            failures.append(
                TaskFailure(
                    state=self._state_of(event),
                    error=str(details.get("error", "")),
                    cause=_json_or_text(str(details.get("cause", ""))),
                )
            )
        return failures

    def attempts_of(self, state: str) -> int:
        """How many times the task of a state was called, over all its entries."""
        return sum(
            1
            for event in self.events
            if event["type"] in _SCHEDULED and self._state_of(event) == state
        )

    def retries_of(self, state: str) -> int:
        """How many of a state's attempts were retries (attempts beyond one per entry)."""
        return self.attempts_of(state) - self.states_entered().count(state)

    def _state_of(self, event: dict[str, Any]) -> str:
        """The state an event belongs to, found by following ``previousEventId`` back.

        Concurrent Map iterations interleave their events, so order alone cannot say.
        """
        current: dict[str, Any] | None = event
        while current is not None:
            if "stateEnteredEventDetails" in current:
                return str(current["stateEnteredEventDetails"]["name"])
            current = self._by_id.get(int(current.get("previousEventId", 0)))
        raise AssertionError(f"event {event['id']} belongs to no state")


@dataclass(frozen=True)
class Execution:
    """An execution that has ended (or was still running at its deadline)."""

    client: StepFunctionsClient
    arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None

    def history(self) -> History:
        """The execution's events, every page of them."""
        events: list[dict[str, Any]] = []
        params: dict[str, Any] = {"executionArn": self.arn}
        while True:
            page = self.client.get_execution_history(**params)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return History(events)
            params["nextToken"] = page["nextToken"]


def run_execution(
    sfn_client: StepFunctionsClient,
    arn: str,
    input: dict[str, Any],
    name: str | None = None,
    deadline_s: float = 30,
) -> Execution:
    """Start an execution and wait until it ends.

    Parameters
    ----------
    sfn_client : StepFunctionsClient
        A boto3 Step Functions client talking to moto with its interpreter on.
    arn : str
        The state machine.
    input : dict[str, Any]
        The execution's input.
    name : str, optional
        The execution's name; a fresh one by default (moto names an unnamed execution
        ``None``, so a second unnamed start would collide with the first).
    deadline_s : float
        How long the execution may run before the test fails.

    Returns
    -------
    Execution
        Its final status, its output (parsed) when it succeeded, and its error and cause
        when it failed.
    """
    started = sfn_client.start_execution(
        stateMachineArn=arn, name=name or f"test-{uuid.uuid4().hex}", input=json.dumps(input)
    )
    execution_arn = str(started["executionArn"])
    deadline = time.monotonic() + deadline_s
    while True:
        described = sfn_client.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            pytest.fail(f"execution {execution_arn} still RUNNING after {deadline_s} s")
        time.sleep(POLL_INTERVAL_S)
    output = described.get("output")
    return Execution(
        client=sfn_client,
        arn=execution_arn,
        status=str(described["status"]),
        output=None if output is None else json.loads(output),
        error=described.get("error"),
        cause=described.get("cause"),
    )

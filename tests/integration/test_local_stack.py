"""The local stack runs the template's SMS path end to end on moto's server."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from finestra_local.resources import CREATED_TYPES
from finestra_local.stack import Stack, free_port
from tests.conftest import EVENTS, ROOT

T = TypeVar("T")
DEADLINE_S = 30


def eventually(probe: Callable[[], T | None], deadline_s: float = DEADLINE_S) -> T:
    """The first answer of ``probe`` that is not ``None``, polled until a deadline."""
    ends = time.monotonic() + deadline_s
    while time.monotonic() < ends:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"nothing came within {deadline_s} s")


def inbound_sms() -> str:
    """End User Messaging's inbound SMS notification, with a message id of its own."""
    record = json.loads((EVENTS / "sms" / "new-request-ca.json").read_text(encoding="utf-8"))
    message: dict[str, Any] = json.loads(json.loads(record["Records"][0]["body"])["Message"])
    message["inboundMessageId"] = "5b0d4f0e-local-stack-test"
    return json.dumps(message)


# Runs before the module's stack starts: one stack at a time per process.
def test_stop_leaves_no_thread_of_the_stack_running() -> None:
    before = set(threading.enumerate())
    local = Stack(ROOT, port=free_port()).start()

    local.stop()

    ends = time.monotonic() + 5
    while set(threading.enumerate()) - before and time.monotonic() < ends:
        time.sleep(0.1)
    assert sorted(t.name for t in set(threading.enumerate()) - before) == []


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with Stack(ROOT) as started:
        yield started


def stored_request(stack: Stack) -> dict[str, Any] | None:
    items = stack.client("dynamodb").scan(TableName="FinestraTable")["Items"]
    requests = [
        i for i in items if i["PK"]["S"].startswith("REQUEST#") and i["SK"]["S"] == "REQUEST"
    ]
    return requests[0] if requests else None


def ended_execution(stack: Stack) -> dict[str, Any] | None:
    sfn = stack.client("stepfunctions")
    machine = stack.resources.resolver.refs["RequestWorkflow"]
    for execution in sfn.list_executions(stateMachineArn=machine)["executions"]:
        if execution["status"] != "RUNNING":
            found: dict[str, Any] = execution
            return found
    return None


def test_an_sms_published_to_the_topic_is_stored_and_its_workflow_ends(stack: Stack) -> None:
    topic = stack.resources.resolver.refs["SmsInboundTopic"]

    stack.client("sns").publish(TopicArn=topic, Message=inbound_sms())

    request = eventually(lambda: stored_request(stack))
    assert request["input_channel"]["S"] == "sms"
    execution = eventually(lambda: ended_execution(stack))
    assert execution["status"] == "SUCCEEDED"


def test_every_resource_type_is_created_or_announced_as_skipped(stack: Stack) -> None:
    resources = stack.template["Resources"]

    unaccounted = [
        logical_id
        for logical_id in resources
        if logical_id not in stack.resources.created and logical_id not in stack.resources.skipped
    ]

    assert unaccounted == []
    assert {resources[i]["Type"] for i in stack.resources.created} <= CREATED_TYPES

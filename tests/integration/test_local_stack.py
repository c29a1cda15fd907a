"""The local stack runs the template's SMS path end to end on moto's server."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from finestra_local.resources import CREATED_TYPES
from finestra_local.stack import Stack, free_port
from tests.conftest import EVENTS, ROOT, load_event
from tests.support.cfn import load_template

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


@pytest.fixture(scope="module")
def gateway(stack: Stack) -> Iterator[Any]:
    from finestra_local.gateway import Gateway, lambda_invoker, routes_of

    served = Gateway(
        routes_of(stack.template),
        lambda_invoker(stack.client("lambda")),
        health=stack.health,
        port=0,
    ).start()
    yield served
    served.stop()


def http(
    gateway: Any, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    import urllib.error
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        gateway.url + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"null")


def test_the_gateway_serves_every_http_route_of_the_template(gateway: Any) -> None:
    from finestra_local.gateway import routes_of

    served = {(r.method, r.path) for r in gateway.routes}

    assert served == {(r.method, r.path) for r in routes_of(load_template(ROOT / "template.yaml"))}
    assert ("POST", "/api/v1/requests") in served
    assert ("GET", "/api/webhooks/social") in served


def test_a_citizen_files_and_tracks_a_request_through_the_gateway(gateway: Any) -> None:
    form = load_event("web/create-request.json")

    created_status, created = http(
        gateway,
        "POST",
        "/api/v1/requests",
        json.loads(form["body"]),
        {"Idempotency-Key": "gw-0001"},
    )
    tracked_status, tracked = http(
        gateway,
        "GET",
        f"/api/v1/requests/{created['reference']}",
        headers={"X-Tracking-Token": created["tracking_token"]},
    )
    themes_status, themes = http(gateway, "GET", "/api/v1/themes?lang=ca")

    assert created_status == 201
    assert tracked_status == 200
    assert tracked["reference"] == created["reference"]
    assert themes_status == 200
    assert len(themes["themes"]) >= 40


def test_the_gateway_answers_unknown_routes_and_health_itself(gateway: Any) -> None:
    assert http(gateway, "GET", "/api/nowhere") == (
        404,
        {"code": "not_found", "message": "no route here"},
    )
    assert http(gateway, "DELETE", "/api/v1/requests")[0] == 405
    status, health = http(gateway, "GET", "/api/health")

    assert status == 200
    assert health["aws"] == "ok"
    assert health["backoffice"] == "ok"
    assert health["trigger:WorkflowStarterFunction-NewRequests"] == "ok"
    assert set(health.values()) == {"ok"}


def test_health_names_a_part_that_has_stopped(stack: Stack) -> None:
    stack.backoffice.stop()
    try:
        health = stack.health()
    finally:
        stack.backoffice.start()

    assert health["backoffice"] == "not running"
    assert health["aws"] == "ok"

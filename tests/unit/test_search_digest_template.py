"""What must hold in ``template.yaml`` of the search routes and the digest function."""

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from finestra.apps.digest import DigestSettings
from tests.support.cfn import load_template

ROOT = Path(__file__).resolve().parents[2]
RESOURCES: dict[str, dict[str, Any]] = load_template(ROOT / "template.yaml")["Resources"]
DIGEST = RESOURCES["DigestFunction"]["Properties"]
DESK_EVENTS: dict[str, Any] = RESOURCES["DeskApiFunction"]["Properties"]["Events"]


def alarm_on(namespace: str, metric: str, dimension: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        resource["Properties"]
        for resource in RESOURCES.values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and resource["Properties"].get("Namespace") == namespace
        and resource["Properties"].get("MetricName") == metric
        and dimension in resource["Properties"].get("Dimensions", [])
    ]


def test_the_search_and_export_routes_come_before_the_request_route_that_would_take_them() -> None:
    paths = [event["Properties"]["Path"] for event in DESK_EVENTS.values()]
    detail = paths.index("/api/desk/v1/requests/{reference}")

    assert paths.index("/api/desk/v1/requests/search") < detail
    assert paths.index("/api/desk/v1/requests/export") < detail
    for name in ("SearchRequests", "ExportRequests"):
        properties = DESK_EVENTS[name]["Properties"]
        assert properties["Method"] == "GET"
        assert properties["Auth"] == {"Authorizer": "StaffAuthorizer"}


def test_the_digest_runs_on_a_schedule_the_local_stack_can_run_with_retries_and_a_dlq() -> None:
    (schedule,) = DIGEST["Events"].values()

    assert schedule["Type"] == "ScheduleV2"
    assert schedule["Properties"]["ScheduleExpression"].startswith("rate(")
    assert schedule["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert schedule["Properties"]["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["DigestDLQ", "Arn"]}
    assert alarm_on(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DigestDLQ", "QueueName"]}},
    )


def test_the_digest_may_send_mail_and_release_its_claims_in_the_city_zone() -> None:
    statements = [
        statement
        for policy in DIGEST["Policies"]
        if isinstance(policy, dict)
        for statement in policy.get("Statement", [])
    ]
    actions = {statement["Action"] for statement in statements}

    assert {"ses:SendEmail", "dynamodb:DeleteItem"} <= actions
    assert DIGEST["Environment"]["Variables"]["FINESTRA_CITY_TIME_ZONE"] == "Europe/Madrid"
    assert DIGEST["Environment"]["Variables"]["FINESTRA_MAIL_FROM"]


def test_a_digest_without_a_sender_address_stops_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINESTRA_MAIL_FROM", raising=False)
    for name, value in {
        "FINESTRA_TABLE": "FinestraTable",
        "FINESTRA_IDEMPOTENCY_TABLE": "IdempotencyTable",
        "FINESTRA_CONFIG_DIR": "/tmp",
        "FINESTRA_CONTACT_KEY_SECRET": "secret",
        "FINESTRA_CITY_CODE": "BCN",
    }.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError):
        DigestSettings()

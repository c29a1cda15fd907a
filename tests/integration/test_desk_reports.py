"""The desk's reports route through the Chalice app, on counters the stream consumer kept.

The requests are written and closed through the project's store, their stream records
counted by the statistics' handler, and the report read as the HTTP API hands a
payload-1.0 event over, with the JWT authorizer's claims.
"""

import copy
import csv
import io
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

from finestra.domain.vocabulary import RequestState
from tests.conftest import FakeLambdaContext, load_event
from tests.integration.test_stats import CREATED, City, Stream
from tests.support.aws import http_body, table_items

ROUTE = "/api/desk/v1/reports"
SUPERVISOR: dict[str, str] = {
    "sub": "3f7a1c2e-8b4d-4e6f-a1b2-c3d4e5f60718",
    "cognito:username": "jsoler",
    "cognito:groups": "[supervisor]",
    "custom:districts": "*",
    "custom:groups": "paving",
    "token_use": "id",
}
ADMINISTRATOR = {**SUPERVISOR, "cognito:groups": "[administrator]", "cognito:username": "admin"}
AGENT = {**SUPERVISOR, "cognito:groups": "[agent]", "cognito:username": "mrovira"}
CAMPAIGN_MANAGER = {**SUPERVISOR, "cognito:groups": "[campaign_manager]"}
SPRING = {"from": "2026-03-01", "to": "2026-04-30"}


def event(params: dict[str, str], claims: dict[str, str] | None) -> dict[str, Any]:
    """The desk's worklist event file, turned to the reports route with ``params``."""
    changed: dict[str, Any] = copy.deepcopy(load_event("desk/worklist-agent.json"))
    changed.update(
        resource=ROUTE,
        path=ROUTE,
        queryStringParameters=params or None,
        multiValueQueryStringParameters={k: [v] for k, v in params.items()} or None,
    )
    context = changed["requestContext"]
    context.update(resourcePath=ROUTE, path=ROUTE)
    context["authorizer"]["claims"] = claims
    if claims is None:
        changed["headers"].pop("authorization")
        changed["multiValueHeaders"].pop("authorization")
    APIGatewayProxyEventModel.model_validate(changed)
    return changed


def call(
    api: ModuleType, params: dict[str, str], claims: dict[str, str] | None = SUPERVISOR
) -> tuple[int, Any, dict[str, str]]:
    response = api.app(event(params, claims), FakeLambdaContext())
    return response["statusCode"], http_body(response), response["headers"]


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def counted(function: Callable[[str], ModuleType], template: dict[str, Any]) -> None:
    """Three requests of spring 2026: two of paving closed (one late), one of lighting open."""
    city = City()
    stream = Stream(template)
    on_time = city.open("BCN-2026-000201", sla_hours=48)
    late = city.open("BCN-2026-000202", sla_hours=48, channel="sms")
    city.open(
        "BCN-2026-000203",
        at=CREATED + timedelta(days=2),
        theme_code="lighting.streetlight-off",
        group="lighting.d5",
        district="5",
        channel="phone",
    )
    city.move(on_time, RequestState.CLOSED, CREATED + timedelta(hours=24))
    city.move(late, RequestState.CLOSED, CREATED + timedelta(hours=60))
    answer = function("stats").lambda_handler(stream.event(), FakeLambdaContext())
    assert answer == {"batchItemFailures": []}


def queries(api: ModuleType) -> int:
    return int(api.desk.get().runtime.meter.calls.get("Query", 0))


def test_a_supervisor_reads_volumes_closings_and_sla_compliance_by_group(
    api: ModuleType, counted: None
) -> None:
    status, body, headers = call(api, {**SPRING, "by": "group", "lang": "en"})

    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert (body["from"], body["to"], body["by"]) == ("2026-03-01", "2026-04-30", "group")
    assert body["rows"] == [
        {
            "value": "paving",
            "label": "Paving and roads",
            "opened": 2,
            "closed": 2,
            "closed_within_sla": 1,
            "closed_late": 1,
            "reopened": 0,
            "average_closing_days": 1.75,
            "sla_compliance": 50.0,
        },
        {
            "value": "lighting.d5",
            "label": body["rows"][1]["label"],
            "opened": 1,
            "closed": 0,
            "closed_within_sla": 0,
            "closed_late": 0,
            "reopened": 0,
            "average_closing_days": None,
            "sla_compliance": None,
        },
    ]
    assert body["rows"][1]["label"].startswith("Street lighting")
    assert body["totals"] == {
        "opened": 3,
        "closed": 2,
        "closed_within_sla": 1,
        "closed_late": 1,
        "reopened": 0,
        "average_closing_days": 1.75,
        "sla_compliance": 50.0,
    }


def test_a_report_reads_one_query_per_month_and_counts_days_in_the_city(
    api: ModuleType, counted: None
) -> None:
    before = queries(api)
    status, april, _ = call(api, {"from": "2026-04-01", "to": "2026-04-30", "by": "theme"})
    read_april = queries(api) - before
    _, march, _ = call(api, {"from": "2026-03-01", "to": "2026-03-31", "by": "theme"})
    read_both = queries(api) - before

    assert status == 200
    assert (read_april, read_both) == (1, 2)
    assert [(r["value"], r["opened"], r["closed"]) for r in april["rows"]] == [
        ("lighting.streetlight-off", 1, 0),
        ("roads.pothole", 0, 2),
    ]
    assert [(r["value"], r["opened"], r["closed"]) for r in march["rows"]] == [
        ("roads.pothole", 2, 0)
    ]
    assert march["totals"]["opened"] + april["totals"]["opened"] == 3


def test_every_dimension_adds_up_to_the_same_totals(api: ModuleType, counted: None) -> None:
    totals = []
    for by in ("theme", "district", "channel", "group"):
        status, body, _ = call(api, {**SPRING, "by": by})
        assert status == 200
        totals.append(body["totals"])

    assert all(each == totals[0] for each in totals)
    _, channels, _ = call(api, {**SPRING, "by": "channel", "lang": "ca"})
    assert {(r["value"], r["label"]) for r in channels["rows"]} == {
        ("web", "Web"),
        ("sms", "SMS"),
        ("phone", "Telèfon"),
    }


def test_an_administrator_downloads_the_report_as_a_spreadsheet_file(
    api: ModuleType, counted: None
) -> None:
    params = {**SPRING, "by": "group", "format": "csv", "lang": "es"}

    status, body, headers = call(api, params, ADMINISTRATOR)

    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"] == (
        'attachment; filename="finestra-report-group-2026-03-01-2026-04-30.csv"'
    )
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][:4] == ["Código", "Nombre", "Abiertas", "Cerradas"]
    assert rows[1] == [
        "paving",
        "Pavimento y vía pública",
        "2",
        "2",
        "1",
        "1",
        "0",
        "1,75",
        "50,0",
    ]
    assert rows[-1] == ["", "Total", "3", "2", "1", "1", "0", "1,75", "50,0"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-04-30", "to": "2026-03-01", "by": "theme"}, "to"),
        ({"from": "2025-01-01", "to": "2026-04-30", "by": "theme"}, "to"),
        ({"from": "2026-3-1", "to": "2026-04-30", "by": "theme"}, "from"),
        (SPRING, "by"),
        ({**SPRING, "by": "citizen"}, "by"),
        ({**SPRING, "by": "theme", "format": "pdf"}, "format"),
    ],
)
def test_a_bad_query_is_a_400_that_names_the_parameter(
    api: ModuleType, params: dict[str, str], field: str
) -> None:
    status, body, _ = call(api, params)

    assert status == 400
    assert body["code"] == "invalid_request"
    assert [error["field"] for error in body["errors"]] == [field]
    assert body["message"].startswith(f"{field} ")
    assert "citizen" not in body["message"]
    assert "pdf" not in body["message"]


@pytest.mark.parametrize("claims", [AGENT, CAMPAIGN_MANAGER])
def test_an_agent_or_campaign_manager_is_refused_before_anything_is_read(
    api: ModuleType, claims: dict[str, str]
) -> None:
    before = queries(api)

    status, body, _ = call(api, {**SPRING, "by": "group"}, claims)

    assert status == 403
    assert body == {
        "code": "forbidden",
        "message": "this needs the role supervisor",
    }
    assert queries(api) == before


def test_a_caller_without_claims_is_unauthorised(api: ModuleType) -> None:
    status, body, _ = call(api, {**SPRING, "by": "group"}, None)

    assert status == 401
    assert body["code"] == "unauthorised"


def test_reading_reports_writes_nothing_and_logs_no_values(
    api: ModuleType, counted: None, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    stored = table_items()
    logs()

    for params in (
        {**SPRING, "by": "theme"},
        {**SPRING, "by": "district", "format": "csv"},
        {"from": "2026-04-30", "to": "2026-03-01", "by": "theme"},
    ):
        call(api, params)

    assert table_items() == stored
    read = [line for line in logs() if line.get("message") == "Report read"]
    assert [(line["by"], line["days"], line["format"]) for line in read] == [
        ("theme", 61, "json"),
        ("district", 61, "csv"),
    ]
    assert all("roads.pothole" not in str(line) for line in read)

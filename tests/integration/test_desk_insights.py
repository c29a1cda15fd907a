"""The desk's insight routes through the Chalice app, on what the stream consumer kept.

Requests are written and closed through the project's store, their stream records
handed to the statistics handler, and the routes called as the HTTP API hands a
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
from tests.integration.test_desk_reports import ADMINISTRATOR, AGENT, CAMPAIGN_MANAGER, SUPERVISOR
from tests.integration.test_stats import CREATED, City, Stream
from tests.support.aws import http_body, table_items

ROUTE = "/api/desk/v1/insights"
SPRING = {"since": "2026-03-01", "until": "2026-04-30"}


def event(path: str, params: dict[str, str], claims: dict[str, str] | None) -> dict[str, Any]:
    """The desk's worklist event file, turned to an insight route with ``params``."""
    route = f"{ROUTE}/{path}"
    changed: dict[str, Any] = copy.deepcopy(load_event("desk/worklist-agent.json"))
    changed.update(
        resource=route,
        path=route,
        queryStringParameters=params or None,
        multiValueQueryStringParameters={k: [v] for k, v in params.items()} or None,
    )
    context = changed["requestContext"]
    context.update(resourcePath=route, path=route)
    context["authorizer"]["claims"] = claims
    APIGatewayProxyEventModel.model_validate(changed)
    return changed


def call(
    api: ModuleType,
    path: str,
    params: dict[str, str],
    claims: dict[str, str] | None = CAMPAIGN_MANAGER,
) -> tuple[int, Any, dict[str, str]]:
    response = api.app(event(path, params, claims), FakeLambdaContext())
    return response["statusCode"], http_body(response), response["headers"]


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def counted(function: Callable[[str], ModuleType], template: dict[str, Any]) -> None:
    """Three requests of spring 2026 in Eixample and Gràcia, two closed (one late)."""
    city = City()
    stream = Stream(template)
    on_time = city.open("BCN-2026-000601", sla_hours=48)
    late = city.open("BCN-2026-000602", sla_hours=48, channel="sms")
    city.open("BCN-2026-000603", district="6", theme_code="noise.neighbours")
    city.move(on_time, RequestState.CLOSED, CREATED + timedelta(hours=30))
    city.move(late, RequestState.CLOSED, CREATED + timedelta(days=3))
    function("stats").lambda_handler(stream.event(), FakeLambdaContext())


def test_a_campaign_manager_reads_the_insight_of_each_district(
    api: ModuleType, counted: None
) -> None:
    status, body, headers = call(api, "segments", {**SPRING, "dimension": "district"})

    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    found = {s["value"]: s for s in body["segments"]}
    assert sorted(found) == ["2", "6"]
    eixample = found["2"]
    assert (eixample["opened"], eixample["closed"], eixample["closed_with_sla"]) == (2, 2, 2)
    assert eixample["breach_rate"] == pytest.approx(0.5)
    assert eixample["population"] == 269349
    assert eixample["requests_per_1000"] == pytest.approx(round(2000 / 269349, 3))
    assert 24 <= eixample["median_resolution_hours"] <= 72
    assert body["city"]["value"] is None
    assert body["city"]["opened"] == 3


def test_one_value_is_read_alone(api: ModuleType, counted: None) -> None:
    status, body, _ = call(api, "segments", {**SPRING, "dimension": "channel", "value": "sms"})

    assert status == 200
    assert [(s["value"], s["opened"]) for s in body["segments"]] == [("sms", 1)]


def test_too_few_requests_are_not_enough_data_for_a_difference(
    api: ModuleType, counted: None
) -> None:
    params = {**SPRING, "dimension": "district", "metric": "breach_rate"}

    status, body, _ = call(api, "differences", params, SUPERVISOR)

    assert status == 200
    assert {d["value"]: d["status"] for d in body["differences"]} == {
        "2": "not_enough_data",
        "6": "not_enough_data",
    }


def test_the_open_data_csv_holds_each_request_of_the_range_and_no_personal_data(
    api: ModuleType, counted: None
) -> None:
    params = {"since": "2026-03-25", "until": "2026-04-10"}

    status, body, headers = call(api, "open-data", params, ADMINISTRATOR)

    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(row["FITXA_ID"] for row in rows) == [
        "BCN-2026-000601",
        "BCN-2026-000602",
        "BCN-2026-000603",
    ]
    assert "Hi ha un forat" not in body
    assert "cit_stats" not in body


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("segments", {"since": "2026-04-30", "until": "2026-03-01", "dimension": "theme"}, "until"),
        ("segments", {"since": "2025-01-01", "until": "2026-04-30", "dimension": "theme"}, "until"),
        ("segments", {"since": "2026-3-1", "until": "2026-04-30", "dimension": "theme"}, "since"),
        ("segments", SPRING, "dimension"),
        ("segments", {**SPRING, "dimension": "citizen"}, "dimension"),
        ("differences", {**SPRING, "dimension": "theme", "metric": "names"}, "metric"),
        ("differences", {**SPRING, "dimension": "theme"}, "metric"),
        ("open-data", {"since": "2026-03-01", "until": "2026-04-01"}, "until"),
        ("open-data", {**SPRING, "format": "xls"}, "format"),
    ],
)
def test_a_bad_query_is_a_400_that_names_the_parameter(
    api: ModuleType, path: str, params: dict[str, str], field: str
) -> None:
    status, body, _ = call(api, path, params)

    assert status == 400
    assert body["code"] == "invalid_request"
    assert [error["field"] for error in body["errors"]] == [field]
    assert "citizen" not in body["message"]
    assert "names" not in body["message"]


@pytest.mark.parametrize("path", ["segments", "differences", "open-data"])
def test_an_agent_is_refused_before_anything_is_read(api: ModuleType, path: str) -> None:
    status, body, _ = call(api, path, {**SPRING, "dimension": "district"}, AGENT)

    assert status == 403
    assert body["code"] == "forbidden"


def test_reading_insights_writes_nothing(api: ModuleType, counted: None) -> None:
    stored = table_items()

    call(api, "segments", {**SPRING, "dimension": "neighbourhood"})
    call(api, "differences", {**SPRING, "dimension": "theme", "metric": "resolution"})
    call(api, "open-data", {"since": "2026-03-25", "until": "2026-04-10"})

    assert table_items() == stored

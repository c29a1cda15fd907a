"""The desk's advanced search and export through the Chalice app, under moto.

Requests are stored through the project's own store, already routed to their groups'
branches; the search and export routes are called as the HTTP API hands a payload-1.0
event over, with the JWT authorizer's claims.
"""

import base64
import copy
import csv
import io
import zipfile
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

from finestra.apps.desk import DeskApp
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Location, Request
from finestra.domain.vocabulary import (
    InputChannel,
    InteractionKind,
    Language,
    RequestState,
    ResponseChannel,
)
from finestra.settings import DeskSettings
from tests.conftest import Clock, FakeLambdaContext, load_event
from tests.support.aws import http_body, table_items

SEARCH = "/api/desk/v1/requests/search"
EXPORT = "/api/desk/v1/requests/export"
AGENT = {
    "sub": "7c1e4a52-3b9d-4f60-9a8e-2d5b6c7f8a90",
    "cognito:username": "mrovira",
    "cognito:groups": "[agent]",
    "custom:districts": "2,5",
    "custom:groups": "paving",
    "token_use": "id",
}
SUPERVISOR = {
    **AGENT,
    "sub": "3f7a1c2e-8b4d-4e6f-a1b2-c3d4e5f60718",
    "cognito:username": "jsoler",
    "cognito:groups": "[supervisor]",
    "custom:districts": "*",
}
CAMPAIGN_MANAGER = {**AGENT, "cognito:groups": "[campaign_manager]"}
CITIZEN = "cit_01JQ3V7X9K2M4N6P8R0S2T4V6W"
TEXT = "Hi ha un forat enorme davant de casa meva, al carrer de Girona 20."
ADDRESS = "Carrer de Girona, 20"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def event(route: str, params: dict[str, str], claims: dict[str, str]) -> dict[str, Any]:
    """The desk's worklist event file, turned to ``route`` with ``params`` and ``claims``."""
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


def search(api: ModuleType, claims: dict[str, str] = AGENT, **params: str) -> tuple[int, Any]:
    response = api.app(event(SEARCH, params, claims), FakeLambdaContext())
    return response["statusCode"], http_body(response)


def export(
    api: ModuleType,
    claims: dict[str, str] = SUPERVISOR,
    accept: str = "text/csv",
    **params: str,
) -> dict[str, Any]:
    called = event(EXPORT, params, claims)
    called["headers"]["accept"] = accept
    called["multiValueHeaders"]["accept"] = [accept]
    response: dict[str, Any] = api.app(called, FakeLambdaContext())
    return response


@pytest.fixture
def api(
    function: Callable[[str], ModuleType], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    module = function("desk_api")
    runtime = DeskApp(DeskSettings(), clock=clock)
    # The route modules hold the app's one Lazy: hand it this test's clock.
    monkeypatch.setattr(module.desk, "get", lambda: runtime)
    return module


@pytest.fixture
def desk(api: ModuleType) -> DeskApp:
    runtime: DeskApp = api.desk.get()
    return runtime


def store(
    desk: DeskApp,
    number: int,
    *,
    theme: str = "roads.pothole",
    district: str = "2",
    neighbourhood: str = "7",
    state: RequestState = RequestState.IN_RESOLUTION,
    due_in: timedelta = timedelta(hours=40),
    age: timedelta | None = None,
    citizen_id: str | None = None,
    flags: frozenset[str] = frozenset(),
    point: tuple[float, float] | None = (41.3935, 2.1690),
) -> str:
    """A routed request of ``theme`` in its group's district branch."""
    chosen = desk.catalogue.theme(theme)
    due = desk.now() + due_in
    created = desk.now() - age if age is not None else due - timedelta(hours=chosen.sla_hours)
    reference = f"BCN-2026-{number:06d}"
    origin = Interaction(
        id=new_id("int"),
        at=created,
        kind=InteractionKind.INBOUND_MESSAGE,
        channel=InputChannel.WEB,
        actor=f"citizen:{citizen_id}" if citizen_id else "system",
        text=TEXT,
    )
    request = Request(
        reference=reference,
        request_type=chosen.request_types[0],
        theme_code=theme,
        description=TEXT,
        location=Location(
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
            address=ADDRESS,
            district_code=district,
            neighbourhood_code=neighbourhood,
        ),
        input_channel=InputChannel.WEB,
        response_channel=ResponseChannel.EMAIL,
        language=Language.CA,
        state=state,
        responsible_group=f"{chosen.responsible_group}.d{district}",
        sla_due_at=due,
        created_at=created,
        updated_at=created + timedelta(hours=1),
        citizen_id=citizen_id,
        origin=origin,
        tracking_token_hash="0" * 64,
        flags=flags,
    )
    desk.requests.save(desk.requests.creation(request))
    return reference


@pytest.fixture
def city(desk: DeskApp) -> dict[str, str]:
    """Paving requests in Eixample (on time, breached, closed, flagged, elsewhere), one of
    lighting in Eixample and one of paving in Ciutat Vella, outside the agent's districts.
    """
    return {
        "on_time": store(desk, 301, citizen_id=CITIZEN),
        "breached": store(desk, 302, due_in=timedelta(hours=-2), neighbourhood="6"),
        "closed": store(desk, 303, state=RequestState.CLOSED, citizen_id=CITIZEN),
        "flagged": store(
            desk,
            304,
            theme="roads.manhole-cover",
            due_in=timedelta(hours=1),
            flags=frozenset({"citizen_replied"}),
            point=None,
        ),
        "lighting": store(desk, 305, theme="lighting.streetlight-off", citizen_id=CITIZEN),
        "old_town": store(desk, 306, district="1", neighbourhood="2", citizen_id=CITIZEN),
    }


def references(body: dict[str, Any]) -> set[str]:
    return {item["reference"] for item in body["items"]}


# --------------------------------------------------------------------------- search


def test_a_search_by_group_reads_the_groups_queues_and_answers_points(
    api: ModuleType, city: dict[str, str]
) -> None:
    status, body = search(api, group="paving")

    assert status == 200
    assert body["access_path"] == "group"
    assert references(body) == {city["on_time"], city["breached"], city["flagged"]}
    by_reference = {item["reference"]: item for item in body["items"]}
    assert by_reference[city["on_time"]]["point"] == {"lat": 41.3935, "lon": 2.169}
    assert by_reference[city["flagged"]]["point"] is None
    assert by_reference[city["flagged"]]["flags"] == ["citizen_replied"]


def test_a_search_without_an_indexed_filter_is_refused_naming_the_filters_it_needs(
    api: ModuleType, city: dict[str, str]
) -> None:
    status, body = search(api, theme="roads.pothole", district="2")

    assert status == 422
    assert body["code"] == "search_too_broad"
    for needed in ("applicant", "group", "sla"):
        assert needed in body["message"]


def test_an_agent_may_not_search_another_groups_requests(
    api: ModuleType, city: dict[str, str]
) -> None:
    status, body = search(api, group="lighting")

    assert status == 403
    assert body["code"] == "forbidden"


def test_an_agent_may_not_search_a_district_outside_theirs(
    api: ModuleType, city: dict[str, str]
) -> None:
    status, _ = search(api, group="paving", district="1")

    assert status == 403


def test_a_search_by_sla_reads_the_due_index_within_the_agents_groups_and_districts(
    api: ModuleType, city: dict[str, str]
) -> None:
    status, body = search(api, sla="breached")

    assert status == 200
    assert body["access_path"] == "due"
    assert references(body) == {city["breached"]}


def test_a_supervisor_searching_by_sla_sees_every_group(
    api: ModuleType, desk: DeskApp, city: dict[str, str]
) -> None:
    late = store(desk, 307, theme="lighting.streetlight-off", due_in=timedelta(hours=-1))

    status, body = search(api, SUPERVISOR, sla="breached")

    assert status == 200
    assert references(body) == {city["breached"], late}


def test_filters_combine_theme_neighbourhood_address_and_flag(
    api: ModuleType, city: dict[str, str]
) -> None:
    _, by_theme = search(api, group="paving", theme="roads.pothole")
    _, by_place = search(api, group="paving", neighbourhood="6")
    _, by_address = search(api, group="paving", address="carrer de giro")
    _, by_flag = search(api, group="paving", flag="citizen_replied")
    _, none = search(api, group="paving", theme="roads.pothole", flag="citizen_replied")

    assert references(by_theme) == {city["on_time"], city["breached"]}
    assert references(by_place) == {city["breached"]}
    assert references(by_address) == {city["on_time"], city["breached"], city["flagged"]}
    assert references(by_flag) == {city["flagged"]}
    assert references(none) == set()


def test_the_state_filter_reaches_final_states_on_their_own_key_ranges(
    api: ModuleType, city: dict[str, str]
) -> None:
    _, final = search(api, group="paving", state="final")
    _, closed = search(api, group="paving", state="closed")
    _, every = search(api, group="paving", state="any")

    assert references(final) == {city["closed"]}
    assert references(closed) == {city["closed"]}
    assert references(every) == {
        city["on_time"],
        city["breached"],
        city["closed"],
        city["flagged"],
    }


def test_the_received_dates_are_days_of_the_city_both_included(
    api: ModuleType, desk: DeskApp, city: dict[str, str]
) -> None:
    today = desk.now().date()
    recent = store(desk, 308, age=timedelta(hours=2))

    _, body = search(api, group="paving", received_from=today.isoformat())
    _, before = search(api, group="paving", received_to=(today - timedelta(days=1)).isoformat())

    assert references(body) == {recent}
    assert recent not in references(before)
    assert city["on_time"] in references(before)


def test_received_from_after_received_to_is_refused(api: ModuleType) -> None:
    status, body = search(api, group="paving", received_from="2026-03-10", received_to="2026-03-01")

    assert status == 422
    assert body["code"] == "invalid_request"


def test_a_search_by_applicant_reads_their_requests_in_scope_and_is_logged(
    api: ModuleType, city: dict[str, str]
) -> None:
    status, body = search(api, applicant=CITIZEN, state="any")

    assert status == 200
    assert body["access_path"] == "applicant"
    assert references(body) == {city["on_time"], city["closed"]}
    records = table_items(f"ACCESS#{CITIZEN}")
    assert [r["reason"] for r in records] == ["search"]
    assert records[0]["route"] == SEARCH


def test_pages_follow_the_cursor_without_repeating_or_losing_a_request(
    api: ModuleType, desk: DeskApp, city: dict[str, str]
) -> None:
    for number in range(320, 326):
        store(desk, number, due_in=timedelta(hours=number - 300))
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        params = {"group": "paving", "limit": "2"}
        if cursor:
            params["cursor"] = cursor
        status, body = search(api, AGENT, **params)
        assert status == 200
        assert len(body["items"]) <= 2
        seen.extend(item["reference"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert cursor is None
    assert len(seen) == len(set(seen)) == 9


def test_a_changed_cursor_is_refused(api: ModuleType, city: dict[str, str]) -> None:
    _, first = search(api, group="paving", limit="1")
    cursor = first["next_cursor"]
    body, _, signature = cursor.rpartition(".")
    forged = base64.urlsafe_b64encode(b'{"range":0,"start":null}').decode().rstrip("=")

    tampered = search(api, group="paving", limit="1", cursor=f"{forged}.{signature}")
    foreign = search(api, group="paving", theme="roads.pothole", limit="1", cursor=cursor)
    other_user = search(api, SUPERVISOR, group="paving", limit="1", cursor=cursor)

    assert body
    for status, answer in (tampered, foreign, other_user):
        assert status == 400
        assert answer["errors"][0]["field"] == "cursor"


def test_a_campaign_manager_may_not_search(api: ModuleType, city: dict[str, str]) -> None:
    status, _ = search(api, CAMPAIGN_MANAGER, group="paving")

    assert status == 403


# --------------------------------------------------------------------------- export


def test_an_export_is_a_csv_with_a_bom_holding_no_personal_data_and_is_recorded(
    api: ModuleType, city: dict[str, str]
) -> None:
    response = export(api, group="paving", state="any", address="Carrer", lang="en")

    assert response["statusCode"] == 200
    headers = response["headers"]
    assert headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"].startswith('attachment; filename="finestra-requests-')
    assert headers["X-Export-Rows"] == "5"
    text = response["body"]
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["Reference", "Theme", "State"]
    assert {row[0] for row in rows[1:]} == {
        city["on_time"],
        city["breached"],
        city["closed"],
        city["flagged"],
        city["old_town"],
    }
    closed = next(row for row in rows if row[0] == city["closed"])
    assert closed[10]
    for personal in (TEXT, ADDRESS, CITIZEN, "Girona"):
        assert personal not in text
    (record,) = table_items("EXPORTBY#")
    assert record["rows"] == 5
    assert record["username"] == "jsoler"
    assert record["filters"] == {"group": "paving", "state": "any", "address": True}
    assert len(table_items("EXPORTS#")) == 1


def test_an_export_by_applicant_is_in_the_citizens_access_log_without_their_id_in_the_record(
    api: ModuleType, city: dict[str, str]
) -> None:
    response = export(api, applicant=CITIZEN, state="any")

    assert response["statusCode"] == 200
    assert [r["reason"] for r in table_items(f"ACCESS#{CITIZEN}")] == ["export"]
    (record,) = table_items("EXPORTBY#")
    assert record["filters"]["applicant"] is True
    assert CITIZEN not in str(record)


def test_an_export_above_the_cap_is_refused_and_not_recorded(
    api: ModuleType, city: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("finestra.apps.desk_search.EXPORT_CAP", 3)

    response = export(api, group="paving")

    assert response["statusCode"] == 422
    assert http_body(response)["code"] == "export_too_large"
    assert table_items("EXPORTBY#") == []


def test_an_export_within_the_cap_is_answered_whole(
    api: ModuleType, city: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("finestra.apps.desk_search.EXPORT_CAP", 4)

    response = export(api, group="paving")

    assert response["statusCode"] == 200
    assert response["headers"]["X-Export-Rows"] == "4"


def test_an_xlsx_export_is_a_workbook_whose_sheet_holds_the_rows(
    api: ModuleType, city: dict[str, str]
) -> None:
    response = export(api, accept=XLSX, group="paving", format="xlsx", lang="ca")

    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert response["headers"]["Content-Type"].endswith("spreadsheetml.sheet")
    book = zipfile.ZipFile(io.BytesIO(base64.b64decode(response["body"])))
    assert book.testzip() is None
    assert "xl/workbook.xml" in book.namelist()
    sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = [
        [cell.findtext(f"{XLSX_MAIN}is/{XLSX_MAIN}t") for cell in row]
        for row in sheet.iter(f"{XLSX_MAIN}row")
    ]
    assert rows[0][0] == "Referència"
    assert {row[0] for row in rows[1:]} == {
        city["on_time"],
        city["breached"],
        city["flagged"],
        city["old_town"],
    }


def test_an_unknown_export_format_is_refused(api: ModuleType, city: dict[str, str]) -> None:
    response = export(api, group="paving", format="pdf")

    assert response["statusCode"] == 422
    assert http_body(response)["errors"] == [{"field": "format", "rule": "is not csv or xlsx"}]


def test_an_agent_exports_only_what_their_search_shows(
    api: ModuleType, city: dict[str, str]
) -> None:
    response = export(api, AGENT, sla="breached")

    assert response["statusCode"] == 200
    rows = list(csv.reader(io.StringIO(response["body"].removeprefix("\ufeff"))))
    assert [row[0] for row in rows[1:]] == [city["breached"]]


def test_a_page_reads_each_key_range_once_and_fetches_its_requests_in_one_batch(
    api: ModuleType, desk: DeskApp, city: dict[str, str]
) -> None:
    before = dict(desk.table.meter.calls)

    search(api, group="paving")

    made = {k: v - before.get(k, 0) for k, v in desk.table.meter.calls.items()}
    queues_times_shards = 3 * 4
    assert made.get("Query") == queues_times_shards
    assert made.get("BatchGetItem", 0) <= queues_times_shards
    assert "Scan" not in made

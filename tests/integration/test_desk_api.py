"""The staff desk API's read side (Chalice) on HTTP API payload-1.0 events, under moto.

Each scenario starts from an event file of ``events/desk/``: the claims the gateway's
JWT authorizer passes on, changed per test where the test is about the caller.
"""

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

from finestra.apps.desk import DeskApp
from finestra.domain.citizen import Citizen, Consent, ContactPoint
from finestra.domain.geo import encode
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Location, Request, SystemStatus
from finestra.domain.vocabulary import (
    ConsentPurpose,
    ContactKind,
    InputChannel,
    InteractionKind,
    Language,
    RequestState,
    ResponseChannel,
)
from finestra.runtime import Lazy
from finestra.settings import DeskSettings
from finestra.workflow.tasks import geo_precision
from tests.conftest import Clock, FakeLambdaContext, load_event
from tests.support.aws import http_body, table_items

CITIZEN_ID = "cit_01JQ3V7X9K2M4N6P8R0S2T4V6W"
PHONE = "+34612345678"
EMAIL = "jordi.serra@example.org"
DOCUMENT = "12345678Z"
WORKS = "roads.works-obstruction"
HERE = (41.39020, 2.16140)
NEAR = (41.39030, 2.16150)
FAR = (41.40500, 2.17500)
AGENT_USER = "7c1e4a52-3b9d-4f60-9a8e-2d5b6c7f8a90"


# --------------------------------------------------------------------------- events


def scenario(name: str) -> dict[str, Any]:
    event: dict[str, Any] = load_event(f"desk/{name}.json")
    APIGatewayProxyEventModel.model_validate(event)
    return event


def expected(name: str) -> dict[str, Any]:
    result: dict[str, Any] = load_event(f"desk/{name}.expected.json")
    return result


def with_query(event: dict[str, Any], **params: str | None) -> dict[str, Any]:
    """The event with its query string replaced (a ``None`` value drops the parameter)."""
    changed = copy.deepcopy(event)
    query = {k: v for k, v in params.items() if v is not None}
    changed["queryStringParameters"] = query or None
    changed["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
    return changed


def with_path(event: dict[str, Any], **values: str) -> dict[str, Any]:
    """The event of the same route with other path parameters."""
    changed = copy.deepcopy(event)
    path = changed["resource"]
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    changed["pathParameters"] = values
    changed["path"] = changed["requestContext"]["path"] = path
    return changed


def with_claims(event: dict[str, Any], **claims: str | None) -> dict[str, Any]:
    """The event with claims changed; no claims at all when none are left."""
    changed = copy.deepcopy(event)
    current = dict(changed["requestContext"]["authorizer"]["claims"] or {})
    current.update(claims)
    current = {k: v for k, v in current.items() if v is not None}
    changed["requestContext"]["authorizer"]["claims"] = current or None
    if not current:
        changed["headers"].pop("authorization", None)
        changed["multiValueHeaders"].pop("authorization", None)
    return changed


def without_claims(event: dict[str, Any]) -> dict[str, Any]:
    claims = event["requestContext"]["authorizer"]["claims"] or {}
    return with_claims(event, **dict.fromkeys(claims))


def as_campaign_manager(event: dict[str, Any]) -> dict[str, Any]:
    return with_claims(event, **{"cognito:groups": "[campaign_manager]"})


def call(api: ModuleType, event: dict[str, Any]) -> tuple[int, Any]:
    response = api.app(event, FakeLambdaContext())
    return response["statusCode"], http_body(response)


# --------------------------------------------------------------------------- the city


@pytest.fixture
def api(
    function: Callable[[str], ModuleType], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    module = function("desk_api")
    runtime = DeskApp(DeskSettings(), clock=clock)
    monkeypatch.setattr(module, "desk", Lazy(lambda: runtime))
    return module


@pytest.fixture
def desk(api: ModuleType) -> DeskApp:
    runtime: DeskApp = api.desk.get()
    return runtime


def add_citizen(
    desk: DeskApp,
    *,
    citizen_id: str | None = None,
    district: str | None = "2",
    given_name: str = "Jordi",
    family_names: str = "Serra Vidal",
    phone: str | None = PHONE,
    email: str | None = EMAIL,
    document: str | None = DOCUMENT,
) -> str:
    now = desk.now()
    points = [
        ContactPoint(kind=kind, value=value, verified=kind is ContactKind.DOCUMENT)
        for kind, value in (
            (ContactKind.PHONE, phone),
            (ContactKind.EMAIL, email),
            (ContactKind.DOCUMENT, document),
        )
        if value
    ]
    citizen = Citizen(
        id=citizen_id or new_id("cit"),
        given_name=given_name,
        family_names=family_names,
        language=Language.CA,
        district_code=district,
        contact_points=points,
        consents=[
            Consent(
                channel="sms",
                purpose=ConsentPurpose.SERVICE,
                granted=True,
                recorded_at=now - timedelta(days=3),
                source=InputChannel.SMS,
            )
        ],
        provisional=False,
        created_at=now - timedelta(days=30),
        updated_at=now - timedelta(days=3),
    )
    desk.table.transact(desk.citizens.creation(citizen))
    return citizen.id


def file_request(
    desk: DeskApp,
    number: int,
    *,
    theme: str = WORKS,
    district: str | None = "2",
    point: tuple[float, float] | None = HERE,
    state: RequestState = RequestState.IN_RESOLUTION,
    due_in: timedelta = timedelta(hours=40),
    citizen_id: str | None = None,
    channel: InputChannel = InputChannel.WEB,
    text: str = "Una tanca d'obres ocupa tota la vorera i no es pot passar.",
) -> str:
    """Store a request and route it, as the workflow does, into its group's branch."""
    chosen = desk.catalogue.theme(theme)
    due = desk.now() + due_in
    created = due - timedelta(hours=chosen.sla_hours)
    reference = f"BCN-2026-{number:06d}"
    location = Location(
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        address="Carrer de Girona, 20" if point else None,
        district_code=district,
    )
    origin = Interaction(
        id=new_id("int"),
        at=created,
        kind=InteractionKind.INBOUND_MESSAGE,
        channel=channel,
        actor=f"citizen:{citizen_id}" if citizen_id else "system",
        text=text,
    )
    request = Request(
        reference=reference,
        request_type=chosen.request_types[0],
        theme_code=theme,
        description=text,
        location=location if district or point else None,
        input_channel=channel,
        response_channel=ResponseChannel.EMAIL,
        language=Language.CA,
        state=state,
        responsible_group=chosen.responsible_group,
        created_at=created,
        updated_at=created,
        citizen_id=citizen_id,
        origin=origin,
        tracking_token_hash="0" * 64,
    )
    desk.requests.save(desk.requests.creation(request))
    stored = desk.requests.get(reference)
    assert stored is not None
    radius = chosen.duplicate_radius_m or 0
    desk.requests.route(
        stored,
        group=f"{chosen.responsible_group}.d{district}" if district else chosen.responsible_group,
        priority="normal",
        sla_due_at=due,
        duplicate_of=None,
        flags=set(),
        at=created,
        geo_cell=encode(point[0], point[1], geo_precision(radius)) if point and radius else None,
        unless_flagged="workflow_failed",
    )
    return reference


def add_history(desk: DeskApp, reference: str) -> None:
    """An acknowledgement, a staff note and a change of state, an hour apart."""
    request = desk.requests.get(reference)
    assert request is not None
    entries = [
        (InteractionKind.OUTBOUND_MESSAGE, "email", "system", "Hem rebut la sol·licitud.", None),
        (InteractionKind.NOTE, "internal", "staff:u-9", "Parlat amb l'empresa d'obres.", None),
        (InteractionKind.STATE_CHANGE, "internal", "staff:u-9", None, RequestState.PENDING_ANSWER),
    ]
    for hours, (kind, channel, actor, text, to_state) in enumerate(entries, start=1):
        current = desk.requests.get(reference)
        assert current is not None
        entry = Interaction(
            id=new_id("int"),
            at=request.created_at + timedelta(hours=hours),
            kind=kind,
            channel=channel,
            actor=actor,
            text=text,
            from_state=RequestState.IN_RESOLUTION if to_state else None,
            to_state=to_state,
        )
        desk.table.transact(desk.requests.reply(current, entry, flag="seen", new_state=None))


def add_snapshot(desk: DeskApp, owner: str, system: str, minutes_ago: int) -> None:
    desk.snapshots.keep(
        owner,
        system,
        {"permit": "OV-2026-0042", "works_until": "2026-03-20"},
        status="ok",
        fetched_at=desk.now() - timedelta(minutes=minutes_ago),
        keep_for=timedelta(hours=6),
    )


def access_records() -> list[dict[str, Any]]:
    """Every access record, under the citizen and under the staff member."""
    return table_items("ACCESS")


def worklist_read_units(api: ModuleType, desk: DeskApp, event: dict[str, Any]) -> float:
    """The read units DynamoDB reported (``ReturnConsumedCapacity``) for one worklist call."""
    before = desk.table.meter.read_units
    status, _ = call(api, event)
    assert status == 200
    return desk.table.meter.read_units - before


# --------------------------------------------------------------------------- the event files


@pytest.mark.parametrize(
    "name",
    [
        "me-agent",
        "worklist-campaign-manager",
        "request-detail-no-claims",
        "access-log-agent",
        "access-log-administrator",
    ],
)
def test_each_event_file_gets_the_answer_its_sidecar_names(api: ModuleType, name: str) -> None:
    status, body = call(api, scenario(name))

    assert status == expected(name)["status_code"]
    if "code" in expected(name):
        assert body["code"] == expected(name)["code"]


# --------------------------------------------------------------------------- me


def test_me_tells_the_caller_their_roles_districts_and_groups(api: ModuleType) -> None:
    status, body = call(api, scenario("me-agent"))

    assert status == 200
    assert body == {
        "user_id": AGENT_USER,
        "username": expected("me-agent")["username"],
        "roles": ["agent"],
        "districts": ["2", "5"],
        "groups": ["paving"],
    }


def test_me_without_claims_is_unauthorised(api: ModuleType) -> None:
    status, body = call(api, without_claims(scenario("me-agent")))

    assert status == 401
    assert body["code"] == "unauthorised"


def test_an_account_without_a_staff_role_is_forbidden(api: ModuleType) -> None:
    status, body = call(api, with_claims(scenario("me-agent"), **{"cognito:groups": "[guest]"}))

    assert status == 403
    assert body == {"code": "forbidden", "message": "your account has no staff role"}


# --------------------------------------------------------------------------- worklist


def test_the_worklist_is_sorted_by_due_time_across_shards_and_pages(
    api: ModuleType, desk: DeskApp
) -> None:
    # given nine requests of the agent's branches, due in scrambled order
    hours = [30, 4, 18, 41, 2, 26, 11, 35, 7]
    for n, h in enumerate(hours):
        district = "2" if n % 3 else "5"
        file_request(desk, 200 + n, due_in=timedelta(hours=h), district=district, point=None)
    event = scenario("worklist-agent")

    # when the agent reads it four at a time
    seen: list[dict[str, Any]] = []
    status, body = call(api, with_query(event, group="paving", limit="4"))
    pages = [body]
    while body["next_cursor"]:
        status, body = call(
            api, with_query(event, group="paving", limit="4", cursor=body["next_cursor"])
        )
        assert status == 200
        pages.append(body)
    for page in pages:
        seen.extend(page["items"])

    # then every request comes once, soonest due first, and the counts are the group's
    assert [len(page["items"]) for page in pages] == [4, 4, 1]
    assert [item["due_at"] for item in seen] == sorted(item["due_at"] for item in seen)
    assert len({item["reference"] for item in seen}) == 9
    assert {item["group"] for item in seen} == {"paving.d2", "paving.d5"}
    assert pages[0]["counts"] == {"on_time": 7, "at_risk": 2, "breached": 0}
    assert all(item["due_at"].endswith("Z") for item in seen)
    first = seen[0]
    assert first["sla"] == "at_risk"
    assert first["summary"] == "Una tanca d'obres ocupa tota la vorera i no es pot passar."
    assert first["channel"] == "web"


def test_the_at_risk_worklist_holds_only_requests_nearly_due(
    api: ModuleType, desk: DeskApp
) -> None:
    at_risk = file_request(desk, 301, due_in=timedelta(hours=3), point=None)
    file_request(desk, 302, due_in=timedelta(hours=30), point=None)
    file_request(desk, 303, due_in=timedelta(hours=-3), point=None)

    status, body = call(api, scenario("worklist-at-risk"))

    assert status == 200
    assert [item["reference"] for item in body["items"]] == [at_risk]
    assert body["items"][0]["sla"] == expected("worklist-at-risk")["sla"]
    assert body["counts"] == {"on_time": 1, "at_risk": 1, "breached": 1}


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"group": "paving", "sla": "late"}, 422, "sla"),
        ({"group": "paving", "limit": "0"}, 422, "limit"),
        ({"group": "paving", "colour": "red"}, 422, "colour"),
        ({"group": "paving", "theme": "roads.nonsense"}, 422, "theme"),
        ({"group": "Paving!"}, 422, "group"),
        (
            {"group": "paving", "cursor": "eyJmb28iOjF9.0123456789abcdef0123456789abcdef"},
            400,
            "cursor",
        ),
    ],
)
def test_bad_worklist_input_is_refused_by_name_and_nothing_is_written(
    api: ModuleType, desk: DeskApp, params: dict[str, str], status: int, field: str
) -> None:
    file_request(desk, 401, point=None)
    before = table_items()

    answer, body = call(api, with_query(scenario("worklist-agent"), **params))

    assert answer == status
    assert body["code"] == "invalid_request"
    assert [error["field"] for error in body["errors"]] == [field]
    assert "red" not in json.dumps(body)
    assert table_items() == before


def test_a_tampered_worklist_cursor_is_a_400_not_a_crash(api: ModuleType, desk: DeskApp) -> None:
    for n in range(3):
        file_request(desk, 410 + n, point=None)
    event = with_query(scenario("worklist-agent"), group="paving", limit="1")
    _, first = call(api, event)
    cursor = first["next_cursor"]
    body, _, signature = cursor.rpartition(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature

    status, answer = call(api, with_query(event, group="paving", limit="1", cursor=forged))

    assert status == 400
    assert answer["errors"] == [{"field": "cursor", "rule": "is not a cursor this list handed out"}]


def test_the_worklist_refuses_campaign_managers_naming_the_rule(api: ModuleType) -> None:
    status, body = call(api, scenario("worklist-campaign-manager"))

    assert status == 403
    assert body == {"code": "forbidden", "message": "this needs the role agent or supervisor"}


def test_the_worklist_of_a_district_outside_the_callers_is_forbidden(api: ModuleType) -> None:
    status, body = call(api, with_query(scenario("worklist-agent"), group="paving", district="7"))

    assert status == 403
    assert body["message"] == "this is outside your districts"


def test_the_worklist_of_a_group_outside_the_callers_is_forbidden(api: ModuleType) -> None:
    status, body = call(api, with_query(scenario("worklist-agent"), group="lighting"))

    assert status == 403
    assert body["message"] == "the group lighting is outside your groups and the groups below them"


def test_the_worklist_without_claims_is_unauthorised(api: ModuleType) -> None:
    status, body = call(api, without_claims(scenario("worklist-agent")))

    assert status == 401
    assert body["code"] == "unauthorised"


def test_a_worklist_call_reports_the_read_units_it_consumed(api: ModuleType, desk: DeskApp) -> None:
    for n in range(5):
        file_request(desk, 500 + n, point=None)
    event = with_query(scenario("worklist-agent"), group="paving", limit="2")
    queries_before = desk.table.meter.calls.get("Query", 0)

    units = worklist_read_units(api, desk, event)

    queries = desk.table.meter.calls["Query"] - queries_before
    assert units > 0
    # three queues (paving, paving.d2, paving.d5) x four shards, each read for the page
    # and twice for the counts, whatever the open states
    assert queries == 12 * 3


# --------------------------------------------------------------------------- request detail


def test_the_request_detail_shows_history_snapshots_duplicates_and_next_states(
    api: ModuleType, desk: DeskApp
) -> None:
    # given a request of the agent's district with a history, a back-office answer and
    # a request of the same theme nearby (and one far away)
    reference = expected("request-detail-agent")["given"]["reference"]
    file_request(desk, int(reference[-6:]))
    near = file_request(desk, 124, point=NEAR)
    file_request(desk, 125, point=FAR)
    add_history(desk, reference)
    add_snapshot(desk, f"PLACE#{encode(*HERE, 7)}", "permits", minutes_ago=30)
    fetched = desk.now() - timedelta(minutes=30)
    desk.requests.record_backoffice(
        reference, {"permits": SystemStatus(status="ok", available=True, fetched_at=fetched)}
    )

    # when the agent opens it
    status, body = call(api, scenario("request-detail-agent"))

    # then everything the desk shows is there
    assert status == 200
    request = body["request"]
    assert request["reference"] == reference
    assert request["description"].startswith("Una tanca d'obres")
    assert request["location"] == {
        "lat": HERE[0],
        "lon": HERE[1],
        "address": "Carrer de Girona, 20",
        "district": "2",
        "neighbourhood": None,
    }
    assert request["group"] == "paving.d2"
    assert [entry["kind"] for entry in body["timeline"]] == [
        "inbound",
        "outbound",
        "note",
        "state_change",
    ]
    assert body["timeline"][2]["actor"] == "staff:u-9"
    assert body["timeline"][3]["to_state"] == "pending_answer"
    [snapshot] = body["snapshots"]
    assert snapshot["system"] == "permits"
    assert snapshot["name"] == "Llicències d'obres i d'activitats"
    assert snapshot["age_s"] == 1800
    assert snapshot["available"] is True
    assert snapshot["data"]["permit"] == "OV-2026-0042"
    assert [d["reference"] for d in body["duplicates"]] == [near]
    assert 0 < body["duplicates"][0]["distance_m"] < 50
    assert body["allowed_transitions"] == ["pending_answer", "cancelled"]


def test_a_system_that_did_not_answer_shows_as_unavailable(api: ModuleType, desk: DeskApp) -> None:
    reference = file_request(desk, 123)
    desk.requests.record_backoffice(
        reference, {"permits": SystemStatus(status="unavailable", available=False)}
    )

    _, body = call(api, scenario("request-detail-agent"))

    assert body["snapshots"] == [
        {
            "system": "permits",
            "name": "Llicències d'obres i d'activitats",
            "status": "unavailable",
            "fetched_at": None,
            "age_s": None,
            "available": False,
            "data": {},
        }
    ]


@pytest.mark.parametrize(
    ("reference", "status", "code"),
    [("bcn-123", 422, "invalid_request"), ("BCN-2026-999999", 404, "not_found")],
)
def test_a_bad_or_unknown_reference_gets_a_clear_error(
    api: ModuleType, desk: DeskApp, reference: str, status: int, code: str
) -> None:
    file_request(desk, 123)

    answer, body = call(api, with_path(scenario("request-detail-agent"), reference=reference))

    assert answer == status
    assert body["code"] == code


def test_a_request_outside_the_callers_district_is_forbidden(
    api: ModuleType, desk: DeskApp
) -> None:
    file_request(desk, 123, district="7", point=None)

    status, body = call(api, scenario("request-detail-agent"))

    assert status == 403
    assert body["message"] == "this is outside your districts"


def test_a_request_of_another_group_is_forbidden(api: ModuleType, desk: DeskApp) -> None:
    file_request(desk, 123, theme="lighting.streetlight-off", point=None)

    status, body = call(api, scenario("request-detail-agent"))

    assert status == 403
    assert body["message"] == "this request belongs to a group that is not yours"


def test_the_request_detail_refuses_campaign_managers(api: ModuleType, desk: DeskApp) -> None:
    file_request(desk, 123)

    status, body = call(api, as_campaign_manager(scenario("request-detail-agent")))

    assert status == 403
    assert body["code"] == "forbidden"


def test_the_request_detail_without_claims_is_unauthorised(api: ModuleType, desk: DeskApp) -> None:
    file_request(desk, 123)

    status, body = call(api, scenario("request-detail-no-claims"))

    assert status == 401
    assert body["code"] == "unauthorised"


def test_the_request_detail_refuses_an_unknown_language(api: ModuleType, desk: DeskApp) -> None:
    file_request(desk, 123)

    status, body = call(api, with_query(scenario("request-detail-agent"), lang="fr"))

    assert status == 422
    assert body["errors"][0]["field"] == "lang"


# --------------------------------------------------------------------------- citizen search


@pytest.mark.parametrize(
    "params",
    [
        {"phone": "612 34 56 78"},
        {"email": "Jordi.Serra@Example.org"},
        {"document": "12345678z"},
        {"name": "jordi SERRA"},
        {"name": "Vidal"},
        {"reference": "BCN-2026-000600"},
    ],
)
def test_a_citizen_is_found_every_way_and_each_hit_is_logged(
    api: ModuleType, desk: DeskApp, params: dict[str, str]
) -> None:
    # given a citizen of the agent's district with one request
    citizen_id = add_citizen(desk)
    add_citizen(
        desk, given_name="Marta", family_names="Puig", phone=None, email=None, document=None
    )
    file_request(desk, 600, citizen_id=citizen_id, point=None)

    # when the agent searches
    status, body = call(api, with_query(scenario("citizen-search-phone"), **params))

    # then the citizen is the one hit, and the read is in the access log
    assert status == 200
    assert body["items"] == [
        {
            "citizen_id": citizen_id,
            "display_name": "Jordi Serra Vidal",
            "district": "2",
            "languages": ["ca"],
            "request_count": 1,
        }
    ]
    [record, copy_by_staff] = sorted(access_records(), key=lambda r: r["PK"])
    assert record["PK"] == f"ACCESS#{citizen_id}"
    assert copy_by_staff["PK"] == f"ACCESSBY#{AGENT_USER}"
    assert record["reason"] == "search"
    assert record["route"] == "/api/desk/v1/citizens"


def test_the_event_files_phone_search_finds_its_citizen(api: ModuleType, desk: DeskApp) -> None:
    citizen_id = add_citizen(desk, phone=expected("citizen-search-phone")["given"]["phone"])

    status, body = call(api, scenario("citizen-search-phone"))

    assert status == 200
    assert [hit["citizen_id"] for hit in body["items"]] == [citizen_id]


def test_a_search_leaves_out_citizens_outside_the_callers_scope(
    api: ModuleType, desk: DeskApp
) -> None:
    # given two namesakes outside the agent's districts, one with a request of theirs
    theirs = add_citizen(desk, district="7", phone=None, email=None, document=None)
    add_citizen(desk, district="7", phone=None, email=None, document=None)
    file_request(desk, 610, district="7", citizen_id=theirs, point=None)
    file_request(desk, 611, citizen_id=theirs, district="2", point=None)

    status, body = call(api, with_query(scenario("citizen-search-phone"), name="Jordi Serra"))

    assert status == 200
    assert [hit["citizen_id"] for hit in body["items"]] == [theirs]
    assert {r["citizen_id"] for r in access_records()} == {theirs}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "+34612345678", "name": "Jordi"}, "body"),
        ({}, "body"),
        ({"reference": "not-a-reference"}, "reference"),
        ({"surname": "Serra"}, "surname"),
    ],
)
def test_a_bad_search_is_refused_by_name_and_nothing_is_written(
    api: ModuleType, desk: DeskApp, params: dict[str, str], field: str
) -> None:
    add_citizen(desk)
    before = table_items()

    status, body = call(api, with_query(scenario("citizen-search-phone"), **params))

    assert status == 422
    assert body["code"] == "invalid_request"
    assert field in {error["field"] for error in body["errors"]}
    assert "Serra" not in json.dumps(body)
    assert table_items() == before


def test_the_search_refuses_campaign_managers_and_callers_without_claims(
    api: ModuleType, desk: DeskApp
) -> None:
    add_citizen(desk)
    event = scenario("citizen-search-phone")

    forbidden, _ = call(api, as_campaign_manager(event))
    unauthorised, _ = call(api, without_claims(event))

    assert (forbidden, unauthorised) == (403, 401)
    assert access_records() == []


# --------------------------------------------------------------------------- citizen 360


def test_the_citizen_view_shows_everything_and_is_logged_first(
    api: ModuleType, desk: DeskApp, clock: Clock
) -> None:
    # given the citizen of the event file with two requests on two channels
    add_citizen(desk, citizen_id=CITIZEN_ID)
    older = file_request(desk, 700, citizen_id=CITIZEN_ID, due_in=timedelta(hours=3), point=None)
    newer = file_request(
        desk, 701, citizen_id=CITIZEN_ID, channel=InputChannel.SMS, due_in=timedelta(hours=40)
    )
    add_snapshot(desk, f"CITIZEN#{CITIZEN_ID}", "population-register", minutes_ago=5)

    # when the agent opens the citizen
    status, body = call(api, scenario("citizen-view-agent"))

    # then the profile, contacts in clear, consents, requests newest first and snapshots
    assert status == 200
    citizen = body["citizen"]
    assert citizen["citizen_id"] == CITIZEN_ID
    assert citizen["display_name"] == "Jordi Serra Vidal"
    assert citizen["kind"] == "identified"
    assert citizen["district"] == expected("citizen-view-agent")["given"]["district"]
    assert {(c["kind"], c["value"], c["verified"]) for c in citizen["contacts"]} == {
        ("phone", PHONE, False),
        ("email", EMAIL, False),
        ("document", DOCUMENT, True),
    }
    assert citizen["consents"] == [
        {"purpose": "service", "channel": "sms", "granted": True, "at": "2026-03-11T19:41:08Z"}
    ]
    assert [r["reference"] for r in body["requests"]] == [newer, older]
    assert [r["channel"] for r in body["requests"]] == ["sms", "web"]
    assert body["requests"][1]["sla"] == "at_risk"
    assert body["requests"][0]["summary"].startswith("Una tanca")
    assert [s["system"] for s in body["snapshots"]] == ["population-register"]
    assert body["snapshots"][0]["age_s"] == 300
    assert body["campaigns"] == []
    assert body["answers"] == []
    [record] = [r for r in access_records() if r["PK"].startswith("ACCESS#")]
    assert record == {
        **{k: record[k] for k in ("PK", "SK", "type")},
        "at": "2026-03-14T19:41:08Z",
        "user_id": AGENT_USER,
        "username": "mrovira",
        "citizen_id": CITIZEN_ID,
        "route": "/api/desk/v1/citizens/{citizen_id}",
        "reason": "profile",
    }


@pytest.mark.parametrize(
    ("citizen_id", "status", "code"),
    [("cit 01!", 422, "invalid_request"), ("cit_01JQ3V7X9K2M4N6P8R0S2T4V6X", 404, "not_found")],
)
def test_a_bad_or_unknown_citizen_id_gets_a_clear_error_and_no_record(
    api: ModuleType, desk: DeskApp, citizen_id: str, status: int, code: str
) -> None:
    add_citizen(desk, citizen_id=CITIZEN_ID)
    before = table_items()

    answer, body = call(api, with_path(scenario("citizen-view-agent"), citizen_id=citizen_id))

    assert (answer, body["code"]) == (status, code)
    assert table_items() == before


def test_a_citizen_outside_the_callers_scope_is_forbidden_and_not_logged(
    api: ModuleType, desk: DeskApp
) -> None:
    add_citizen(desk, citizen_id=CITIZEN_ID, district="7")
    file_request(desk, 720, citizen_id=CITIZEN_ID, theme="lighting.streetlight-off", district="7")

    status, body = call(api, scenario("citizen-view-agent"))

    assert status == 403
    assert body["message"] == "this citizen is outside your districts and groups"
    assert access_records() == []


def test_a_citizen_of_another_district_with_a_request_of_the_callers_group_is_shown(
    api: ModuleType, desk: DeskApp
) -> None:
    add_citizen(desk, citizen_id=CITIZEN_ID, district="7")
    file_request(desk, 730, citizen_id=CITIZEN_ID, district="7", point=None)

    status, _ = call(api, scenario("citizen-view-agent"))

    assert status == 200


def test_the_citizen_view_refuses_campaign_managers_and_callers_without_claims(
    api: ModuleType, desk: DeskApp
) -> None:
    add_citizen(desk, citizen_id=CITIZEN_ID)
    event = scenario("citizen-view-agent")

    forbidden, _ = call(api, as_campaign_manager(event))
    unauthorised, _ = call(api, without_claims(event))

    assert (forbidden, unauthorised) == (403, 401)
    assert access_records() == []


# --------------------------------------------------------------------------- access log


def test_administrators_read_a_citizens_access_log_newest_first_page_by_page(
    api: ModuleType, desk: DeskApp, clock: Clock
) -> None:
    # given three views of the citizen by the agent and one search, minutes apart
    add_citizen(desk, citizen_id=CITIZEN_ID)
    for _ in range(3):
        call(api, scenario("citizen-view-agent"))
        clock.advance(minutes=7)
    call(api, scenario("citizen-search-phone"))
    event = scenario("access-log-administrator")

    # when the administrator reads the citizen's log two at a time
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while len(pages) < 5:
        status, page = call(api, with_query(event, citizen_id=CITIZEN_ID, limit="2", cursor=cursor))
        assert status == 200
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # then the records come newest first, with who, which route and why, each once
    items = [item for page in pages for item in page["items"]]
    assert [len(page["items"]) for page in pages[:2]] == [2, 2]
    assert cursor is None
    assert [item["at"] for item in items] == sorted((item["at"] for item in items), reverse=True)
    assert [item["reason"] for item in items] == ["search", "profile", "profile", "profile"]
    assert {item["username"] for item in items} == {"mrovira"}
    assert {item["citizen_id"] for item in items} == {CITIZEN_ID}
    assert items[0]["route"] == "/api/desk/v1/citizens"


def test_administrators_read_what_one_staff_member_read_within_a_time_window(
    api: ModuleType, desk: DeskApp, clock: Clock
) -> None:
    add_citizen(desk, citizen_id=CITIZEN_ID)
    other = add_citizen(desk, phone=None, email=None, document=None, given_name="Marta")
    call(api, scenario("citizen-view-agent"))
    clock.advance(hours=2)
    call(api, with_path(scenario("citizen-view-agent"), citizen_id=other))
    event = scenario("access-log-administrator")

    _, everything = call(api, with_query(event, user_id=AGENT_USER))
    _, recent = call(api, with_query(event, user_id=AGENT_USER, since="2026-03-14T20:00:00Z"))
    _, both = call(api, with_query(event, user_id=AGENT_USER, citizen_id=other))

    assert [item["citizen_id"] for item in everything["items"]] == [other, CITIZEN_ID]
    assert [item["citizen_id"] for item in recent["items"]] == [other]
    assert [item["citizen_id"] for item in both["items"]] == [other]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 422),
        ({"citizen_id": CITIZEN_ID, "since": "yesterday"}, 422),
        (
            {
                "citizen_id": CITIZEN_ID,
                "cursor": "bm90IGEgY3Vyc29y.00000000000000000000000000000000",
            },
            400,
        ),
    ],
)
def test_a_bad_access_log_question_gets_a_clear_error(
    api: ModuleType, params: dict[str, str], status: int
) -> None:
    answer, body = call(api, with_query(scenario("access-log-administrator"), **params))

    assert answer == status
    assert body["code"] == "invalid_request"


def test_only_administrators_read_the_access_log(api: ModuleType, desk: DeskApp) -> None:
    add_citizen(desk, citizen_id=CITIZEN_ID)
    call(api, scenario("citizen-view-agent"))

    agent, body = call(api, scenario("access-log-agent"))
    supervisor, _ = call(
        api, with_claims(scenario("access-log-agent"), **{"cognito:groups": "[supervisor]"})
    )
    nobody, _ = call(api, without_claims(scenario("access-log-administrator")))

    assert (agent, supervisor, nobody) == (403, 403, 401)
    assert body["message"] == "this needs the role administrator"


def test_an_access_record_names_the_citizen_by_id_only(api: ModuleType, desk: DeskApp) -> None:
    add_citizen(desk, citizen_id=CITIZEN_ID)
    call(api, scenario("citizen-view-agent"))
    call(api, scenario("citizen-search-phone"))

    stored = json.dumps(access_records(), ensure_ascii=False)

    for personal in (PHONE, EMAIL, DOCUMENT, "Jordi", "Serra"):
        assert personal not in stored


# --------------------------------------------------------------------------- privacy


def test_no_desk_read_writes_a_citizens_data_to_the_logs(
    api: ModuleType, desk: DeskApp, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    add_citizen(desk, citizen_id=CITIZEN_ID)
    file_request(desk, 123, citizen_id=CITIZEN_ID)

    for name in (
        "worklist-agent",
        "request-detail-agent",
        "citizen-search-phone",
        "citizen-view-agent",
    ):
        status, _ = call(api, scenario(name))
        assert status == 200
    call(api, with_query(scenario("citizen-search-phone"), name="Jordi Serra"))

    written = json.dumps(logs(), ensure_ascii=False)
    assert "Citizen viewed" in written
    for personal in (PHONE, "612345678", EMAIL, DOCUMENT, "Jordi", "Serra", "tanca d'obres"):
        assert personal not in written

"""The desk's citizen duties through the Chalice app, on payload-1.0 events, under moto.

Each event is the desk's own event file (``events/desk/citizen-view-agent.json``, as the
HTTP API hands it over with the JWT authorizer's claims) turned to one of these routes:
merge, undo, export and erasure.
"""

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

from finestra.domain.citizen import ContactPoint
from finestra.domain.ids import new_id
from finestra.domain.vocabulary import ContactKind, InteractionKind
from finestra.storage.requests import ERASED_TEXT
from tests.conftest import Clock, FakeLambdaContext, Seeder, load_event
from tests.support.aws import http_body, table_items
from tests.unit.test_desk_citizens import (
    DESCRIPTION,
    DOCUMENT,
    EMAIL,
    FAMILY,
    GIVEN,
    OTHER_EMAIL,
    OTHER_PHONE,
    PHONE,
    PHOTO,
    REPLY,
    City,
    all_versions,
    everything,
)

PREFIX = "/api/desk/v1/citizens"
AGENT: dict[str, str] = {
    "sub": "7c1e4a52-3b9d-4f60-9a8e-2d5b6c7f8a90",
    "cognito:username": "mrovira",
    "cognito:groups": "[agent]",
    "custom:districts": "2,5",
    "custom:groups": "paving",
    "token_use": "id",
}
ADMINISTRATOR = {
    **AGENT,
    "sub": "0b6f3c1d-2e4a-4c8b-9d7e-5f1a2b3c4d5e",
    "cognito:username": "admin",
    "cognito:groups": "[administrator]",
    "custom:districts": "*",
}
CAMPAIGN_MANAGER = {**AGENT, "cognito:groups": "[campaign_manager]"}
OTHER_DISTRICT = {**AGENT, "custom:districts": "9"}


def event(
    method: str,
    resource: str,
    claims: dict[str, str] | None,
    body: Any = None,
    **path: str,
) -> dict[str, Any]:
    """The desk's event file, as the gateway would send it for ``resource``."""
    changed: dict[str, Any] = copy.deepcopy(load_event("desk/citizen-view-agent.json"))
    concrete = resource
    for name, value in path.items():
        concrete = concrete.replace("{" + name + "}", value)
    changed.update(
        resource=resource,
        path=concrete,
        httpMethod=method,
        pathParameters=path or None,
        body=body if isinstance(body, str) or body is None else json.dumps(body),
    )
    context = changed["requestContext"]
    context.update(resourcePath=resource, path=concrete, httpMethod=method)
    context["authorizer"]["claims"] = claims
    if claims is None:
        changed["headers"].pop("authorization")
        changed["multiValueHeaders"].pop("authorization")
    if body is not None:
        changed["headers"]["content-type"] = "application/json"
        changed["multiValueHeaders"]["content-type"] = ["application/json"]
    APIGatewayProxyEventModel.model_validate(changed)
    return changed


def call(api: ModuleType, request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    response = api.app(request, FakeLambdaContext())
    return response["statusCode"], http_body(response), response["headers"]


def merge(api: ModuleType, body: Any, claims: dict[str, str] | None = AGENT) -> tuple[int, Any]:
    status, answer, _ = call(api, event("POST", f"{PREFIX}/merge", claims, body))
    return status, answer


def undo(api: ModuleType, merge_id: str, claims: dict[str, str] = AGENT) -> tuple[int, Any]:
    request = event("POST", f"{PREFIX}/merges/{{merge_id}}/undo", claims, merge_id=merge_id)
    status, answer, _ = call(api, request)
    return status, answer


def export(
    api: ModuleType, citizen_id: str, claims: dict[str, str] | None = ADMINISTRATOR
) -> tuple[int, Any, dict[str, str]]:
    request = event("GET", f"{PREFIX}/{{citizen_id}}/export", claims, citizen_id=citizen_id)
    return call(api, request)


def erase(
    api: ModuleType, citizen_id: str, body: Any, claims: dict[str, str] = ADMINISTRATOR
) -> tuple[int, Any]:
    request = event("POST", f"{PREFIX}/{{citizen_id}}/erasure", claims, body, citizen_id=citizen_id)
    status, answer, _ = call(api, request)
    return status, answer


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def city(aws: None) -> City:
    """The city's data, written a day before the app's own clock reads."""
    return City(Seeder(Clock(datetime.now(UTC) - timedelta(days=1))))


@pytest.fixture
def pair(city: City) -> tuple[str, str]:
    survivor = city.citizen(phone=PHONE, email=EMAIL, document=DOCUMENT)
    merged = city.citizen(family_names="Casals", phone=OTHER_PHONE, email=OTHER_EMAIL)
    return survivor, merged


def order(survivor: str, merged: str, **changes: Any) -> dict[str, Any]:
    return {"survivor": survivor, "merged": merged, "reason": "same person, same DNI", **changes}


# ---------------------------------------------------------------- merge and undo


def test_an_agent_merges_two_citizens_and_undoes_it(
    api: ModuleType, city: City, pair: tuple[str, str]
) -> None:
    survivor, merged = pair
    moved = city.request(merged)

    status, body = merge(api, order(survivor, merged))

    assert status == 200
    assert body["state"] == "done"
    assert body["references"] == [moved]
    assert body["by"] == AGENT["sub"]
    assert body["at"].endswith("Z")
    assert city.stored(moved)["citizen_id"] == survivor
    assert (city.citizens.profile(merged) or {})["merged_into"] == survivor

    status, body = undo(api, body["merge_id"])

    assert status == 200
    assert body["state"] == "undone"
    assert city.stored(moved)["citizen_id"] == merged
    assert "merged_into" not in (city.citizens.profile(merged) or {})
    point = ContactPoint(kind=ContactKind.PHONE, value=OTHER_PHONE)
    assert city.owner(point.kind, point.value) == merged


def test_an_undo_after_a_later_change_is_a_409_naming_it(
    api: ModuleType, city: City, pair: tuple[str, str]
) -> None:
    survivor, merged = pair
    city.request(merged)
    _, done = merge(api, order(survivor, merged))
    city.consent(survivor, granted=True)

    status, body = undo(api, done["merge_id"])

    assert status == 409
    assert body["code"] == "conflict"
    assert body["errors"][0]["field"] == "survivor"
    assert (city.citizens.profile(merged) or {})["merged_into"] == survivor


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"reason": ""}, "reason", "string_too_short"),
        ({"survivor": "CITIZEN#cit_1"}, "survivor", "string_pattern_mismatch"),
        ({"merged": None}, "merged", "string_type"),
        ({"note": "also this"}, "note", "extra_forbidden"),
    ],
)
def test_a_bad_merge_body_is_refused_naming_the_field_and_nothing_is_written(
    api: ModuleType, pair: tuple[str, str], change: dict[str, Any], field: str, rule: str
) -> None:
    before = everything()

    status, body = merge(api, {**order(*pair), **change})

    assert status == 422
    assert {"field": field, "rule": rule} in body["errors"]
    assert everything() == before


def test_a_merge_body_that_is_not_json_is_a_400(api: ModuleType, pair: tuple[str, str]) -> None:
    status, body = merge(api, "{survivor:")

    assert status == 400
    assert body["errors"] == [{"field": "body", "rule": "is not valid JSON"}]


def test_merging_a_citizen_with_itself_is_refused_by_name(
    api: ModuleType, pair: tuple[str, str]
) -> None:
    status, body = merge(api, order(pair[0], pair[0]))

    assert status == 422
    assert body["errors"][0]["field"] == "merged"


def test_merging_a_tombstone_is_a_409(api: ModuleType, city: City, pair: tuple[str, str]) -> None:
    survivor, merged = pair
    merge(api, order(survivor, merged))
    third = city.citizen(phone="+34633445566")

    status, body = merge(api, order(third, merged))

    assert status == 409
    assert body["errors"] == [{"field": "merged", "rule": "was merged into another citizen"}]


@pytest.mark.parametrize(
    ("claims", "status"), [(CAMPAIGN_MANAGER, 403), (OTHER_DISTRICT, 403), (None, 401)]
)
def test_a_merge_by_the_wrong_caller_is_refused_before_anything_is_written(
    api: ModuleType, pair: tuple[str, str], claims: dict[str, str] | None, status: int
) -> None:
    before = everything()

    answered, body = merge(api, order(*pair), claims)

    assert answered == status
    assert body["code"] == ("unauthorised" if status == 401 else "forbidden")
    assert everything() == before


def test_an_unknown_or_malformed_merge_is_not_found(api: ModuleType, pair: tuple[str, str]) -> None:
    for merge_id in (new_id("mrg"), "not-a-merge"):
        status, body = undo(api, merge_id)

        assert status == 404
        assert body["errors"][0]["field"] == "merge_id"


def test_a_campaign_manager_does_not_undo(
    api: ModuleType, city: City, pair: tuple[str, str]
) -> None:
    _, done = merge(api, order(*pair))

    status, _ = undo(api, done["merge_id"], CAMPAIGN_MANAGER)

    assert status == 403
    assert city.citizens.profile(pair[1]) is not None


# ---------------------------------------------------------------- export


def test_an_administrator_exports_a_citizen_as_one_attached_json_file(
    api: ModuleType, city: City, pair: tuple[str, str]
) -> None:
    survivor, _ = pair
    reference = city.request(survivor, photo=PHOTO)
    city.message(reference, REPLY, kind=InteractionKind.INBOUND_MESSAGE)

    status, body, headers = export(api, survivor)

    assert status == 200
    assert headers["Content-Disposition"] == f"attachment; filename=citizen-{survivor}.json"
    assert headers["Cache-Control"] == "no-store"
    assert body["citizen"]["given_name"] == GIVEN
    contacts = {(c["kind"], c["value"]) for c in body["citizen"]["contact_points"]}
    assert contacts == {("phone", PHONE), ("email", EMAIL), ("document", DOCUMENT)}
    [request] = body["requests"]
    assert request["request"]["description"] == DESCRIPTION
    assert [i["text"] for i in request["interactions"]] == [REPLY]
    assert [a["action"] for a in table_items(f"CITIZEN#{survivor}") if a["type"] == "audit"] == [
        "export"
    ]
    accesses = [i for i in table_items(f"ACCESS#{survivor}")]
    assert [(a["reason"], a["route"]) for a in accesses] == [
        ("export", "/api/desk/v1/citizens/{citizen_id}/export")
    ]


@pytest.mark.parametrize(("claims", "status"), [(AGENT, 403), (None, 401)])
def test_only_administrators_export(
    api: ModuleType, pair: tuple[str, str], claims: dict[str, str] | None, status: int
) -> None:
    answered, _, headers = export(api, pair[0], claims)

    assert answered == status
    assert "Content-Disposition" not in headers
    assert table_items(f"ACCESS#{pair[0]}") == []


def test_an_export_of_an_unknown_citizen_is_not_found(api: ModuleType) -> None:
    for citizen_id in (new_id("cit"), "nobody"):
        status, body, _ = export(api, citizen_id)

        assert status == 404
        assert body["errors"][0]["field"] == "citizen_id"


# ---------------------------------------------------------------- erasure


def test_an_administrator_erases_a_citizen_and_no_value_they_gave_is_left(
    api: ModuleType, city: City, pair: tuple[str, str]
) -> None:
    survivor, merged = pair
    reference = city.request(survivor, photo=PHOTO, routed=True)
    city.message(reference, REPLY, kind=InteractionKind.INBOUND_MESSAGE)
    city.opinion(PHONE)
    merge(api, order(survivor, merged))

    status, body = erase(api, merged, {"reason": "article 17 request 2026/207"})

    assert status == 200
    assert body["citizen_id"] == survivor
    assert body["citizens"] == [survivor, merged]
    dump = everything()
    given = [GIVEN, FAMILY, EMAIL, OTHER_EMAIL, DESCRIPTION, REPLY]
    assert [value for value in given if value in dump] == []
    assert all_versions() == []
    request = city.stored(reference)
    assert (request["description"], request["theme_code"]) == (ERASED_TEXT, "roads.pothole")
    assert request["location"]["district_code"] == "5"

    status, again = erase(api, survivor, {"reason": "asked again"})

    assert status == 200
    assert again["erasure_id"] == body["erasure_id"]
    assert again["erased"] == {}


@pytest.mark.parametrize(
    ("payload", "field"), [({}, "reason"), ({"reason": "x"}, "reason"), ({"why": "ok"}, "why")]
)
def test_a_bad_erasure_body_is_refused_naming_the_field_and_nothing_is_written(
    api: ModuleType, pair: tuple[str, str], payload: dict[str, Any], field: str
) -> None:
    before = everything()

    status, body = erase(api, pair[0], payload)

    assert status == 422
    assert field in {error["field"] for error in body["errors"]}
    assert everything() == before


@pytest.mark.parametrize("claims", [AGENT, {**AGENT, "cognito:groups": "[supervisor]"}])
def test_only_administrators_erase(
    api: ModuleType, pair: tuple[str, str], claims: dict[str, str]
) -> None:
    before = everything()

    status, body = erase(api, pair[0], {"reason": "article 17"}, claims)

    assert status == 403
    assert body["code"] == "forbidden"
    assert everything() == before


def test_no_duty_writes_a_citizens_data_to_the_logs(
    api: ModuleType,
    city: City,
    pair: tuple[str, str],
    logs: Callable[[], list[dict[str, Any]]],
) -> None:
    survivor, merged = pair
    city.request(merged)
    _, done = merge(api, order(survivor, merged))
    undo(api, done["merge_id"])
    export(api, survivor)
    erase(api, survivor, {"reason": "article 17"})
    merge(api, order(survivor, survivor))

    lines = logs()

    messages = {line.get("message") for line in lines}
    assert {"Citizens merged", "Merge undone", "Citizen exported", "Citizen erased"} <= messages
    text = json.dumps(lines, ensure_ascii=False)
    given = [GIVEN, FAMILY, PHONE, EMAIL, DOCUMENT, OTHER_PHONE, OTHER_EMAIL, DESCRIPTION]
    assert [value for value in given if value in text] == []

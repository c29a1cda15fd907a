"""The desk API's Open311 client-app routes, and the keys they hand out on the citizen API."""

import copy
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import FakeLambdaContext, load_event
from tests.support.aws import table_dump, table_items
from tests.support.desk_work import AGENT, CAMPAIGN_MANAGER, PREFIX, call, event

ADMINISTRATOR = {**AGENT, "cognito:groups": "[administrator]"}
SUPERVISOR = {**AGENT, "cognito:groups": "[supervisor]"}
APPS = f"{PREFIX}/open311/apps"
REVOKE = f"{PREFIX}/open311/apps/{{app_id}}/revoke"


@pytest.fixture
def desk_api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def citizen_api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("citizen_api")


def register(api: ModuleType, body: Any, claims: dict[str, str] = ADMINISTRATOR) -> tuple[int, Any]:
    return call(api, event("POST", APPS, claims=claims, body=body))


def listed(api: ModuleType, claims: dict[str, str] = ADMINISTRATOR) -> tuple[int, Any]:
    return call(api, event("GET", APPS, claims=claims))


def revoke(api: ModuleType, app_id: str, claims: dict[str, str] = ADMINISTRATOR) -> tuple[int, Any]:
    return call(api, event("POST", REVOKE, claims=claims, path={"app_id": app_id}))


def file_request(api: ModuleType, key: str, request_id: str) -> int:
    """The citizen API's answer to a client app's form-encoded ``POST requests.json``."""
    sent: dict[str, Any] = copy.deepcopy(load_event("open311/list-services.json"))
    sent["path"] = sent["requestContext"]["path"] = "/api/open311/v2/requests.json"
    resource = "/api/open311/v2/{document}"
    sent["resource"] = sent["requestContext"]["resourcePath"] = resource
    sent["pathParameters"] = {"document": "requests.json"}
    sent["httpMethod"] = sent["requestContext"]["httpMethod"] = "POST"
    sent["requestContext"]["requestId"] = request_id
    sent["queryStringParameters"] = sent["multiValueQueryStringParameters"] = None
    content = "application/x-www-form-urlencoded"
    sent["headers"]["content-type"] = content
    sent["multiValueHeaders"]["content-type"] = [content]
    fields = {
        "api_key": key,
        "jurisdiction_id": "bcn",
        "service_code": "lighting.streetlight-off",
        "description": "The streetlight at the corner has been off for three nights.",
        "lat": "41.3935",
        "long": "2.1634",
        "attribute[request_type]": "incident",
    }
    sent["body"] = urlencode(fields)
    status: int = api.app(sent, FakeLambdaContext())["statusCode"]
    return status


def test_an_administrator_registers_an_app_whose_key_files_until_it_is_revoked(
    desk_api: ModuleType, citizen_api: ModuleType
) -> None:
    status, registered = register(desk_api, {"id": "fixmystreet", "name": "FixMyStreet"})
    key = registered["api_key"]

    filed = file_request(citizen_api, key, "rRKdoBDfiled")
    revoked_status, revoked = revoke(desk_api, "fixmystreet")
    refused = file_request(citizen_api, key, "rRKdoBDrefused")
    list_status, answer = listed(desk_api)

    assert status == 201
    assert registered["app"]["id"] == "fixmystreet"
    assert registered["app"]["revoked_at"] is None
    assert key.startswith("fixmystreet.")
    assert filed == 201
    assert revoked_status == 200
    assert revoked["id"] == "fixmystreet"
    assert revoked["revoked_at"] is not None
    assert refused == 403
    assert list_status == 200
    assert answer == {"items": [revoked]}
    assert key not in table_dump()


def test_the_list_shows_every_app_by_id_and_never_a_key(desk_api: ModuleType) -> None:
    _, second = register(desk_api, {"id": "web-map", "name": "Web map"})
    _, first = register(desk_api, {"id": "barri-app", "name": "Barri"})

    status, answer = listed(desk_api)

    assert status == 200
    assert [app["id"] for app in answer["items"]] == ["barri-app", "web-map"]
    assert set(answer["items"][0]) == {"id", "name", "registered_at", "revoked_at"}
    assert first["api_key"] not in json.dumps(answer)
    assert second["api_key"] not in json.dumps(answer)


@pytest.mark.parametrize("claims", [AGENT, SUPERVISOR, CAMPAIGN_MANAGER])
def test_staff_who_are_not_administrators_are_refused_every_route(
    desk_api: ModuleType, claims: dict[str, str]
) -> None:
    register(desk_api, {"id": "fixmystreet", "name": "FixMyStreet"})

    answers = [
        listed(desk_api, claims)[0],
        register(desk_api, {"id": "another-app", "name": "Another"}, claims)[0],
        revoke(desk_api, "fixmystreet", claims)[0],
    ]

    assert answers == [403, 403, 403]
    assert [i["SK"] for i in table_items("OPEN311APPS")] == ["APP#fixmystreet"]
    assert "revoked_at" not in table_items("OPEN311APPS")[0]


def test_a_taken_id_is_refused_even_after_its_app_was_revoked(desk_api: ModuleType) -> None:
    register(desk_api, {"id": "fixmystreet", "name": "FixMyStreet"})
    taken_status, taken = register(desk_api, {"id": "fixmystreet", "name": "Other"})
    revoke(desk_api, "fixmystreet")

    reused_status, _ = register(desk_api, {"id": "fixmystreet", "name": "FixMyStreet 2"})

    assert (taken_status, reused_status) == (409, 409)
    assert taken["errors"] == [{"field": "id", "rule": "is taken by another client app"}]
    assert [app["name"] for app in listed(desk_api)[1]["items"]] == ["FixMyStreet"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"id": "Fix My Street", "name": "FixMyStreet"}, 422, "id"),
        ({"id": "ab", "name": "FixMyStreet"}, 422, "id"),
        ({"name": "FixMyStreet"}, 422, "id"),
        ({"id": "fixmystreet", "name": ""}, 422, "name"),
        ({"id": "fixmystreet", "name": "FixMyStreet", "key": "mine"}, 422, "key"),
        ("not json", 400, "body"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field_without_echoing_it(
    desk_api: ModuleType, body: Any, status: int, field: str
) -> None:
    got, answer = register(desk_api, body)

    assert got == status
    assert [error["field"] for error in answer["errors"]][:1] == [field]
    assert "Fix My Street" not in json.dumps(answer)
    assert table_items("OPEN311APPS") == []


def test_revoking_an_unknown_app_is_not_found(desk_api: ModuleType) -> None:
    status, answer = revoke(desk_api, "nobody")

    assert status == 404
    assert answer["errors"] == [{"field": "app_id", "rule": "is not a client app"}]


def test_each_action_is_logged_with_the_app_and_the_administrator_never_the_key(
    desk_api: ModuleType, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    _, registered = register(desk_api, {"id": "fixmystreet", "name": "FixMyStreet"})
    revoke(desk_api, "fixmystreet")

    written = logs()

    actions = [
        (line["message"], line["app_id"], line["staff_id"])
        for line in written
        if str(line.get("message", "")).startswith("Open311 app")
    ]
    assert actions == [
        ("Open311 app registered", "fixmystreet", AGENT["sub"]),
        ("Open311 app revoked", "fixmystreet", AGENT["sub"]),
    ]
    assert registered["api_key"] not in json.dumps(written)

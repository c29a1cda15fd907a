"""The citizen API (Chalice) on API Gateway HTTP API events, under moto."""

import copy
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import FakeLambdaContext, Seeder, load_event
from tests.support.aws import http_body, table_dump, table_items


def call(handler: ModuleType, event: dict[str, Any]) -> tuple[int, Any]:
    response = handler.app(event, FakeLambdaContext())
    return response["statusCode"], http_body(response)


def scenario(name: str) -> dict[str, Any]:
    event: dict[str, Any] = load_event(f"web/{name}.json")
    return event


def expected(name: str) -> dict[str, Any]:
    result: dict[str, Any] = load_event(f"web/{name}.expected.json")
    return result


def with_body(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    body = json.loads(changed["body"])
    body.update(changes)
    changed["body"] = json.dumps(body)
    return changed


def requests() -> list[dict[str, Any]]:
    return [i for i in table_items("REQUEST#") if i["type"] == "request"]


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("citizen_api")


def test_the_themes_are_listed_in_the_language_asked_for(api: ModuleType) -> None:
    status, body = call(api, scenario("list-themes-ca"))

    assert status == 200
    codes = {theme["code"] for theme in body["themes"]}
    assert set(expected("list-themes-ca")["includes_themes"]) <= codes
    lighting = next(t for t in body["themes"] if t["code"] == "lighting.streetlight-off")
    assert lighting["area"] == "Enllumenat públic"


def test_an_unknown_language_is_refused_by_name(api: ModuleType) -> None:
    event = scenario("list-themes-ca")
    event["queryStringParameters"] = {"lang": "fr"}
    event["multiValueQueryStringParameters"] = {"lang": ["fr"]}

    status, body = call(api, event)

    assert status == 422
    assert body["errors"] == [{"field": "lang", "rule": "must be ca, es or en"}]


def test_a_citizen_files_a_request_and_gets_a_reference_and_a_tracking_token(
    api: ModuleType,
) -> None:
    status, body = call(api, scenario("create-request"))

    assert status == 201
    assert body["reference"].startswith("BCN-2026-")
    assert body["state"] == "pending_validation"
    assert len(body["tracking_token"]) >= 20
    [request] = requests()
    assert request["theme_code"] == expected("create-request")["theme_code"]
    assert request["language"] == expected("create-request")["language"]
    assert request["tracking_token_hash"] != body["tracking_token"]
    assert len(table_items("CONTACT#")) == 2, "email and phone are both indexed"


def test_the_tracking_token_shows_the_request_and_nothing_private(api: ModuleType) -> None:
    _, created = call(api, scenario("create-request"))
    event = scenario("track-request")
    event["path"] = f"/api/v1/requests/{created['reference']}"
    event["pathParameters"] = {"reference": created["reference"]}
    event["headers"]["x-tracking-token"] = created["tracking_token"]

    status, body = call(api, event)

    assert status == 200
    assert body["reference"] == created["reference"]
    assert body["history"][0]["kind"] == "received"
    assert "javier" not in json.dumps(body).lower()
    assert "citizen_id" not in body


def test_a_seeded_request_is_tracked_with_its_token(api: ModuleType, seed: Seeder) -> None:
    given = expected("track-request")["given"]
    seed.request(
        None, reference=given["reference"], state=given["state"], token=given["tracking_token"]
    )

    status, body = call(api, scenario("track-request"))

    assert status == 200
    assert body["state"] == expected("track-request")["state"]


def test_a_wrong_tracking_token_looks_like_an_unknown_reference(
    api: ModuleType, seed: Seeder
) -> None:
    seed.request(None, reference="BCN-2026-000123")

    status, body = call(api, scenario("track-request-wrong-token"))

    assert status == 404
    assert body["code"] == expected("track-request-wrong-token")["code"]


def test_an_entity_files_through_its_contact_person(api: ModuleType) -> None:
    status, _ = call(api, scenario("create-request-entity"))

    assert status == 201
    [request] = requests()
    assert request["applicant"]["kind"] == "entity"
    assert request["applicant"]["tax_id"] == "B12345674"
    assert request["applicant"]["contact_citizen_id"] == request["citizen_id"]


@pytest.mark.parametrize(
    "name", ["create-request-invalid", "create-request-unknown-theme", "create-request-not-json"]
)
def test_bad_input_names_the_fields_echoes_nothing_and_writes_nothing(
    api: ModuleType, name: str
) -> None:
    event = scenario(name)

    status, body = call(api, event)

    wanted = expected(name)
    assert status == wanted["status_code"]
    assert body["code"] == wanted["code"]
    if "error_fields" in wanted:
        assert sorted(e["field"] for e in body["errors"]) == wanted["error_fields"]
    assert table_items() == []
    text = json.dumps(body)
    for sent in ("pothole", "García", "javier.garcia", "95"):
        assert sent not in text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"theme_code": "taxes.ibi-enquiry", "request_type": "incident"}, "request_type"),
        ({"response_channel": "letter"}, "response_channel"),
        ({"location": None}, "location"),
        (
            {"location": {"district_code": "2", "neighbourhood_code": "1"}},
            "location.neighbourhood_code",
        ),
        ({"location": {"district_code": "11"}}, "location.district_code"),
        (
            {"response_channel": "sms", "applicant": {"kind": "citizen", "email": "a@example.org"}},
            "body",
        ),
        ({"applicant": {"kind": "citizen", "phone": "12"}}, "applicant.citizen.phone"),
        (
            {"applicant": {"kind": "citizen", "document_id": "12345678A"}},
            "applicant.citizen.document_id",
        ),
    ],
)
def test_each_rule_of_the_catalogue_is_enforced_by_name(
    api: ModuleType, changes: dict[str, Any], field: str
) -> None:
    status, body = call(api, with_body(scenario("create-request"), **changes))

    assert status == 422
    assert field in [e["field"] for e in body["errors"]]
    assert table_items() == []


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer(api: ModuleType) -> None:
    first = call(api, scenario("create-request"))
    again = call(api, scenario("create-request"))

    assert first == again
    assert len(requests()) == 1


def test_a_different_body_under_a_used_idempotency_key_is_a_conflict(api: ModuleType) -> None:
    call(api, scenario("create-request"))

    status, body = call(api, with_body(scenario("create-request"), description="Una altra cosa"))

    assert status == 409
    assert body["code"] == "conflict"
    assert len(requests()) == 1


def test_a_theme_for_identified_citizens_starts_not_processed_without_one(
    api: ModuleType,
) -> None:
    event = with_body(
        scenario("create-request"),
        theme_code="taxes.ibi-enquiry",
        request_type="enquiry",
        location=None,
    )

    status, body = call(api, event)

    assert status == 201
    assert body["state"] == "not_processed"


def test_the_table_holds_no_contact_point_in_clear(api: ModuleType) -> None:
    call(api, scenario("create-request"))

    dump = table_dump()
    assert "javier.garcia@example.com" not in dump
    assert "622334455" not in dump

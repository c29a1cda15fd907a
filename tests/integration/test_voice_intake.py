"""The Amazon Connect contact-flow Lambda, under moto."""

import copy
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import FakeLambdaContext, Seeder, load_event
from tests.support.aws import table_items


def call(handler: ModuleType, scenario: str) -> dict[str, str]:
    result: dict[str, str] = handler.lambda_handler(
        load_event(f"voice/{scenario}.json"), FakeLambdaContext()
    )
    return result


def requests() -> list[dict[str, Any]]:
    return [i for i in table_items("REQUEST#") if i["type"] == "request"]


@pytest.fixture
def voice(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("voice_intake")


def test_a_known_caller_is_looked_up_with_their_open_requests(
    voice: ModuleType, seed: Seeder
) -> None:
    given = load_event("voice/lookup-known-caller.expected.json")["given"]
    citizen = seed.citizen(phone=given["citizen_phone"], language=given["citizen_language"])
    seed.request(citizen, reference="BCN-2026-000123", state="in_resolution")
    seed.request(citizen, reference="BCN-2026-000124", state="closed")

    answer = call(voice, "lookup-known-caller")

    assert answer["found"] == "true"
    assert answer["citizen_id"] == citizen
    assert answer["language"] == given["citizen_language"]
    assert answer["open_requests"] == "1"
    assert answer["latest_reference"] == "BCN-2026-000123"
    assert all(isinstance(value, str) for value in answer.values()), "Connect reads strings"


def test_an_unknown_caller_is_not_found(voice: ModuleType) -> None:
    answer = call(voice, "lookup-known-caller")

    assert answer == {"status": "ok", "found": "false", "withheld": "false"}
    assert table_items("CITIZEN#") == [], "a lookup writes nothing"


def test_a_withheld_number_is_not_looked_up(voice: ModuleType) -> None:
    answer = call(voice, "lookup-withheld-number")

    assert answer == {"status": "ok", "found": "false", "withheld": "true"}


def test_the_flow_opens_a_request_for_the_caller(voice: ModuleType) -> None:
    wanted = load_event("voice/create-request.expected.json")

    answer = call(voice, "create-request")

    assert answer["status"] == "ok"
    assert answer["outcome"] == wanted["outcome"]
    [request] = requests()
    assert request["reference"] == answer["reference"]
    assert request["theme_code"] == wanted["theme_code"]
    assert request["language"] == wanted["language"]
    assert request["input_channel"] == "phone"
    assert request["location"]["neighbourhood_code"] == "7"
    assert request["sla_due_at"] > request["created_at"]


def test_a_phone_first_seen_by_sms_is_the_same_citizen_on_a_call(
    voice: ModuleType, function: Callable[[str], ModuleType]
) -> None:
    sms_event = load_event("sms/new-request-es.json")
    import json

    body = json.loads(sms_event["Records"][0]["body"])
    inbound = json.loads(body["Message"])
    call_event = load_event("voice/create-request.json")
    call_event["Details"]["ContactData"]["CustomerEndpoint"]["Address"] = inbound[
        "originationNumber"
    ]

    function("sms_intake").lambda_handler(sms_event, FakeLambdaContext())
    voice.lambda_handler(call_event, FakeLambdaContext())

    assert len(table_items("CITIZEN#")) == 1
    assert len({r["citizen_id"] for r in requests()}) == 1
    assert len(requests()) == 2


def test_a_repeated_invocation_for_the_same_contact_opens_one_request(voice: ModuleType) -> None:
    event = load_event("voice/create-request.json")

    first = voice.lambda_handler(event, FakeLambdaContext())
    again = voice.lambda_handler(copy.deepcopy(event), FakeLambdaContext())

    assert first == again
    assert len(requests()) == 1


@pytest.mark.parametrize("scenario", ["create-request-bad-theme", "unknown-operation"])
def test_bad_flow_data_gets_attributes_the_flow_can_branch_on(
    voice: ModuleType, scenario: str
) -> None:
    wanted = load_event(f"voice/{scenario}.expected.json")

    answer = call(voice, scenario)

    assert answer["status"] == "error"
    assert answer["error_code"] == wanted["reason"]
    assert answer["error_field"] == wanted["field"]
    assert table_items() == []

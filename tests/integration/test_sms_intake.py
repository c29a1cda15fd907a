"""The SMS intake Lambda on End User Messaging's events (SNS → SQS), under moto."""

import copy
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import FakeLambdaContext, Seeder, load_event
from tests.support.aws import sent_sms, table_dump, table_items


def run(handler: ModuleType, scenario: str) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(
        load_event(f"sms/{scenario}.json"), FakeLambdaContext()
    )
    return result


def expected(scenario: str) -> dict[str, Any]:
    result: dict[str, Any] = load_event(f"sms/{scenario}.expected.json")
    return result


def citizen() -> dict[str, Any]:
    [profile] = table_items("CITIZEN#")
    return profile


@pytest.fixture
def sms(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("sms_intake")


@pytest.mark.parametrize("scenario", ["new-request-ca", "new-request-es"])
def test_a_new_number_opens_a_request_for_a_provisional_citizen(
    sms: ModuleType, scenario: str
) -> None:
    result = run(sms, scenario)

    assert result == {"batchItemFailures": []}
    [request] = table_items("REQUEST#")
    assert request["input_channel"] == "sms"
    assert request["response_channel"] == "sms"
    assert request["state"] == "pending_validation"
    assert request["responsible_group"] == "triage"
    assert "theme_code" not in request, "free text waits for the classifier"
    assert request["language"] == expected(scenario)["language"]
    assert request["reference"].startswith("BCN-2026-")
    assert citizen()["provisional"] is True
    assert len(table_items("CONTACT#phone#")) == 1


def test_the_table_holds_no_phone_number_in_clear(sms: ModuleType) -> None:
    run(sms, "new-request-ca")

    assert "612345678" not in table_dump()


def test_a_replayed_sms_creates_nothing_new(sms: ModuleType) -> None:
    event = load_event("sms/new-request-ca.json")

    sms.lambda_handler(event, FakeLambdaContext())
    sms.lambda_handler(copy.deepcopy(event), FakeLambdaContext())

    assert len(table_items("REQUEST#")) == 1
    assert len(table_items("CITIZEN#")) == 1


def test_a_second_message_from_the_same_number_finds_the_same_citizen(sms: ModuleType) -> None:
    first = load_event("sms/new-request-ca.json")
    second = copy.deepcopy(first)
    body = json.loads(second["Records"][0]["body"])
    inbound = json.loads(body["Message"])
    inbound["inboundMessageId"] = "0d1f4a52-4b0e-4f3e-9b62-0c4d9b1e7a11"
    inbound["messageBody"] = "I a més hi ha un contenidor ple al costat."
    body["Message"] = json.dumps(inbound)
    second["Records"][0]["body"] = json.dumps(body)

    sms.lambda_handler(first, FakeLambdaContext())
    sms.lambda_handler(second, FakeLambdaContext())

    requests = table_items("REQUEST#")
    assert len(requests) == 2
    assert len(table_items("CITIZEN#")) == 1
    assert {r["citizen_id"] for r in requests} == {citizen()["id"]}


def test_a_reply_to_a_request_pending_an_answer_joins_that_request(
    sms: ModuleType, seed: Seeder
) -> None:
    given = expected("reply-to-pending")["given"]
    owner = seed.citizen(phone=given["citizen_phone"])
    seed.request(owner, reference=given["pending_answer"], state="pending_answer")

    result = run(sms, "reply-to-pending")

    assert result == {"batchItemFailures": []}
    [request] = [item for item in table_items("REQUEST#") if item["type"] == "request"]
    assert request["reference"] == given["pending_answer"]
    assert request["state"] == "in_resolution"
    assert "citizen_replied" in request["flags"]
    history = table_items("REQUEST#" + given["pending_answer"])
    [reply] = [item for item in history if item["type"] == "interaction"]
    assert reply["channel"] == "sms"
    assert reply["kind"] == "inbound_message"
    assert reply["actor"] == f"citizen:{owner}"


@pytest.mark.parametrize(
    ("scenario", "granted"),
    [("stop-ca", False), ("stop-es", False), ("stop-en", False), ("start", True)],
)
def test_keywords_record_the_sms_consent_of_even_an_unknown_number(
    sms: ModuleType, scenario: str, granted: bool
) -> None:
    run(sms, scenario)

    consents = citizen()["consents"]
    assert consents, "the answer on consent must be kept"
    assert {c["channel"] for c in consents} == {"sms"}
    assert {c["granted"] for c in consents} == {granted}
    assert {c["purpose"] for c in consents} == {"service", "campaigns", "surveys"}
    assert table_items("REQUEST#") == []
    assert citizen()["language"] == expected(scenario)["language"]


def at_time(scenario: str, timestamp: str) -> dict[str, Any]:
    event: dict[str, Any] = load_event(f"sms/{scenario}.json")
    body = json.loads(event["Records"][0]["body"])
    body["Timestamp"] = timestamp
    event["Records"][0]["body"] = json.dumps(body)
    return event


@pytest.mark.parametrize(
    ("first", "then", "subscribed"), [("start", "stop-ca", False), ("stop-ca", "start", True)]
)
def test_the_latest_keyword_decides_the_consent(
    sms: ModuleType, first: str, then: str, subscribed: bool
) -> None:
    from finestra.domain.citizen import Citizen
    from finestra.domain.vocabulary import ConsentPurpose

    sms.lambda_handler(at_time(first, "2026-03-14T10:00:00.000Z"), FakeLambdaContext())
    sms.lambda_handler(at_time(then, "2026-03-14T11:00:00.000Z"), FakeLambdaContext())

    restored = Citizen.model_validate({**citizen(), "contact_points": []})
    assert restored.consents_to("sms", ConsentPurpose.CAMPAIGNS) is subscribed


def test_help_is_answered_in_the_senders_language_in_one_segment(sms: ModuleType) -> None:
    run(sms, "help")

    [(number, text)] = sent_sms()
    assert number == "+34622334455" or number.startswith("+34")
    assert "BAIXA" in text
    assert len(text) <= 160
    assert all(ord(c) < 128 for c in text)


@pytest.mark.parametrize("scenario", ["malformed-message", "missing-field"])
def test_an_unreadable_message_is_reported_back_for_retry_and_writes_nothing(
    sms: ModuleType, scenario: str, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    event = load_event(f"sms/{scenario}.json")

    result = sms.lambda_handler(event, FakeLambdaContext())

    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert table_items() == []
    written = logs()
    refused = [entry for entry in written if entry.get("message") == "Message refused"]
    assert refused, "a refused message is logged"
    assert refused[0]["field"] == expected(scenario)["field"]
    metrics = [entry for entry in written if "_aws" in entry]
    assert any("IntakeFailed" in entry for entry in metrics)


def test_a_batch_handles_each_record_on_its_own(sms: ModuleType) -> None:
    result = run(sms, "batch-two-records")

    assert result == {"batchItemFailures": []}
    requests = table_items("REQUEST#")
    assert sorted(r["language"] for r in requests) == sorted(
        r["language"] for r in expected("batch-two-records")["records"]
    )
    assert len(table_items("CITIZEN#")) == 2

"""The email intake Lambda on SES receipt notifications (S3 action, SNS → SQS), under moto."""

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ATTACHMENTS_BUCKET, EVENTS, FakeLambdaContext, Seeder, load_event
from tests.support.aws import put_object, s3_keys, s3_object, table_dump, table_items


def receipt(scenario: str) -> dict[str, Any]:
    event = load_event(f"email/{scenario}.json")
    notification = json.loads(json.loads(event["Records"][0]["body"])["Message"])
    action: dict[str, Any] = notification["receipt"]["action"]
    return action


def deliver(handler: ModuleType, scenario: str, raw: bytes | None = None) -> dict[str, Any]:
    """Store the raw message where SES's S3 action puts it, then run the handler."""
    action = receipt(scenario)
    if "objectKey" in action:
        body = raw if raw is not None else (EVENTS / f"email/{scenario}.eml").read_bytes()
        put_object(action["bucketName"], action["objectKey"], body)
    result: dict[str, Any] = handler.lambda_handler(
        load_event(f"email/{scenario}.json"), FakeLambdaContext()
    )
    return result


def expected(scenario: str) -> dict[str, Any]:
    result: dict[str, Any] = load_event(f"email/{scenario}.expected.json")
    return result


def requests() -> list[dict[str, Any]]:
    return [i for i in table_items("REQUEST#") if i["type"] == "request"]


@pytest.fixture
def mail(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("email_intake")


@pytest.mark.parametrize("scenario", ["new-request-es", "html-only-ca"])
def test_a_new_email_opens_a_request_answered_by_email(mail: ModuleType, scenario: str) -> None:
    result = deliver(mail, scenario)

    assert result == {"batchItemFailures": []}
    [request] = requests()
    assert request["input_channel"] == "email"
    assert request["response_channel"] == "email"
    assert request["language"] == expected(scenario)["language"]
    assert len(request["description"]) > 20
    assert "<" not in request["description"], "HTML is turned into text"
    assert len(table_items("CONTACT#email#")) == 1


def test_the_table_holds_no_email_address_in_clear(mail: ModuleType) -> None:
    deliver(mail, "new-request-es")

    assert "carmen.ortega@example.com" not in table_dump()


def test_a_reply_with_the_reference_joins_the_request_without_its_quoted_history(
    mail: ModuleType, seed: Seeder
) -> None:
    given = expected("reply-with-reference")["given"]
    owner = seed.citizen(email=given["citizen_email"])
    seed.request(owner, reference=given["pending_answer"], state="pending_answer")

    result = deliver(mail, "reply-with-reference")

    assert result == {"batchItemFailures": []}
    [request] = requests()
    assert request["reference"] == given["pending_answer"]
    assert "citizen_replied" in request["flags"]
    [reply] = [i for i in table_items("REQUEST#") if i["type"] == "interaction"]
    assert reply["channel"] == "email"
    assert ">" not in reply["text"]
    assert "escribió" not in reply["text"]
    assert "va escriure" not in reply["text"]


def test_a_reply_quoting_someone_elses_reference_opens_a_new_request(
    mail: ModuleType, seed: Seeder
) -> None:
    stranger = seed.citizen(email="someone.else@example.org")
    seed.request(stranger, reference="BCN-2026-000123", state="pending_answer")

    deliver(mail, "reply-with-reference")

    assert len(requests()) == 2
    assert [i for i in table_items("REQUEST#BCN-2026-000123") if i["type"] == "interaction"] == []


def test_attachments_are_kept_in_s3_and_named_in_the_request(mail: ModuleType) -> None:
    deliver(mail, "with-attachment")

    [request] = requests()
    [attachment] = request["origin"]["attachments"]
    [wanted] = expected("with-attachment")["attachments"]
    assert attachment["filename"] == wanted["filename"]
    assert attachment["content_type"] == wanted["content_type"]
    assert attachment["size"] == wanted["size"]
    assert s3_keys(ATTACHMENTS_BUCKET) == [attachment["key"]]
    assert len(s3_object(ATTACHMENTS_BUCKET, attachment["key"])) == wanted["size"]


@pytest.mark.parametrize("scenario", ["virus-detected", "malformed-mime"])
def test_a_refused_email_is_recorded_with_its_reason_and_opens_nothing(
    mail: ModuleType, scenario: str, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    result = deliver(mail, scenario)

    assert result == {"batchItemFailures": []}, "a refusal is final: no retry"
    assert requests() == []
    [rejection] = table_items("REJECTION#email#")
    assert rejection["reason"] == expected(scenario)["reason"]
    assert set(rejection) >= {"reason", "at", "provider_message_id", "expires_at"}
    assert any("IntakeRejected" in entry for entry in logs())


def test_an_oversized_email_is_refused_unread(mail: ModuleType) -> None:
    huge = (EVENTS / "email/new-request-es.eml").read_bytes() + b"x" * (10 * 1024 * 1024)

    deliver(mail, "new-request-es", raw=huge)

    [rejection] = table_items("REJECTION#email#")
    assert rejection["reason"] == "too_large"
    assert requests() == []


def test_a_notification_whose_object_is_gone_is_refused(mail: ModuleType) -> None:
    mail.lambda_handler(load_event("email/new-request-es.json"), FakeLambdaContext())

    [rejection] = table_items("REJECTION#email#")
    assert rejection["reason"] == "missing_object"


def test_a_notification_without_an_object_key_goes_back_to_the_queue(
    mail: ModuleType, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    event = load_event("email/missing-object-key.json")

    result = mail.lambda_handler(event, FakeLambdaContext())

    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert table_items() == []
    [refused] = [e for e in logs() if e.get("message") == "Message refused"]
    assert refused["field"] == expected("missing-object-key")["field"]


def test_a_replayed_notification_creates_nothing_new(mail: ModuleType) -> None:
    deliver(mail, "new-request-es")
    deliver(mail, "new-request-es")

    assert len(requests()) == 1

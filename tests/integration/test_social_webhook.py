"""The social-media webhook (Chalice) on API Gateway HTTP API events, under moto."""

import hashlib
import hmac
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import SOCIAL_APP_SECRET, FakeLambdaContext, load_event
from tests.support.aws import http_body, table_items


def deliver(handler: ModuleType, scenario: str) -> dict[str, Any]:
    response: dict[str, Any] = handler.app(
        load_event(f"social/{scenario}.json"), FakeLambdaContext()
    )
    return response


def expected(scenario: str) -> dict[str, Any]:
    result: dict[str, Any] = load_event(f"social/{scenario}.expected.json")
    return result


def requests() -> list[dict[str, Any]]:
    return [i for i in table_items("REQUEST#") if i["type"] == "request"]


@pytest.fixture
def social(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("social_webhook")


def test_the_subscription_challenge_is_answered(social: ModuleType) -> None:
    response = deliver(social, "challenge")

    assert response["statusCode"] == 200
    assert response["body"] == expected("challenge")["body"]


def test_a_wrong_verify_token_is_forbidden(social: ModuleType) -> None:
    response = deliver(social, "challenge-wrong-token")

    assert response["statusCode"] == expected("challenge-wrong-token")["status_code"]
    assert http_body(response)["code"] == "forbidden"


@pytest.mark.parametrize("scenario", ["direct-message-es", "post-complaint-ca"])
def test_a_message_about_a_problem_opens_a_request(social: ModuleType, scenario: str) -> None:
    response = deliver(social, scenario)

    assert response["statusCode"] == 200
    assert http_body(response) == {"received": 1}
    [request] = requests()
    assert request["input_channel"] == "social"
    assert request["language"] == expected(scenario)["language"]
    assert len(table_items("CONTACT#social#")) == 1


def test_a_public_opinion_is_kept_as_an_opinion_of_its_author(social: ModuleType) -> None:
    response = deliver(social, "post-opinion-en")

    assert response["statusCode"] == 200
    assert requests() == []
    [opinion] = [i for i in table_items("CITIZEN#") if i["type"] == "opinion"]
    assert opinion["channel"] == "social"
    assert opinion["language"] == expected("post-opinion-en")["language"]


@pytest.mark.parametrize("scenario", ["bad-signature", "missing-signature", "invalid-json"])
def test_a_delivery_that_cannot_be_trusted_or_read_is_refused_and_writes_nothing(
    social: ModuleType, scenario: str
) -> None:
    response = deliver(social, scenario)

    wanted = expected(scenario)
    assert response["statusCode"] == wanted["status_code"]
    body = http_body(response)
    assert body["code"] == wanted["code"]
    assert set(body) <= {"code", "message", "errors"}
    assert table_items() == []


def test_a_replayed_delivery_writes_each_message_once(social: ModuleType) -> None:
    deliver(social, "direct-message-es")
    deliver(social, "direct-message-es")

    assert len(requests()) == 1


def test_a_redelivery_with_an_edited_text_under_the_same_id_is_refused(
    social: ModuleType,
) -> None:
    deliver(social, "direct-message-es")
    event = load_event("social/direct-message-es.json")
    payload = json.loads(event["body"])
    payload["entry"][0]["messaging"][0]["message"]["text"] = "Un altre text"
    event["body"] = json.dumps(payload)
    signature = hmac.new(SOCIAL_APP_SECRET.encode(), event["body"].encode(), hashlib.sha256)
    event["headers"]["x-hub-signature-256"] = "sha256=" + signature.hexdigest()
    event["multiValueHeaders"]["x-hub-signature-256"] = [event["headers"]["x-hub-signature-256"]]

    response = social.app(event, FakeLambdaContext())

    assert response["statusCode"] == 409
    assert http_body(response)["code"] == "conflict"
    [request] = requests()
    assert request["description"] != "Un altre text"

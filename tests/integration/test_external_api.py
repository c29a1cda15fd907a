"""The external bodies' callback API through its Chalice app, under moto."""

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from finestra.external.callers import key_digest
from tests.conftest import REGION, Seeder
from tests.integration.test_desk_actions import call, event
from tests.support.aws import table_items

SECRET = "finestra/external-bodies-callbacks"
TMB_KEY = "tmb.H7kP2vQ9sL4xW1nB6cR3mT8dF5gJ0"
ASPB_KEY = "aspb.Y2uE5rT8iO1pA4sD7fG0hJ3kL6zX9"
REFERENCE = "BCN-2026-000456"
ROUTE = "/api/external/v1/requests/{reference}/"


@pytest.fixture
def external(
    aws: None, function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    digests = {"tmb": key_digest(TMB_KEY), "aspb": key_digest(ASPB_KEY)}
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=SECRET,
        SecretString=json.dumps({"link_key": "test-only-link-key-0123456789", "api_keys": digests}),
    )
    monkeypatch.setenv("FINESTRA_EXTERNAL_BODIES_SECRET", SECRET)
    return function("external_api")


@pytest.fixture
def handed(seed: Seeder) -> str:
    return seed.request(
        None, reference=REFERENCE, state="externally_processed", theme_code="transport.bus-stop"
    )


def callback(
    external: ModuleType,
    what: str,
    body: Any,
    *,
    key: str | None = TMB_KEY,
    reference: str = REFERENCE,
) -> tuple[int, Any]:
    headers = {"x-api-key": key} if key is not None else {}
    sent = event(
        "POST", ROUTE + what, claims=None, body=body, path={"reference": reference}, headers=headers
    )
    return call(external, sent)


def stored() -> dict[str, Any]:
    [item] = [i for i in table_items(f"REQUEST#{REFERENCE}") if i["type"] == "request"]
    return item


def entries() -> list[dict[str, Any]]:
    return [i for i in table_items(f"REQUEST#{REFERENCE}") if i["type"] == "interaction"]


def test_the_body_s_answer_goes_to_history_raises_the_alarm_and_awaits_the_city_s_answer(
    external: ModuleType, handed: str
) -> None:
    status, receipt = callback(
        external, "answer", {"text": "Marquesina reparada.", "external_reference": "TMB-88123"}
    )

    assert status == 200, receipt
    assert receipt["state"] == "pending_answer"
    item = stored()
    assert item["state"] == "pending_answer"
    assert "external_body_answered" in item["flags"]
    [entry] = entries()
    assert entry["actor"] == "external:tmb"
    assert entry["text"].startswith("Marquesina reparada.")
    assert entry["id"] == receipt["interaction_id"]


def test_a_return_puts_the_request_back_to_its_group_in_resolution_with_the_reason(
    external: ModuleType, handed: str
) -> None:
    status, receipt = callback(external, "return", {"reason": "La parada és de l'AMB, no de TMB."})

    assert status == 200, receipt
    item = stored()
    assert item["state"] == "in_resolution"
    assert item["responsible_group"] == "public-transport"
    assert "external_body_returned" in item["flags"]
    [entry] = entries()
    assert entry["reason"] == "La parada és de l'AMB, no de TMB."
    assert (entry["from_state"], entry["to_state"]) == ("externally_processed", "in_resolution")


@pytest.mark.parametrize(
    ("key", "status"),
    [(None, 401), ("", 401), ("tmb.wrong-key", 401), ("nobody.H7kP2vQ9", 401), (ASPB_KEY, 403)],
    ids=["missing", "empty", "wrong", "unknown body", "another body"],
)
def test_a_call_without_the_handling_body_s_key_is_refused_and_writes_nothing(
    external: ModuleType, handed: str, key: str | None, status: int
) -> None:
    before = table_items()

    answered, answer = callback(external, "answer", {"text": "Fet."}, key=key)

    assert answered == status, answer
    assert table_items() == before


def test_an_unknown_reference_is_not_found_only_after_the_key_is_checked(
    external: ModuleType, handed: str
) -> None:
    assert callback(external, "answer", {"text": "x"}, reference="BCN-2026-999999")[0] == 404
    assert (
        callback(external, "answer", {"text": "x"}, key=None, reference="BCN-2026-999999")[0] == 401
    )


def test_a_second_answer_is_a_conflict_and_writes_nothing(
    external: ModuleType, handed: str
) -> None:
    callback(external, "answer", {"text": "Fet."})
    before = table_items()

    status, answer = callback(external, "return", {"reason": "Ens ho hem repensat"})

    assert status == 409, answer
    assert table_items() == before


def test_a_request_never_handed_over_cannot_be_answered(external: ModuleType, seed: Seeder) -> None:
    seed.request(
        None, reference=REFERENCE, state="pending_validation", theme_code="transport.bus-stop"
    )

    assert callback(external, "answer", {"text": "Fet."})[0] == 409


@pytest.mark.parametrize(
    ("what", "body", "status"),
    [
        ("answer", {"text": ""}, 422),
        ("answer", {"text": "x", "extra": 1}, 422),
        ("return", {}, 422),
        ("answer", "{not json", 400),
    ],
)
def test_bad_input_is_a_clear_4xx_and_writes_nothing(
    external: ModuleType, handed: str, what: str, body: Any, status: int
) -> None:
    before = table_items()

    answered, answer = callback(external, what, body)

    assert answered == status, answer
    assert "message" in answer
    assert table_items() == before

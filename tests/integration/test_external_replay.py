"""A body's callback sent again after a network failure: the first receipt, nothing more."""

from types import ModuleType
from typing import Any

import pytest

from finestra.domain.ids import new_id
from finestra.domain.request import Interaction
from finestra.domain.vocabulary import InteractionKind, RequestState
from finestra.storage.requests import RequestStore
from tests.conftest import Seeder
from tests.integration.test_desk_actions import call, event
from tests.integration.test_external_api import (
    REFERENCE,
    ROUTE,
    TMB_KEY,
    entries,
    external,
    handed,
    stored,
)
from tests.support.aws import table_items

__all__ = ["external", "handed"]

ANSWER: dict[str, Any] = {"text": "Marquesina reparada.", "external_reference": "TMB-88123"}
RETURN: dict[str, Any] = {"reason": "La parada és de l'AMB, no de TMB."}


def send(external: ModuleType, what: str, body: Any, key: str | None = None) -> tuple[int, Any]:
    headers = {"x-api-key": TMB_KEY}
    if key is not None:
        headers["idempotency-key"] = key
    sent = event(
        "POST", ROUTE + what, claims=None, body=body, path={"reference": REFERENCE}, headers=headers
    )
    return call(external, sent)


def hand_over_again(seed: Seeder) -> None:
    """The city hands the request to the body once more, as the desk's move records it."""
    store = RequestStore(seed.runtime.table, shards=4)
    request = store.get(REFERENCE)
    assert request is not None
    move = Interaction(
        id=new_id("int"),
        at=seed.clock(),
        kind=InteractionKind.STATE_CHANGE,
        channel="internal",
        actor="staff:7a4c2e9b",
        from_state=request.state,
        to_state=RequestState.EXTERNALLY_PROCESSED,
        reason="Falta una peça",
    )
    store.change_state(request, move, new_state=RequestState.EXTERNALLY_PROCESSED)


def answers() -> list[dict[str, Any]]:
    return [e for e in entries() if e["actor"] == "external:tmb"]


@pytest.mark.parametrize("key", [None, "tmb-88123-answer"], ids=["by content", "by header"])
def test_the_same_answer_sent_twice_answers_the_first_receipt_and_moves_the_request_once(
    external: ModuleType, handed: str, key: str | None
) -> None:
    first_status, first = send(external, "answer", ANSWER, key)
    version = stored()["version"]

    second_status, second = send(external, "answer", ANSWER, key)

    assert (first_status, second_status) == (200, 200), second
    assert second == first
    assert len(answers()) == 1
    assert stored()["state"] == "pending_answer"
    assert stored()["version"] == version


def test_the_same_return_sent_twice_answers_the_first_receipt(
    external: ModuleType, handed: str
) -> None:
    _, first = send(external, "return", RETURN)

    status, second = send(external, "return", RETURN)

    assert status == 200, second
    assert second == first
    assert len(answers()) == 1
    assert stored()["state"] == "in_resolution"


def test_another_answer_to_a_request_already_answered_is_a_conflict_and_writes_nothing(
    external: ModuleType, handed: str
) -> None:
    send(external, "answer", ANSWER)
    before = table_items()

    status, answer = send(external, "answer", {"text": "Ens ho hem repensat."})

    assert status == 409, answer
    assert answer["errors"][0]["field"] == "state"
    assert table_items() == before


def test_a_return_after_an_answer_is_still_a_conflict(external: ModuleType, handed: str) -> None:
    send(external, "answer", ANSWER)
    before = table_items()

    status, _ = send(external, "return", RETURN)

    assert status == 409
    assert table_items() == before


def test_a_key_used_again_with_other_content_is_a_conflict_naming_the_header(
    external: ModuleType, handed: str
) -> None:
    send(external, "answer", ANSWER, "tmb-88123-answer")
    before = table_items()

    status, answer = send(external, "answer", {"text": "Una altra cosa."}, "tmb-88123-answer")

    assert status == 409, answer
    assert answer["errors"][0]["field"] == "Idempotency-Key"
    assert "Una altra cosa" not in answer["message"]
    assert table_items() == before


def test_a_new_key_with_the_same_content_is_a_new_call_and_refused_once_answered(
    external: ModuleType, handed: str
) -> None:
    send(external, "answer", ANSWER, "first-call")

    status, _ = send(external, "answer", ANSWER, "second-call")

    assert status == 409
    assert len(answers()) == 1


def test_the_same_words_answer_a_request_handed_over_again(
    external: ModuleType, handed: str, seed: Seeder
) -> None:
    _, first = send(external, "answer", ANSWER)
    hand_over_again(seed)

    status, second = send(external, "answer", ANSWER)

    assert status == 200, second
    assert second["interaction_id"] != first["interaction_id"]
    assert len(answers()) == 2
    assert stored()["state"] == "pending_answer"


@pytest.mark.parametrize("key", ["", "with space", "x" * 101], ids=["empty", "space", "long"])
def test_a_malformed_idempotency_key_is_refused_and_writes_nothing(
    external: ModuleType, handed: str, key: str
) -> None:
    before = table_items()

    status, answer = send(external, "answer", ANSWER, key)

    assert status == 422, answer
    assert answer["errors"][0]["field"] == "Idempotency-Key"
    assert table_items() == before

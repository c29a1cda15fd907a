"""Templates that fit a request, and each author's draft answer, through the desk API."""

from collections.abc import Callable
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from finestra.desk.answers import DraftOrder, Drafts
from finestra.domain.vocabulary import Language
from tests.conftest import Clock, Seeder
from tests.integration.test_desk_actions import (
    AGENT,
    PHONE,
    PREFIX,
    REFERENCE,
    call,
    event,
    given_request,
)
from tests.support.aws import sent_sms, table_items

COLLEAGUE = {**AGENT, "sub": "0b9e4d2c-1a3f-4e5d-8c7b-6a5f4e3d2c1b", "cognito:username": "agent7"}
OTHER_GROUP = {**AGENT, "custom:groups": "lighting"}
DRAFT = f"{PREFIX}/requests/{{reference}}/draft"


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def case(seed: Seeder) -> str:
    citizen = seed.citizen(phone=PHONE)
    given_request(seed, citizen)
    return REFERENCE


def draft(
    api: ModuleType, method: str, body: Any = None, claims: dict[str, str] = AGENT
) -> tuple[int, Any]:
    return call(api, event(method, DRAFT, claims=claims, body=body, path={"reference": REFERENCE}))


def templates(api: ModuleType, query: dict[str, str], claims: dict[str, str] = AGENT) -> Any:
    return call(api, event("GET", f"{PREFIX}/templates", claims=claims, query=query))


def drafts_stored() -> list[dict[str, Any]]:
    return [i for i in table_items(f"REQUEST#{REFERENCE}") if i.get("type") == "draft"]


# ---------------------------------------------------------------------- templates


def test_the_templates_for_a_pothole_put_the_paving_incident_one_first(
    api: ModuleType, case: str
) -> None:
    status, answer = templates(api, {"reference": REFERENCE, "lang": "es"})

    assert status == 200, answer
    ids = [t["id"] for t in answer["items"]]
    assert ids[0] == "paving-repair-planned"
    assert "working-on-it" in ids
    assert "lighting-crew-sent" not in ids
    assert "noise-inspection" not in ids
    first = answer["items"][0]
    assert first["scope"] == ["group", "type"]
    assert REFERENCE in first["text"]
    assert "Ayuntamiento" in first["text"] or "Barcelona" in first["text"]


def test_templates_of_a_request_outside_the_caller_s_groups_are_refused(
    api: ModuleType, case: str
) -> None:
    status, answer = templates(api, {"reference": REFERENCE}, claims=OTHER_GROUP)

    assert status == 403, answer


def test_templates_need_a_reference_and_a_known_language(api: ModuleType, case: str) -> None:
    assert templates(api, {"lang": "ca"})[0] == 422
    assert templates(api, {"reference": REFERENCE, "lang": "fr"})[0] == 422
    assert templates(api, {"reference": "BCN-2026-999999"})[0] == 404


# ---------------------------------------------------------------------- drafts


def test_a_draft_is_saved_read_back_and_kept_thirty_days_by_the_table_s_ttl(
    api: ModuleType, case: str, template: dict[str, Any]
) -> None:
    saved, answer = draft(api, "PUT", {"text": "Bon dia, hi anirem dilluns.", "language": "ca"})

    assert saved == 200, answer
    assert answer["version"] == 1
    status, read = draft(api, "GET")
    assert status == 200
    assert read["text"] == "Bon dia, hi anirem dilluns."
    [item] = drafts_stored()
    assert item["SK"] == f"DRAFT#{AGENT['sub']}"
    saved_at = datetime.fromisoformat(answer["saved_at"])
    assert int(item["expires_at"]) == int((saved_at + timedelta(days=30)).timestamp())
    ttl = template["Resources"]["FinestraTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expires_at", "Enabled": True}


def test_a_save_on_an_old_version_is_a_conflict_and_keeps_the_newer_draft(
    api: ModuleType, case: str
) -> None:
    draft(api, "PUT", {"text": "Primera versió", "language": "ca"})
    draft(api, "PUT", {"text": "Segona versió", "language": "ca", "version": 1})

    status, answer = draft(api, "PUT", {"text": "Des d'una altra pestanya", "language": "ca"})

    assert status == 409, answer
    assert answer["errors"][0]["field"] == "version"
    assert draft(api, "GET")[1]["text"] == "Segona versió"
    assert draft(api, "GET")[1]["version"] == 2


def test_another_author_never_sees_a_colleague_s_draft(api: ModuleType, case: str) -> None:
    draft(api, "PUT", {"text": "Només meu", "language": "ca"})

    status, answer = draft(api, "GET", claims=COLLEAGUE)

    assert status == 404, answer


def test_a_draft_past_thirty_days_is_gone_even_before_the_ttl_deletes_it(
    seed: Seeder, case: str, clock: Clock
) -> None:
    drafts = Drafts(seed.runtime.table, clock)
    drafts.save("u1", REFERENCE, DraftOrder(text="Oblidat", language=Language.CA))
    clock.advance(days=29)
    assert drafts.read("u1", REFERENCE) is not None
    clock.advance(days=2)

    assert drafts.read("u1", REFERENCE) is None
    fresh = drafts.save("u1", REFERENCE, DraftOrder(text="Nou", language=Language.CA))
    assert fresh.version == 1


def test_a_draft_naming_a_template_for_other_requests_is_refused(
    api: ModuleType, case: str
) -> None:
    status, answer = draft(
        api, "PUT", {"text": "x", "language": "ca", "template": "lighting-crew-sent"}
    )

    assert status == 422, answer
    assert drafts_stored() == []


def test_a_dropped_draft_is_gone_and_dropping_again_answers_the_same(
    api: ModuleType, case: str
) -> None:
    draft(api, "PUT", {"text": "Esborrany", "language": "ca"})

    assert draft(api, "DELETE")[0] == 204
    assert draft(api, "DELETE")[0] == 204
    assert drafts_stored() == []


def test_sending_the_reply_deletes_the_sender_s_draft_only(api: ModuleType, case: str) -> None:
    draft(api, "PUT", {"text": "Hi anirem dilluns.", "language": "ca"})
    draft(api, "PUT", {"text": "El meu", "language": "ca"}, claims=COLLEAGUE)

    status, answer = call(
        api,
        event(
            "POST",
            f"{PREFIX}/requests/{{reference}}/replies",
            claims=AGENT,
            body={"text": "Hi anirem dilluns."},
            path={"reference": REFERENCE},
        ),
    )

    assert status == 201, answer
    assert sent_sms()
    assert [i["SK"] for i in drafts_stored()] == [f"DRAFT#{COLLEAGUE['sub']}"]


def test_the_preview_counts_a_draft_s_text_as_an_sms(api: ModuleType, case: str) -> None:
    draft(api, "PUT", {"text": "Bon dia. Hi anirem dilluns a les 9.", "language": "ca"})
    text = draft(api, "GET")[1]["text"]

    status, answer = call(
        api,
        event(
            "POST",
            f"{PREFIX}/replies/preview",
            claims=AGENT,
            body={"text": text, "channel": "sms", "reference": REFERENCE},
        ),
    )

    assert status == 200, answer
    assert answer["segments"] == 1
    assert answer["encoding"] == "GSM-7"


def test_a_draft_needs_text_and_a_language(api: ModuleType, case: str) -> None:
    assert draft(api, "PUT", {"text": "", "language": "ca"})[0] == 422
    assert draft(api, "PUT", {"text": "x"})[0] == 422
    assert drafts_stored() == []

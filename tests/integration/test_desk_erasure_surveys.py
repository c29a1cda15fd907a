"""A citizen's survey answers are in their export, and their erasure removes them."""

from collections.abc import Callable
from datetime import timedelta
from types import ModuleType

import pytest

from finestra.domain.survey import Answer
from finestra.domain.vocabulary import Language
from finestra.surveys.store import SurveyStore
from finestra.surveys.wiring import survey_answers, survey_links, survey_store
from tests.conftest import Clock, Seeder
from tests.integration.test_desk_citizens import erase, export
from tests.integration.test_surveys import campaign_survey
from tests.support.aws import table_items

ORIGIN = "https://finestra.example.org"
COMMENT = "El parc del costat de casa meva, al carrer Verdi, està molt brut"
REASON = {"reason": "the citizen asked to be forgotten"}


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def store(seed: Seeder) -> SurveyStore:
    return survey_store(seed.runtime)


def answered(seed: Seeder, store: SurveyStore, clock: Clock) -> str:
    """A citizen who answered a campaign's survey with a comment and awaits another by SMS."""
    citizen = seed.citizen(phone="+34612345678")
    campaign_survey(store, clock)
    links = survey_links(seed.runtime, ORIGIN)
    token = links.issue("parks-2026", citizen, "cmp_1", None, Language.CA).split("#t=", 1)[1]
    survey_answers(seed.runtime, links).answer_link(
        token,
        [Answer(question_id="overall", rating=2), Answer(question_id="comment", text=COMMENT)],
    )
    store.await_sms_answer(citizen, "parks-2026", "cmp_2", None, clock() + timedelta(days=3))
    return citizen


def holding(text: str) -> list[str]:
    return [f"{i['PK']}/{i['SK']}" for i in table_items("") if text in str(i)]


def test_the_export_carries_each_survey_answer_with_its_free_text(
    api: ModuleType, seed: Seeder, store: SurveyStore, clock: Clock
) -> None:
    citizen = answered(seed, store, clock)

    status, body, _ = export(api, citizen)

    assert status == 200
    [response] = body["survey_responses"]
    assert response["survey_id"] == "parks-2026"
    assert response["invitation"] == "cmp_1"
    assert response["texts"] == {"comment": COMMENT}
    assert {"question_id": "overall", "rating": 2} in response["answers"]


def test_erasure_removes_the_answers_their_texts_and_pending_invitations(
    api: ModuleType, seed: Seeder, store: SurveyStore, clock: Clock
) -> None:
    citizen = answered(seed, store, clock)
    assert holding(COMMENT), "the comment was stored"

    status, body = erase(api, citizen, REASON)

    assert status == 200
    assert body["erased"]["survey_responses"] == 1
    assert body["erased"]["survey_invitations"] == 1
    assert holding(COMMENT) == []
    assert [i for i in table_items("SURVEY#parks-2026") if citizen in str(i["SK"])] == []
    assert store.pending(citizen) is None
    assert store.results("parks-2026").responses == 1, "the anonymous counts stay"
    status, again, _ = export(api, citizen)
    assert again["survey_responses"] == []

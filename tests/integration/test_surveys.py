"""Surveys under moto: definitions, one-use links, one answer per invitation, results."""

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest

from finestra.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from finestra.domain.survey import Answer, SentimentLabel, Survey
from finestra.domain.vocabulary import InteractionKind, Language
from finestra.sentiment import LexiconScorer
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.surveys.answers import SurveyAnswers
from finestra.surveys.config import builtin_surveys
from finestra.surveys.links import SurveyLinkExpired, SurveyLinks, SurveyLinkUsed
from finestra.surveys.store import AlreadyAnswered, SurveyStore
from finestra.surveys.wiring import SurveyMessages, survey_answers, survey_links, survey_store
from tests.conftest import CONFIG, Clock, FakeLambdaContext, Seeder, load_event
from tests.support.aws import table_items
from tests.support.desk_work import AGENT, CAMPAIGN_MANAGER, call, event

SATISFACTION = "satisfaction-request"
ORIGIN = "https://finestra.example.org"
SURVEYS = "/api/desk/v1/surveys"
ONE = f"{SURVEYS}/{{survey_id}}"
RESULTS = f"{ONE}/results"
BICING = {"survey_id": "bicing-2026"}
MANAGER = {**CAMPAIGN_MANAGER, "custom:districts": "*"}


@pytest.fixture
def links(seed: Seeder) -> SurveyLinks:
    return survey_links(seed.runtime, ORIGIN)


@pytest.fixture
def answers(seed: Seeder, links: SurveyLinks) -> SurveyAnswers:
    return survey_answers(seed.runtime, links)


@pytest.fixture
def store(seed: Seeder) -> SurveyStore:
    return survey_store(seed.runtime)


def token_of(link: str) -> str:
    assert link.startswith(f"{ORIGIN}/survey.html#t=")
    return link.split("#t=", 1)[1]


def responses() -> list[dict[str, Any]]:
    return [i for i in table_items("SURVEY#") if i.get("type") == "survey_answer"]


def campaign_survey(store: SurveyStore, clock: Clock) -> Survey:
    survey = Survey.model_validate(
        {
            "id": "parks-2026",
            "name": "Parcs 2026",
            "purpose": "campaign",
            "questions": [
                {"id": "overall", "kind": "rating", "text": {"ca": "Com valores els parcs?"}},
                {"id": "comment", "kind": "text", "text": {"ca": "Alguna cosa més?"}},
            ],
            "created_by": "usr_manager",
            "created_at": clock(),
            "updated_at": clock(),
        }
    )
    store.create(survey)
    return survey


def test_a_link_opens_its_survey_and_answers_it_once(
    seed: Seeder, links: SurveyLinks, answers: SurveyAnswers
) -> None:
    citizen = seed.citizen(phone="+34612345678")
    token = token_of(links.issue(SATISFACTION, citizen, "cmp_1", None, Language.ES))

    claims, survey = answers.open_link(token)
    answers.answer_link(token, [Answer(question_id="overall", rating=4)])

    assert claims.citizen_id == citizen
    assert claims.language is Language.ES
    assert survey.id == SATISFACTION
    with pytest.raises(SurveyLinkUsed):
        answers.open_link(token)
    with pytest.raises(SurveyLinkUsed):
        answers.answer_link(token, [Answer(question_id="overall", rating=1)])
    [response] = responses()
    assert response["rating"] == 4
    assert not table_items("SURVEYLINK#"), "the answer spent the link's nonce"


def test_a_forged_or_tampered_token_is_refused(
    seed: Seeder, links: SurveyLinks, answers: SurveyAnswers
) -> None:
    token = token_of(links.issue(SATISFACTION, "cit_1", "cmp_1", None, Language.CA))
    payload, signature = token.split(".")
    other = SurveyLinks(seed.runtime.table, b"another-key-of-sixteen", seed.clock, ORIGIN)
    forged = other.token(SATISFACTION, "cit_1", "cmp_1", None, Language.CA)

    for bad in (f"{payload}.{signature[:-2]}xx", forged, "nonsense", f"{payload[1:]}.{signature}"):
        with pytest.raises(Forbidden) as refused:
            answers.open_link(bad)
        assert type(refused.value) is Forbidden


def test_a_link_works_for_fourteen_days(
    seed: Seeder, clock: Clock, links: SurveyLinks, answers: SurveyAnswers
) -> None:
    token = token_of(links.issue(SATISFACTION, "cit_1", "cmp_1", None, Language.CA))

    clock.advance(days=13, hours=23)
    answers.open_link(token)
    clock.advance(hours=1)

    with pytest.raises(SurveyLinkExpired):
        answers.answer_link(token, [Answer(question_id="overall", rating=3)])
    assert not responses()


def test_an_answer_that_does_not_fit_its_question_is_refused_by_question(
    seed: Seeder, links: SurveyLinks, answers: SurveyAnswers
) -> None:
    token = token_of(links.issue(SATISFACTION, "cit_1", "cmp_1", None, Language.CA))

    with pytest.raises(ValidationFailed) as refused:
        answers.answer_link(token, [Answer(question_id="solved", rating=2)])

    assert refused.value.field == "answers.solved"
    assert not responses()
    answers.open_link(token)


class RacingStore(SurveyStore):
    """Holds every writer until all have read what they decide on, then lets them write.

    Moto applies one call at a time only when calls do not overlap, so the writes go
    through one by one; what each finds is decided by the conditions alone.
    """

    def __init__(self, seed: Seeder, writers: int) -> None:
        super().__init__(seed.runtime.table, clock=seed.clock, builtins=builtin_surveys(CONFIG))
        self.ready = threading.Barrier(writers)
        self.one_at_a_time = threading.Lock()

    def record(self, *args: Any, **kwargs: Any) -> None:
        self.ready.wait(timeout=10)
        with self.one_at_a_time:
            super().record(*args, **kwargs)


def test_concurrent_answers_to_one_invitation_count_once(seed: Seeder, links: SurveyLinks) -> None:
    citizen = seed.citizen(phone="+34612345678")
    tokens = [
        token_of(links.issue(SATISFACTION, citizen, "cmp_1", None, Language.CA)) for _ in range(4)
    ]
    store = RacingStore(seed, len(tokens))
    racing = SurveyAnswers(
        surveys=store,
        citizens=CitizenStore(seed.runtime.table, seed.runtime.vault),
        requests=RequestStore(seed.runtime.table, shards=4),
        scorer=LexiconScorer(),
        clock=seed.clock,
        links=links,
    )
    outcomes: list[str] = []

    def answer(token: str, rating: int) -> None:
        try:
            racing.answer_link(token, [Answer(question_id="overall", rating=rating)])
            outcomes.append("recorded")
        except AlreadyAnswered:
            outcomes.append("refused")

    threads = [
        threading.Thread(target=answer, args=(token, rating))
        for rating, token in enumerate(tokens, start=2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["recorded", "refused", "refused", "refused"]
    [response] = responses()
    results = store.results(SATISFACTION, "cmp_1")
    assert results.responses == 1
    assert results.questions[0].counts[str(response["rating"])] == 1
    assert sum(results.questions[0].counts.values()) == 1


def test_results_count_ratings_choices_and_the_tone_of_free_texts(
    seed: Seeder, links: SurveyLinks, answers: SurveyAnswers, store: SurveyStore
) -> None:
    given = [
        (4, "yes", "Molt ràpids i amables, gràcies."),
        (1, "no", "Una vergonya, el carrer continua brut."),
        (4, "partly", None),
    ]
    for index, (rating, choice, text) in enumerate(given):
        citizen = seed.citizen(phone=f"+3461234567{index}")
        token = token_of(links.issue(SATISFACTION, citizen, "cmp_1", None, Language.CA))
        given_answers = [
            Answer(question_id="overall", rating=rating),
            Answer(question_id="solved", choice=choice),
        ]
        if text:
            given_answers.append(Answer(question_id="comment", text=text))
        answers.answer_link(token, given_answers)

    results = store.results(SATISFACTION)

    assert results.responses == 3
    overall, solved, comment = results.questions
    assert overall.counts == {"1": 1, "2": 0, "3": 0, "4": 2, "5": 0}
    assert solved.counts == {"yes": 1, "partly": 1, "no": 1}
    assert comment.answered == 2
    assert results.sentiment[SentimentLabel.POSITIVE] == 1
    assert results.sentiment[SentimentLabel.NEGATIVE] == 1
    assert results.sentiment_methods == {"comprehend": 0, "lexicon": 2}, "Catalan: the lexicon"
    assert store.results(SATISFACTION, "cmp_1").responses == 3
    assert store.results(SATISFACTION, "cmp_other").responses == 0


def test_a_response_item_carries_what_the_insights_count_and_no_answer_text(
    seed: Seeder, links: SurveyLinks, answers: SurveyAnswers
) -> None:
    citizen = seed.citizen(phone="+34612345678")
    reference = seed.request(citizen, state="closed", theme_code="roads.pothole")
    token = token_of(links.issue(SATISFACTION, citizen, None, reference, Language.CA))

    answers.answer_link(
        token,
        [
            Answer(question_id="overall", rating=2),
            Answer(question_id="comment", text="Van trigar massa i és perillós."),
        ],
    )

    [response] = responses()
    assert response["SK"] == f"RESPONSE#{citizen}#{reference}"
    assert response["theme_code"] == "roads.pothole"
    assert response["input_channel"] == "email"
    assert response["language"] == "ca"
    assert response["rating"] == 2
    assert response["sentiment"] == "NEGATIVE"
    assert response["sentiment_method"] == "lexicon"
    assert response["answered_on"] == "2026-03-14"
    assert "trigar" not in str(response)
    [texts] = [i for i in table_items("SURVEY#") if i["type"] == "survey_text"]
    assert texts["texts"] == {"comment": "Van trigar massa i és perillós."}


def test_a_satisfaction_answer_joins_the_requests_history(
    seed: Seeder, links: SurveyLinks, answers: SurveyAnswers
) -> None:
    citizen = seed.citizen(phone="+34612345678")
    reference = seed.request(citizen, state="closed")
    token = token_of(links.issue(SATISFACTION, citizen, None, reference, Language.CA))

    answers.answer_link(
        token,
        [Answer(question_id="overall", rating=5), Answer(question_id="solved", choice="yes")],
    )

    history = RequestStore(seed.runtime.table, shards=4).history(reference)
    entry = history[-1]
    assert entry.kind is InteractionKind.SURVEY_ANSWER
    assert entry.actor == f"citizen:{citizen}"
    assert entry.channel == "web"
    assert entry.text == "overall: 5/5\nsolved: Sí"


def test_a_satisfaction_answer_for_a_vanished_request_is_refused_whole(
    seed: Seeder, links: SurveyLinks, answers: SurveyAnswers
) -> None:
    token = token_of(links.issue(SATISFACTION, "cit_1", None, "BCN-2026-000999", Language.CA))

    with pytest.raises(AlreadyAnswered):
        answers.answer_link(token, [Answer(question_id="overall", rating=3)])

    assert not responses()


def test_survey_definitions_are_versioned_and_edits_need_the_version_read(
    store: SurveyStore, clock: Clock
) -> None:
    survey = campaign_survey(store, clock)
    edited = survey.model_copy(update={"name": "Parcs i jardins", "version": 2})

    store.replace(edited, expected_version=1)

    assert store.get("parks-2026").name == "Parcs i jardins"
    assert store.get("parks-2026", version=1).name == "Parcs 2026"
    with pytest.raises(Conflict):
        store.replace(edited.model_copy(update={"version": 3}), expected_version=1)
    with pytest.raises(Conflict):
        store.create(survey)
    with pytest.raises(NotFound):
        store.get("no-such-survey")


def test_built_in_surveys_are_listed_and_their_first_edit_is_stored(
    store: SurveyStore, clock: Clock
) -> None:
    campaign_survey(store, clock)
    builtin = store.get(SATISFACTION)

    store.replace(builtin.model_copy(update={"name": "Edited", "version": 2}), expected_version=1)

    assert [s.id for s in store.every()] == ["parks-2026", SATISFACTION]
    assert store.get(SATISFACTION).name == "Edited"
    with pytest.raises(Conflict):
        store.create(builtin)


def test_a_pending_sms_answer_lasts_until_it_expires(seed: Seeder, clock: Clock) -> None:
    store = survey_store(seed.runtime)
    messages = SurveyMessages(store, survey_links(seed.runtime, ORIGIN))

    messages.await_answer("cit_1", SATISFACTION, "cmp_1", None, clock() + timedelta(days=3))

    pending = store.pending("cit_1")
    assert pending is not None
    assert pending.campaign_id == "cmp_1"
    assert messages.prompt(SATISFACTION, Language.EN).endswith("from 1 to 5.")
    assert token_of(messages.link(SATISFACTION, "cit_1", "cmp_1", None, Language.EN))
    clock.advance(days=3)
    assert store.pending("cit_1") is None


def test_a_pending_answer_or_link_needs_a_campaign_or_a_request(
    store: SurveyStore, links: SurveyLinks, clock: Clock
) -> None:
    later: Callable[[], Any] = lambda: clock() + timedelta(days=1)  # noqa: E731

    with pytest.raises(ValueError, match="campaign or a request"):
        store.await_sms_answer("cit_1", SATISFACTION, None, None, later())
    with pytest.raises(ValueError, match="campaign or a request"):
        links.issue(SATISFACTION, "cit_1", None, None, Language.CA)


NEW_SURVEY: dict[str, Any] = {
    "id": "bicing-2026",
    "name": "Bicing",
    "purpose": "campaign",
    "questions": [
        {"id": "overall", "kind": "rating", "text": {"ca": "Com valores el Bicing?"}},
        {
            "id": "often",
            "kind": "choice",
            "text": {"ca": "L'uses sovint?"},
            "choices": [
                {"key": "yes", "keyword": {"ca": "SI"}, "label": {"ca": "Sí"}},
                {"key": "no", "keyword": {"ca": "NO"}, "label": {"ca": "No"}},
            ],
        },
    ],
}


@pytest.fixture
def desk_api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


def test_a_campaign_manager_creates_reads_and_edits_a_survey_on_its_version(
    desk_api: ModuleType,
) -> None:
    created, survey = call(desk_api, event("POST", SURVEYS, claims=MANAGER, body=NEW_SURVEY))
    listed, surveys = call(desk_api, event("GET", SURVEYS, claims=MANAGER))
    edit = {**NEW_SURVEY, "name": "Bicing 2026", "version": 1}
    del edit["id"]
    edited, after = call(desk_api, event("PUT", ONE, claims=MANAGER, body=edit, path=BICING))
    stale, refused = call(desk_api, event("PUT", ONE, claims=MANAGER, body=edit, path=BICING))
    read, current = call(desk_api, event("GET", ONE, claims=MANAGER, path=BICING))

    assert created == 201
    assert survey["created_by"] == MANAGER["sub"]
    assert listed == 200
    assert {s["id"] for s in surveys["surveys"]} == {"bicing-2026", SATISFACTION}
    assert (edited, after["version"]) == (200, 2)
    assert (stale, refused["code"]) == (409, "conflict")
    assert (read, current["name"], current["version"]) == (200, "Bicing 2026", 2)


def test_a_survey_that_breaks_a_rule_is_refused_by_field(desk_api: ModuleType) -> None:
    broken = {**NEW_SURVEY, "questions": NEW_SURVEY["questions"][:1] * 2}

    status, body = call(desk_api, event("POST", SURVEYS, claims=MANAGER, body=broken))

    assert status == 422
    assert body["code"] == "invalid_request"


def test_survey_results_are_counts_without_who_answered(
    desk_api: ModuleType, seed: Seeder, answers: SurveyAnswers
) -> None:
    citizen = seed.citizen(phone="+34612345678")
    links = survey_links(seed.runtime, ORIGIN)
    token = token_of(links.issue(SATISFACTION, citizen, "cmp_9", None, Language.CA))
    answers.answer_link(
        token,
        [
            Answer(question_id="overall", rating=3),
            Answer(question_id="comment", text="Tot correcte, gràcies."),
        ],
    )

    status, body = call(
        desk_api,
        event(
            "GET",
            RESULTS,
            claims=MANAGER,
            path={"survey_id": SATISFACTION},
            query={"campaign_id": "cmp_9"},
        ),
    )

    assert status == 200
    assert body["responses"] == 1
    assert body["questions"][0]["counts"]["3"] == 1
    assert body["sentiment"]["POSITIVE"] == 1
    assert citizen not in json.dumps(body)
    assert "correcte" not in json.dumps(body)


@pytest.mark.parametrize(
    ("method", "resource", "path"),
    [
        ("GET", SURVEYS, None),
        ("POST", SURVEYS, None),
        ("GET", ONE, BICING),
        ("GET", RESULTS, BICING),
    ],
)
def test_the_survey_routes_refuse_an_agent(
    desk_api: ModuleType, method: str, resource: str, path: dict[str, str] | None
) -> None:
    body = NEW_SURVEY if method == "POST" else None

    status, refused = call(desk_api, event(method, resource, claims=AGENT, body=body, path=path))

    assert (status, refused["code"]) == (403, "forbidden")


def test_a_social_opinion_is_stored_with_its_tone_and_how_it_was_judged(
    function: Callable[[str], ModuleType],
) -> None:
    social = function("social_webhook")

    response = social.app(load_event("social/post-opinion-en.json"), FakeLambdaContext())

    assert response["statusCode"] == 200
    [opinion] = [i for i in table_items("CITIZEN#") if i.get("type") == "opinion"]
    assert opinion["sentiment"] == "POSITIVE"
    assert opinion["sentiment_method"] == "lexicon"


def test_the_desk_timeline_shows_a_satisfaction_answer(
    desk_api: ModuleType, seed: Seeder, links: SurveyLinks, answers: SurveyAnswers
) -> None:
    citizen = seed.citizen(phone="+34612345678")
    reference = seed.request(citizen, state="closed")
    token = token_of(links.issue(SATISFACTION, citizen, None, reference, Language.CA))
    answers.answer_link(token, [Answer(question_id="overall", rating=4)])

    status, detail = call(
        desk_api,
        event("GET", "/api/desk/v1/requests/{reference}", path={"reference": reference}),
    )

    assert status == 200
    entry = detail["timeline"][-1]
    assert (entry["kind"], entry["channel"], entry["text"]) == ("system", "web", "overall: 4/5")


def test_in_aws_an_opinion_is_judged_by_comprehend(
    function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINESTRA_SENTIMENT_SCORER", "comprehend")
    social = function("social_webhook")

    social.app(load_event("social/post-opinion-en.json"), FakeLambdaContext())

    [opinion] = [i for i in table_items("CITIZEN#") if i.get("type") == "opinion"]
    assert opinion["sentiment_method"] == "comprehend"
    assert opinion["sentiment"] in {"POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"}

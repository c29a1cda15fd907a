"""The survey page's routes of the citizen API (Chalice) on API Gateway events, under moto."""

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from finestra.domain.vocabulary import Language
from finestra.runtime import IntakeRuntime, utc_now
from finestra.settings import FunctionSettings
from finestra.surveys.links import SURVEY_LINK_DAYS, SurveyLinks
from finestra.surveys.wiring import survey_links
from tests.conftest import Clock, FakeLambdaContext, Seeder, load_event
from tests.support.aws import http_body, table_dump, table_items

SATISFACTION = "satisfaction-request"
ROUTE = "/api/citizen/v1/surveys/{token}"
ORIGIN = "https://finestra.example.org"


def event(method: str, token: str, body: Any = None) -> dict[str, Any]:
    made: dict[str, Any] = copy.deepcopy(load_event("web/track-request.json"))
    path = f"/api/citizen/v1/surveys/{token}"
    made.update(resource=ROUTE, path=path, httpMethod=method, pathParameters={"token": token})
    made["requestContext"].update(resourcePath=ROUTE, path=path, httpMethod=method)
    for headers in (made["headers"], made["multiValueHeaders"]):
        headers.pop("x-tracking-token", None)
    if body is not None:
        made["body"] = body if isinstance(body, str) else json.dumps(body)
        made["headers"]["content-type"] = "application/json"
        made["multiValueHeaders"]["content-type"] = ["application/json"]
    return made


def call(api: ModuleType, made: dict[str, Any]) -> tuple[int, Any]:
    response = api.app(made, FakeLambdaContext())
    return response["statusCode"], http_body(response)


def token_for(links: SurveyLinks, citizen: str, **invitation: str | None) -> str:
    campaign, reference = invitation.get("campaign_id"), invitation.get("reference")
    return links.token(SATISFACTION, citizen, campaign, reference, Language.ES)


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("citizen_api")


def issuer(clock: Callable[[], datetime]) -> SurveyLinks:
    """Links issued on ``clock``; the citizen API judges them on the real time."""
    return survey_links(IntakeRuntime(FunctionSettings(), clock=clock), ORIGIN)


@pytest.fixture
def links(aws: None) -> SurveyLinks:
    return issuer(utc_now)


def test_the_survey_is_read_in_the_links_language_without_personal_data(
    api: ModuleType, seed: Seeder, links: SurveyLinks
) -> None:
    citizen = seed.citizen(phone="+34612345678", given_name="Montserrat")
    token = token_for(links, citizen, campaign_id="cmp_1")

    status, body = call(api, event("GET", token))

    assert status == 200
    assert body["language"] == "es"
    assert [q["id"] for q in body["questions"]] == ["overall", "solved", "comment"]
    assert body["questions"][0]["text"].startswith("¿Cómo valoras")
    assert body["questions"][1]["choices"][0] == {"key": "yes", "label": "Sí"}
    assert citizen not in json.dumps(body)
    assert "Montserrat" not in json.dumps(body)


def test_answers_are_recorded_once_then_the_link_is_gone(
    api: ModuleType, seed: Seeder, links: SurveyLinks
) -> None:
    citizen = seed.citizen(phone="+34612345678")
    token = token_for(links, citizen, campaign_id="cmp_1")
    answers = {
        "answers": [
            {"question_id": "overall", "rating": 5},
            {"question_id": "solved", "choice": "yes"},
            {"question_id": "comment", "text": "Muy rápido y amable, gracias."},
        ]
    }

    status, body = call(api, event("POST", token, answers))
    again, refused = call(api, event("POST", token, answers))
    read_status, read = call(api, event("GET", token))

    assert status == 201
    assert body["survey_id"] == SATISFACTION
    assert (again, refused["code"]) == (410, "link_used")
    assert (read_status, read["code"]) == (410, "link_used")
    [response] = [i for i in table_items("SURVEY#") if i.get("type") == "survey_answer"]
    assert response["sentiment"] == "POSITIVE"
    assert response["sentiment_method"] == "lexicon", "the local stack scores with the lexicon"


def test_an_expired_link_is_gone(api: ModuleType) -> None:
    old = issuer(Clock(datetime.now(UTC) - timedelta(days=SURVEY_LINK_DAYS, seconds=1)))
    token = token_for(old, "cit_1", campaign_id="cmp_1")

    status, body = call(api, event("GET", token))

    assert (status, body["code"]) == (410, "link_expired")


def test_a_forged_token_is_forbidden(api: ModuleType, seed: Seeder, links: SurveyLinks) -> None:
    token = token_for(links, "cit_1", campaign_id="cmp_1")
    payload, signature = token.split(".")
    forged = f"{payload}.{'A' * len(signature)}"

    status, body = call(
        api, event("POST", forged, {"answers": [{"question_id": "overall", "rating": 3}]})
    )

    assert (status, body["code"]) == (403, "forbidden")


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"question_id": "overall", "rating": 9}, "answers.overall"),
        ({"question_id": "solved", "choice": "maybe"}, "answers.solved"),
        ({"question_id": "solved", "rating": 2}, "answers.solved"),
        ({"question_id": "nope", "rating": 2}, "answers.0"),
    ],
)
def test_a_bad_answer_is_refused_naming_its_question(
    api: ModuleType, seed: Seeder, links: SurveyLinks, given: dict[str, Any], field: str
) -> None:
    token = token_for(links, "cit_1", campaign_id="cmp_1")

    status, body = call(api, event("POST", token, {"answers": [given]}))

    assert status == 422
    assert body["errors"][0]["field"] == field
    assert "maybe" not in json.dumps(body)
    status_after, _ = call(api, event("GET", token))
    assert status_after == 200, "a refused answer leaves the link usable"


def test_a_body_that_is_not_json_is_refused(
    api: ModuleType, seed: Seeder, links: SurveyLinks
) -> None:
    token = token_for(links, "cit_1", campaign_id="cmp_1")

    status, body = call(api, event("POST", token, "{not json"))

    assert status == 400
    assert body["code"] == "invalid_request"
    assert "SURVEY#" not in table_dump()

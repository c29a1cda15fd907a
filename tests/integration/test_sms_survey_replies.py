"""SMS replies to surveys and opt-outs, through the SMS intake Lambda under moto."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from finestra.domain.citizen import Citizen, Consent, ContactPoint
from finestra.domain.ids import new_id
from finestra.domain.survey import Answer
from finestra.domain.vocabulary import (
    ConsentPurpose,
    ContactKind,
    InputChannel,
    InteractionKind,
    Language,
)
from finestra.runtime import IntakeRuntime, utc_now
from finestra.settings import FunctionSettings
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.surveys.wiring import survey_answers, survey_links, survey_store
from tests.conftest import FakeLambdaContext, Seeder, load_event
from tests.support.aws import sent_sms, table_items

PHONE = "+34612345678"
SATISFACTION = "satisfaction-request"
ORIGIN = "https://finestra.example.org"


def sms_event(text: str, message_id: str | None = None, number: str = PHONE) -> dict[str, Any]:
    event: dict[str, Any] = load_event("sms/new-request-ca.json")
    body = json.loads(event["Records"][0]["body"])
    inbound = json.loads(body["Message"])
    inbound["messageBody"] = text
    inbound["originationNumber"] = number
    inbound["inboundMessageId"] = message_id or new_id("sms")
    body["Message"] = json.dumps(inbound)
    event["Records"][0]["body"] = json.dumps(body)
    return event


def send(handler: ModuleType, event: dict[str, Any]) -> None:
    assert handler.lambda_handler(event, FakeLambdaContext()) == {"batchItemFailures": []}


def subscriber(seed: Seeder, language: str = "ca") -> str:
    now = seed.clock()
    citizen = Citizen(
        id=new_id("cit"),
        language=language,
        district_code="02",
        neighbourhood_code="07",
        contact_points=[ContactPoint(kind=ContactKind.PHONE, value=PHONE)],
        consents=[
            Consent(channel="sms", purpose=p, granted=True, recorded_at=now, source="web")
            for p in (ConsentPurpose.CAMPAIGNS, ConsentPurpose.SURVEYS)
        ],
        created_at=now,
        updated_at=now,
    )
    seed.runtime.table.transact(
        CitizenStore(seed.runtime.table, seed.runtime.vault).creation(citizen)
    )
    return citizen.id


def profile(seed: Seeder, citizen_id: str) -> Citizen:
    found = CitizenStore(seed.runtime.table, seed.runtime.vault).get(citizen_id)
    assert found is not None
    return found


def awaiting(seed: Seeder, citizen_id: str, *, reference: str | None = None) -> None:
    campaign = None if reference else "cmp_parks"
    expires = datetime.now(UTC) + timedelta(days=3)
    survey_store(seed.runtime).await_sms_answer(
        citizen_id, SATISFACTION, campaign, reference, expires
    )


def responses() -> list[dict[str, Any]]:
    return [i for i in table_items("SURVEY#") if i.get("type") == "survey_answer"]


def requests() -> list[dict[str, Any]]:
    return [i for i in table_items("REQUEST#") if i["type"] == "request"]


@pytest.fixture
def sms(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("sms_intake")


def test_baixa_withdraws_campaigns_and_surveys_and_is_confirmed_in_the_citizens_language(
    sms: ModuleType, seed: Seeder
) -> None:
    citizen_id = subscriber(seed, language="es")

    send(sms, sms_event("BAIXA"))

    citizen = profile(seed, citizen_id)
    assert not citizen.consents_to("sms", ConsentPurpose.CAMPAIGNS)
    assert not citizen.consents_to("sms", ConsentPurpose.SURVEYS)
    [(number, text)] = sent_sms()
    assert number == PHONE
    assert text.startswith("Ayuntamiento: no recibiras mas SMS")
    assert len(text) <= 160
    assert requests() == []


def test_an_unknown_number_that_opts_out_is_confirmed_in_the_keywords_language(
    sms: ModuleType,
) -> None:
    send(sms, sms_event("Stop", number="+34699887766"))

    [(_, text)] = sent_sms()
    assert text.startswith("City council: you will get no more")
    [citizen] = [i for i in table_items("CITIZEN#") if i["SK"] == "PROFILE"]
    assert {c["granted"] for c in citizen["consents"]} == {False}


def test_a_digit_answers_the_pending_survey_and_is_thanked(sms: ModuleType, seed: Seeder) -> None:
    citizen_id = subscriber(seed)
    awaiting(seed, citizen_id)

    send(sms, sms_event(" 4 "))

    [response] = responses()
    assert response["citizen_id"] == citizen_id
    assert response["campaign_id"] == "cmp_parks"
    assert response["channel"] == "sms"
    assert response["rating"] == 4
    assert response["district_code"] == "02"
    assert response["neighbourhood_code"] == "07"
    assert requests() == [], "an answer is no request"
    [(_, thanks)] = sent_sms()
    assert thanks == "Gràcies per la teva resposta."
    assert survey_store(seed.runtime).pending(citizen_id) is None


def test_a_replayed_answer_is_recorded_and_thanked_once(sms: ModuleType, seed: Seeder) -> None:
    citizen_id = subscriber(seed)
    awaiting(seed, citizen_id)
    event = sms_event("5", message_id="6b0f8a2e-0f5c-4f57-9d1a-3c2b1a0e9f88")

    send(sms, event)
    send(sms, json.loads(json.dumps(event)))

    assert len(responses()) == 1
    assert len(sent_sms()) == 1


def test_an_unrelated_text_still_makes_a_request_and_the_survey_keeps_waiting(
    sms: ModuleType, seed: Seeder
) -> None:
    citizen_id = subscriber(seed)
    awaiting(seed, citizen_id)

    send(sms, sms_event("Hi ha 3 fanals apagats al carrer de Mallorca."))

    [request] = requests()
    assert request["citizen_id"] == citizen_id
    assert responses() == []
    assert survey_store(seed.runtime).pending(citizen_id) is not None


def test_a_digit_without_a_pending_survey_is_a_message_to_the_city(
    sms: ModuleType, seed: Seeder
) -> None:
    subscriber(seed)

    send(sms, sms_event("4"))

    assert len(requests()) == 1
    assert responses() == []


def test_a_satisfaction_answer_by_sms_lands_in_the_requests_history(
    sms: ModuleType, seed: Seeder
) -> None:
    citizen_id = subscriber(seed)
    reference = seed.request(citizen_id, state="closed", channel="sms")
    awaiting(seed, citizen_id, reference=reference)

    send(sms, sms_event("2"))

    history = RequestStore(seed.runtime.table, shards=4).history(reference)
    assert history[-1].kind is InteractionKind.SURVEY_ANSWER
    assert history[-1].channel is InputChannel.SMS
    assert history[-1].text == "overall: 2/5"
    [response] = responses()
    assert response["reference"] == reference
    assert response["theme_code"] == "roads.pothole"
    assert response["input_channel"] == "sms"
    [request] = requests()
    assert request["state"] == "closed", "no new request, and the closed one stays closed"


def test_a_digit_after_answering_on_the_web_records_nothing_and_frees_the_next_sms(
    sms: ModuleType, seed: Seeder
) -> None:
    citizen_id = subscriber(seed)
    awaiting(seed, citizen_id)
    links = survey_links(IntakeRuntime(FunctionSettings(), clock=utc_now), ORIGIN)
    token = links.token(SATISFACTION, citizen_id, "cmp_parks", None, Language.CA)
    survey_answers(seed.runtime, links).answer_link(
        token, [Answer(question_id="overall", rating=5)]
    )

    send(sms, sms_event("2"))
    send(sms, sms_event("3"))

    [response] = responses()
    assert response["rating"] == 5
    assert sent_sms() == [], "the late answer is not thanked for"
    assert len(requests()) == 1, "once the survey no longer waits, a digit is a message"

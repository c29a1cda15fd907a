"""A campaign's recipient who answers its survey, by the link or by SMS, becomes ``answered``."""

from collections.abc import Iterator
from typing import Any

import pytest

from finestra.campaigns.answered import RecipientAnswered
from finestra.campaigns.app import CampaignApp
from finestra.campaigns.queue import BatchMessage
from finestra.domain.campaign import RecipientState
from finestra.domain.citizen import Citizen
from finestra.domain.survey import Answer, Survey
from finestra.domain.vocabulary import ConsentPurpose
from finestra.storage.citizens import CitizenStore
from finestra.storage.table import Item
from finestra.surveys.wiring import survey_answers, survey_links, survey_store
from tests.integration.test_campaign_flow import (
    app,
    citizen,
    member,
    planned_campaign,
    recipients,
    sent_mail,
)
from tests.integration.test_segments import record
from tests.support.aws import table_items

__all__ = ["app"]

SURVEY = "parks-2026"


@pytest.fixture
def survey(app: CampaignApp) -> Survey:
    made = Survey.model_validate(
        {
            "id": SURVEY,
            "name": "Parcs 2026",
            "purpose": "campaign",
            "questions": [
                {"id": "overall", "kind": "rating", "text": {"ca": "Com valores els parcs?"}}
            ],
            "created_by": "usr_manager",
            "created_at": app.clock(),
            "updated_at": app.clock(),
        }
    )
    survey_store(app.runtime).create(made)
    return made


def responses() -> list[Item]:
    return [i for i in table_items(f"SURVEY#{SURVEY}") if i.get("type") == "survey_answer"]


def stream_of_responses() -> Iterator[dict[str, Any]]:
    for item in responses():
        yield record("INSERT", item)


def sent_survey(app: CampaignApp, channel: str) -> tuple[str, str]:
    """A surveys campaign sent to one citizen on ``channel``; the citizen and campaign ids."""
    who = citizen(
        app,
        phone="+34612345678" if channel == "sms" else None,
        email="jordi@example.org" if channel == "email" else None,
        grants=[(channel, ConsentPurpose.SURVEYS)],
    )
    made = planned_campaign(
        app,
        [member(who, f"{channel}:surveys")],
        purpose=ConsentPurpose.SURVEYS,
        survey_id=SURVEY,
        channels=[channel],
    )
    assert app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0)).sent == 1
    return who, made.id


def state_of(campaign_id: str) -> str:
    [recipient] = recipients(campaign_id)
    return str(recipient["state"])


@pytest.mark.usefixtures("survey")
def test_an_answer_by_the_link_makes_the_recipient_answered_once(app: CampaignApp) -> None:
    _, campaign_id = sent_survey(app, "email")
    body = sent_mail()[0].body
    token = body.split("survey.html#t=", 1)[1].split()[0]
    links = survey_links(app.runtime, app.settings.desktop_origin)
    survey_answers(app.runtime, links).answer_link(token, [Answer(question_id="overall", rating=5)])
    consumer = RecipientAnswered(app.store)

    [change] = stream_of_responses()
    first = consumer.handle(change)
    again = consumer.handle(change)

    assert first is not None
    assert first.outcome == "answered"
    assert again is not None
    assert again.outcome == "unchanged"
    assert state_of(campaign_id) == RecipientState.ANSWERED
    counts = app.store.get(campaign_id).counts
    assert counts[RecipientState.ANSWERED] == 1
    assert counts[RecipientState.SENT] == 0


@pytest.mark.usefixtures("survey")
def test_an_answer_by_sms_reply_makes_the_recipient_answered(app: CampaignApp) -> None:
    who, campaign_id = sent_survey(app, "sms")
    profile = CitizenStore(app.table, app.runtime.vault).get(who)
    assert isinstance(profile, Citizen)
    links = survey_links(app.runtime, app.settings.desktop_origin)

    response = survey_answers(app.runtime, links).answer_sms(profile, "4")
    [change] = stream_of_responses()
    outcome = RecipientAnswered(app.store).handle(change)

    assert response is not None
    assert response.batch == 0
    assert outcome is not None
    assert outcome.outcome == "answered"
    assert state_of(campaign_id) == RecipientState.ANSWERED


def test_a_response_to_no_campaign_is_not_the_consumers(app: CampaignApp) -> None:
    item = {"PK": "SURVEY#x", "SK": "RESPONSE#cit#BCN-1", "type": "survey_answer"}

    assert RecipientAnswered(app.store).handle(record("INSERT", item)) is None
    assert RecipientAnswered(app.store).handle(record("MODIFY", item)) is None

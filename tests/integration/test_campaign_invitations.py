"""Satisfaction invitations, and the campaign functions' handlers, on moto."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from finestra.campaigns.app import CampaignApp, CampaignSettings
from finestra.campaigns.invitations import InvitationBook, SatisfactionTrigger, invite_key
from finestra.campaigns.queue import BatchMessage
from finestra.domain.citizen import Citizen, Consent, ContactPoint
from finestra.domain.ids import new_id
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, InputChannel, Language
from finestra.runtime import Clients
from finestra.storage.citizens import CitizenStore
from finestra.storage.table import serialise
from finestra.surveys.config import SatisfactionConfig
from tests.conftest import REGION, Clock, FakeLambdaContext
from tests.support.aws import sent_sms

SURVEY = "satisfaction-request"


@pytest.fixture
def app(aws: None, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> CampaignApp:
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="campaigns")["QueueUrl"]
    monkeypatch.setenv("FINESTRA_CAMPAIGN_QUEUE_URL", url)
    return CampaignApp(
        CampaignSettings(), Clients(), clock, lambda seconds: clock.advance(seconds=seconds)
    )


def applicant(app: CampaignApp, *, grant: bool = True) -> str:
    now = app.clock()
    consents = (
        [
            Consent(
                channel="sms",
                purpose=ConsentPurpose.SURVEYS,
                granted=True,
                recorded_at=now,
                source=InputChannel.SMS,
            )
        ]
        if grant
        else []
    )
    person = Citizen(
        id=new_id("cit"),
        language=Language.ES,
        contact_points=[ContactPoint(kind=ContactKind.PHONE, value="+34612000099")],
        consents=consents,
        created_at=now,
        updated_at=now,
    )
    app.table.transact(CitizenStore(app.table, app.runtime.vault).creation(person))
    return person.id


def closing(
    reference: str, citizen_id: str, theme: str = "street-lighting.lamp-out"
) -> dict[str, Any]:
    old = {
        "type": "request",
        "reference": reference,
        "state": "pending_answer",
        "theme_code": theme,
        "citizen_id": citizen_id,
    }
    return {
        "eventName": "MODIFY",
        "dynamodb": {"OldImage": serialise(old), "NewImage": serialise({**old, "state": "closed"})},
    }


def trigger(app: CampaignApp) -> SatisfactionTrigger:
    catalogue = app.runtime.catalogue
    config = SatisfactionConfig.load(app.settings.config_dir, catalogue)
    return SatisfactionTrigger(InvitationBook(app.table), config, catalogue, app.clock)


def work_queue(app: CampaignApp) -> list[Any]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = str(app.settings.campaign_queue_url)
    done: list[Any] = []
    for _ in range(20):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return done
        for message in got:
            done.append(app.receive(message["Body"], lambda: 60_000))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    raise AssertionError("the queue did not drain")


def theme_with_rule(app: CampaignApp) -> str:
    catalogue = app.runtime.catalogue
    config = SatisfactionConfig.load(app.settings.config_dir, catalogue)
    for theme in catalogue.themes:
        if config.rule_for(theme.code, catalogue) is not None:
            return theme.code
    raise AssertionError("satisfaction.json names no theme of the catalogue")


def test_a_request_closing_twice_invites_once_and_the_invitation_goes_when_due(
    app: CampaignApp, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    cid = applicant(app)
    theme = theme_with_rule(app)
    consumer = trigger(app)

    first = consumer.handle(closing("BCN-2026-000777", cid, theme))
    again = consumer.handle(closing("BCN-2026-000777", cid, theme))
    early = app.ticker.tick()
    clock.advance(hours=25)
    due = app.ticker.tick()
    worked = work_queue(app)

    assert first is not None
    assert first.outcome == "invited"
    assert again is not None
    assert again.outcome == "seen"
    assert early.invitations == 0
    assert due.invitations == 1
    assert [w.outcome for w in worked] == ["sent"]
    assert len(sent_sms()) == 1
    assert "BCN-2026-000777" in sent_sms()[0][1]
    assert app.table.get(invite_key("BCN-2026-000777"))["state"] == "sent"  # type: ignore[index]


def test_an_applicant_without_a_surveys_consent_is_not_invited_by_message(
    app: CampaignApp, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    cid = applicant(app, grant=False)
    trigger(app).handle(closing("BCN-2026-000778", cid, theme_with_rule(app)))
    clock.advance(days=2)

    app.ticker.tick()
    worked = work_queue(app)

    assert [w.outcome for w in worked] == ["opted_out"]
    assert sent_sms() == []


def test_records_that_are_not_a_request_closing_are_ignored(app: CampaignApp) -> None:
    consumer = trigger(app)
    opened = closing("BCN-2026-000779", "cit_1")
    opened["dynamodb"]["NewImage"] = opened["dynamodb"]["OldImage"]

    assert consumer.handle(opened) is None
    assert consumer.handle({"eventName": "REMOVE", "dynamodb": {}}) is None
    assert consumer.handle(closing("BCN-2026-000780", "cit_1", "no.such-theme")) is None


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{i}",
                "receiptHandle": f"rh-{i}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1773652327200",
                    "SenderId": "AIDAIT2UOQQY3AUEKVGXU",
                    "ApproximateFirstReceiveTimestamp": "1773652327250",
                },
                "messageAttributes": {},
                "md5OfBody": "0",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:campaigns",
                "awsRegion": REGION,
            }
            for i, body in enumerate(bodies)
        ]
    }


def test_the_sender_handler_reports_a_broken_message_and_works_the_rest(
    function: Callable[[str], ModuleType],
    monkeypatch: pytest.MonkeyPatch,
    logs: Callable[[], list[dict[str, Any]]],
) -> None:
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="campaigns")["QueueUrl"]
    monkeypatch.setenv("FINESTRA_CAMPAIGN_QUEUE_URL", url)
    sender = function("campaign_sender")
    missing = BatchMessage(campaign_id="cmp_none", batch=0).model_dump_json()

    answer = sender.lambda_handler(sqs_event("not json", missing), FakeLambdaContext())

    written = logs()
    failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
    assert failed == {"m-0", "m-1"}
    assert any(e.get("message") == "Campaign message refused" for e in written)
    assert "not json" not in json.dumps(written)


def test_the_ticker_handler_ticks_and_counts(
    function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="campaigns")["QueueUrl"]
    monkeypatch.setenv("FINESTRA_CAMPAIGN_QUEUE_URL", url)
    ticker = function("campaign_ticker")

    answer = ticker.lambda_handler({"source": "aws.scheduler"}, FakeLambdaContext())

    assert answer == {"started": 0, "replanned": 0, "requeued": 0, "completed": 0, "invitations": 0}


def test_an_unknown_delivery_event_through_the_handler_moves_nothing_and_fails_nothing(
    function: Callable[[str], ModuleType],
) -> None:
    handler = function("delivery_events")
    body = json.dumps(
        {
            "Type": "Notification",
            "MessageId": "n-1",
            "Message": json.dumps({"eventType": "TEXT_DELIVERED", "messageId": "x"}),
            "Timestamp": (datetime(2026, 3, 16, tzinfo=UTC) + timedelta(seconds=1)).isoformat(),
        }
    )

    answer = handler.lambda_handler(sqs_event(body, "{}"), FakeLambdaContext())

    assert [f["itemIdentifier"] for f in answer["batchItemFailures"]] == ["m-1"]

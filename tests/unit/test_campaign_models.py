"""What must hold of campaigns' models, texts, quiet hours, tokens, estimate and events."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import SnsNotificationModel, SqsModel
from pydantic import ValidationError

from finestra.campaigns.delivery import read_event
from finestra.campaigns.manage import Prices, estimate
from finestra.campaigns.optout import UnsubscribeTokens, is_opt_out
from finestra.campaigns.queue import BatchMessage, InvitationMessage, PlanMessage, read_message
from finestra.campaigns.sender import QuietHours
from finestra.domain.campaign import MAX_SMS_SEGMENTS, OPT_OUT_HINT, CampaignDraft, sms_body
from finestra.domain.errors import Forbidden, MalformedInput
from finestra.domain.segment import Preview
from finestra.domain.sms_text import gsm_safe, segments
from finestra.domain.vocabulary import ConsentPurpose, Language

EVENTS = Path(__file__).resolve().parents[2] / "events" / "delivery"
DRAFT: dict[str, Any] = {
    "name": "Festa major",
    "segment_id": "seg_1",
    "purpose": "campaigns",
    "channels": ["sms", "email"],
    "messages": {"ca": "Dissabte, festa major.", "es": "Sábado, fiesta mayor."},
}


def refused_fields(**changes: Any) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        CampaignDraft.model_validate({**DRAFT, **changes})
    return {".".join(map(str, e["loc"])) for e in caught.value.errors()}


def test_given_a_sound_draft_when_read_then_it_is_accepted() -> None:
    draft = CampaignDraft.model_validate(DRAFT)

    assert draft.message(Language.EN) == "Dissabte, festa major."
    assert draft.subject_in(Language.ES) == "Festa major"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"messages": {"es": "Hola"}}, "messages"),
        ({"messages": {"ca": "x" * 480}}, "messages"),
        ({"channels": []}, "channels"),
        ({"channels": ["sms", "sms"]}, "channels"),
        ({"channels": ["fax"]}, "channels.0"),
        ({"rate_per_second": 0}, "rate_per_second"),
        ({"rate_per_second": 101}, "rate_per_second"),
        ({"purpose": "service"}, "purpose"),
        ({"purpose": "surveys"}, "survey_id"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_given_a_draft_breaking_a_rule_when_read_then_the_field_is_named(
    changes: dict[str, Any], field: str
) -> None:
    assert field in refused_fields(**changes)


def test_given_an_email_only_campaign_when_its_text_is_long_then_no_sms_limit_applies() -> None:
    draft = CampaignDraft.model_validate(
        {**DRAFT, "channels": ["email"], "messages": {"ca": "x" * 900}}
    )

    assert draft.channels == ["email"]


@pytest.mark.parametrize("language", list(Language))
def test_given_a_message_when_worded_as_sms_then_it_ends_with_the_hint_in_gsm7(
    language: Language,
) -> None:
    body = sms_body("Dissabte, festa major a la plaça.", language, "Respon 1 a 5.")

    cost = segments(body)
    assert body.endswith(gsm_safe(OPT_OUT_HINT[language]))
    assert cost.encoding == "GSM-7"
    assert cost.segments <= MAX_SMS_SEGMENTS


@pytest.mark.parametrize(
    ("utc", "held"),
    [
        (datetime(2026, 3, 14, 19, 59, tzinfo=UTC), False),
        (datetime(2026, 3, 14, 20, 0, tzinfo=UTC), True),
        (datetime(2026, 3, 15, 7, 59, tzinfo=UTC), True),
        (datetime(2026, 3, 15, 8, 0, tzinfo=UTC), False),
        (datetime(2026, 7, 1, 19, 30, tzinfo=UTC), True),
    ],
)
def test_given_the_city_clock_when_asked_then_quiet_hours_run_from_21_to_9(
    utc: datetime, held: bool
) -> None:
    assert QuietHours().holds(utc) is held


def test_given_a_time_in_quiet_hours_when_asked_when_they_end_then_it_is_the_next_nine() -> None:
    ends = QuietHours().ends(datetime(2026, 3, 14, 22, 30, tzinfo=UTC))

    assert ends.astimezone(UTC) == datetime(2026, 3, 15, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["BAIXA", "baixa", "Baja.", "STOP", " stop! ", "Bája"])
def test_given_a_keyword_alone_when_read_then_it_opts_out(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["baixa la persiana", "stop 3", "", "BAIXADA"])
def test_given_a_keyword_among_words_when_read_then_it_does_not_opt_out(text: str) -> None:
    assert not is_opt_out(text)


def test_given_unsubscribe_tokens_when_verified_then_only_the_city_s_unexpired_ones_pass() -> None:
    now = datetime(2026, 3, 14, tzinfo=UTC)
    tokens = UnsubscribeTokens(b"k" * 32, lambda: now)
    other = UnsubscribeTokens(b"o" * 32, lambda: now)
    later = UnsubscribeTokens(b"k" * 32, lambda: now + timedelta(days=91))
    token = tokens.issue("cit_1", "email", [ConsentPurpose.CAMPAIGNS])

    claims = tokens.verify(token)

    assert claims.citizen_id == "cit_1"
    for forged in (other.issue("cit_1", "email", []), token + "x", "nope", token.replace(".", "")):
        with pytest.raises(Forbidden):
            tokens.verify(forged)
    with pytest.raises(Forbidden):
        later.verify(token)


def test_given_a_segment_preview_when_estimated_then_channels_split_and_the_total_adds_up() -> None:
    draft = CampaignDraft.model_validate(DRAFT)
    preview = Preview(
        count=1000,
        sample=[],
        reachable={"sms:campaigns": 600, "email:campaigns": 700},
        reads=1,
        read_units=0.5,
    )

    shown = estimate(draft, preview, Prices(sms_segment_eur=0.07, email_eur=0.000092))

    assert shown.recipients == {"sms": 600, "email": 400}
    assert shown.segments_sms == {"ca": 1, "es": 1}
    assert shown.encoding == {"ca": "GSM-7", "es": "GSM-7"}
    assert shown.total == round(600 * 0.07 + 400 * 0.000092, 2)


def test_given_queue_bodies_when_read_then_each_kind_is_known_and_junk_is_refused() -> None:
    assert read_message('{"plan": "cmp_1"}') == PlanMessage(plan="cmp_1")
    assert read_message('{"campaign_id": "cmp_1", "batch": 3}') == BatchMessage(
        campaign_id="cmp_1", batch=3
    )
    invitation = read_message(
        '{"invitation": {"survey_id": "s", "citizen_id": "c", "reference": "r"}}'
    )
    assert isinstance(invitation, InvitationMessage)
    for junk in ("", "[]", '{"batch": 1}', '{"plan": ""}'):
        with pytest.raises(MalformedInput):
            read_message(junk)


EXPECTED = {
    "ses-delivery": ("email", "delivered", False),
    "ses-bounce-permanent": ("email", "failed", True),
    "ses-complaint": ("email", "complaint", True),
    "sms-text-delivered": ("sms", "delivered", False),
    "sms-text-blocked": ("sms", "failed", False),
}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_given_a_delivery_event_file_when_read_then_it_is_sqs_sns_and_says_what_happened(
    scenario: str,
) -> None:
    event = SqsModel.model_validate(json.loads((EVENTS / f"{scenario}.json").read_text()))
    [record] = event.Records
    notification = SnsNotificationModel.model_validate_json(str(record.body))

    message = str(notification.Message)
    read = read_event(message)

    assert (read.channel, read.verdict, read.withdraws) == EXPECTED[scenario]
    assert read.message_id == json.loads(message).get("messageId", read.message_id)


def test_given_a_provider_message_that_is_not_an_event_when_read_then_it_is_refused() -> None:
    for junk in ("not json", "[]", '{"eventType": "Delivery"}', '{"mail": {}}'):
        with pytest.raises(MalformedInput):
            read_event(junk)

"""What must hold of staff's replies: the templates, the wording and the counter."""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from finestra.channels.email import ParsedMail, reference_of
from finestra.desk.replies import (
    MAX_SMS_SEGMENTS,
    ReplyTemplate,
    ReplyTemplates,
    Tariff,
    check_length,
    email_body,
    email_subject,
    filled,
    preview,
)
from finestra.domain.acknowledgement import CITY
from finestra.domain.errors import ValidationFailed
from finestra.domain.sms_text import encoding_of, segments
from finestra.domain.vocabulary import Language

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "infra" / "config"
PRICES = json.loads((ROOT / "infra" / "prices.json").read_text(encoding="utf-8"))["prices"]
SMS_PRICE = PRICES["sms_segment"]["usd"] / PRICES["sms_segment"]["per"]
EMAIL_PRICE = PRICES["ses_email"]["usd"] / PRICES["ses_email"]["per"]


@pytest.fixture(scope="module")
def templates() -> ReplyTemplates:
    return ReplyTemplates.load(CONFIG)


@pytest.fixture(scope="module")
def tariff() -> Tariff:
    return Tariff.beside(CONFIG)


def names(text: str) -> dict[str, str]:
    return {"ca": text, "es": text, "en": text}


def template(text: str, template_id: str = "resolved") -> dict[str, Any]:
    return {"id": template_id, "title": names("Resolta"), "text": names(text)}


@pytest.mark.parametrize("language", list(Language))
def test_every_template_is_offered_in_each_language_with_the_city_named(
    templates: ReplyTemplates, language: Language
) -> None:
    choices = templates.choices(language)

    assert {c.id for c in choices} == {t.id for t in templates.templates}
    for choice in choices:
        assert choice.title
        assert "{city}" not in choice.text
        assert CITY[language] in choice.text
        assert "{reference}" in choice.text


def test_a_template_text_is_the_one_of_the_language_asked_for(templates: ReplyTemplates) -> None:
    catalan = templates.text("resolved", Language.CA)
    english = templates.text("resolved", Language.EN)

    assert catalan != english
    assert "resolta" in catalan
    assert "resolved" in english


def test_an_unknown_template_is_refused_on_the_template_field(templates: ReplyTemplates) -> None:
    with pytest.raises(ValidationFailed) as refused:
        templates.text("no-such-template", Language.CA)

    assert refused.value.field == "template"


def test_a_template_with_a_placeholder_the_desk_cannot_fill_is_refused() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        ReplyTemplate.model_validate(template("Bon dia {name}, la {reference} és resolta."))


def test_templates_with_the_same_id_are_refused() -> None:
    with pytest.raises(ValidationError, match="repeat"):
        ReplyTemplates.model_validate(
            {"templates": [template("Ref. {reference}"), template("{reference} {city}")]}
        )


def test_filling_replaces_only_the_city_and_the_reference() -> None:
    text = filled("{city}: la {reference} {no es toca}", Language.ES, "BCN-2026-000123")

    assert text == f"{CITY[Language.ES]}: la BCN-2026-000123 {{no es toca}}"


def test_without_a_reference_the_reference_placeholder_stays_open() -> None:
    assert filled("Ref. {reference}", Language.EN, None) == "Ref. {reference}"


def test_the_tariff_is_read_from_the_price_list_beside_the_configuration(
    tariff: Tariff,
) -> None:
    assert tariff.sms_segment == pytest.approx(SMS_PRICE)
    assert tariff.email == pytest.approx(EMAIL_PRICE)


def test_a_short_plain_sms_is_one_gsm_segment_at_the_segment_price(tariff: Tariff) -> None:
    shown = preview("Hello. Request BCN-2026-000123 has been resolved.", "sms", tariff)

    assert shown.encoding == "GSM-7"
    assert shown.segments == 1
    assert shown.cost_eur == pytest.approx(SMS_PRICE)


def test_an_sms_in_catalan_is_worded_for_gsm_7_so_it_costs_one_segment_not_two(
    tariff: Tariff,
) -> None:
    text = "Bon dia. La sol·licitud BCN-2026-000123 ja està resolta. Gràcies per ajudar-nos."
    assert encoding_of(text) == "UCS-2"

    shown = preview(text, "sms", tariff)

    assert shown.encoding == "GSM-7"
    assert "sollicitud" in shown.text
    assert shown.segments == segments(shown.text).segments == 1


def test_an_sms_with_a_character_gsm_7_lacks_is_counted_in_ucs_2(tariff: Tariff) -> None:
    shown = preview("Gràcies 🙂 " * 10, "sms", tariff)

    assert shown.encoding == "UCS-2"
    assert shown.segments == segments(shown.text).segments
    assert shown.segments > 1
    assert shown.cost_eur == pytest.approx(shown.segments * SMS_PRICE)


def test_an_email_has_no_segments_and_costs_one_message(tariff: Tariff) -> None:
    shown = preview("Bon dia. La sol·licitud està resolta.", "email", tariff)

    assert shown.segments == 0
    assert shown.encoding is None
    assert shown.text == "Bon dia. La sol·licitud està resolta."
    assert shown.cost_eur == pytest.approx(EMAIL_PRICE)


def test_an_sms_of_the_longest_length_is_allowed_and_one_more_segment_is_refused(
    tariff: Tariff,
) -> None:
    longest = preview("a" * (153 * MAX_SMS_SEGMENTS), "sms", tariff)
    too_long = preview("a" * (153 * MAX_SMS_SEGMENTS + 1), "sms", tariff)

    check_length(longest)
    with pytest.raises(ValidationFailed) as refused:
        check_length(too_long)
    assert refused.value.field == "text"


def test_a_reply_email_threads_onto_its_request_as_the_email_intake_reads_it() -> None:
    subject = email_subject(Language.CA, "BCN-2026-000123")
    answer = ParsedMail(
        sender="citizen@example.org",
        display_name=None,
        subject=f"Re: {subject}",
        message_id=None,
        in_reply_to=[],
        text="Gràcies",
        attachments=[],
    )

    assert subject.startswith("[BCN-2026-000123] ")
    assert reference_of(answer) == "BCN-2026-000123"


@pytest.mark.parametrize("language", list(Language))
def test_a_reply_email_ends_by_saying_how_to_answer_it(language: Language) -> None:
    body = email_body("La sol·licitud està resolta.", language)

    assert body.startswith("La sol·licitud està resolta.\n\n")
    assert body.rstrip().endswith(".")
    assert len(body.splitlines()) == 3

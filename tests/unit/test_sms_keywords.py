"""What must hold of SMS: keywords in any form, the inbound JSON, and one-segment HELP."""

import json
from typing import Any

import pytest

from finestra.channels.sms import HELP, HELP_TEXT, OPT_IN, OPT_OUT, keyword_of, parse_inbound
from finestra.domain.errors import MalformedInput, ValidationFailed
from finestra.domain.vocabulary import Language

# GSM 03.38: the default alphabet, and the extension table whose characters take two septets.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


def inbound(**changes: Any) -> str:
    """The ``Message`` End User Messaging publishes for one SMS, with ``changes`` applied."""
    body: dict[str, Any] = {
        "originationNumber": "+34612345678",
        "destinationNumber": "+34930000000",
        "messageKeyword": "KEYWORD_123456789012",
        "messageBody": "Hi ha un forat a la vorera del carrer de Girona, 20.",
        "inboundMessageId": "848fdb54-c26c-5be1-a7af-b0ca340bf405",
    }
    body.update(changes)
    return json.dumps({k: v for k, v in body.items() if v is not None})


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "stop"),
        ("stop", "stop"),
        ("Stop.", "stop"),
        ('"stop"', "stop"),
        ("  stop\n", "stop"),
        ("BAIXA", "baixa"),
        ("Baixa!", "baixa"),
        ("bàixa", "baixa"),
        ("baja", "baja"),
        ("¡BAJA!", "baja"),
        ("BAJÁ", "baja"),
        ("ALTA", "alta"),
        ("Alta.", "alta"),
        ("START", "start"),
        ("start!", "start"),
        ("AJUDA", "ajuda"),
        ("Ajuda?", "ajuda"),
        ("AYUDA", "ayuda"),
        ("¿Ayuda?", "ayuda"),
        ("help", "help"),
        ("HeLp", "help"),
    ],
)
def test_a_one_word_message_is_read_as_its_keyword_whatever_its_case_accents_or_punctuation(
    body: str, keyword: str
) -> None:
    # given an SMS of one word, as a citizen types it

    # when its keyword is read
    found = keyword_of(body)

    # then it is the plain lower-case keyword
    assert found == keyword


@pytest.mark.parametrize(
    "body",
    [
        "STOP STOP",
        "stop please",
        "No vull rebre més SMS, gràcies",
        "Hi ha un forat al carrer",
        "Ayuda, hay una farola caída",
        "1234",
        "!!!",
        "",
        "   ",
    ],
)
def test_a_sentence_or_a_message_without_a_word_is_no_keyword(body: str) -> None:
    # given an SMS that is not a single word

    # when its keyword is read
    found = keyword_of(body)

    # then there is none, so the text goes to a request
    assert found is None


@pytest.mark.parametrize(
    ("body", "table", "language"),
    [
        ("STOP", OPT_OUT, Language.EN),
        ("Baixa", OPT_OUT, Language.CA),
        ("baja", OPT_OUT, Language.ES),
        ("ALTA", OPT_IN, Language.CA),
        ("Start", OPT_IN, Language.EN),
        ("ajuda", HELP, Language.CA),
        ("AYUDA", HELP, Language.ES),
        ("Help!", HELP, Language.EN),
    ],
)
def test_each_keyword_belongs_to_its_action_in_its_language(
    body: str, table: dict[str, Language], language: Language
) -> None:
    # given a keyword SMS

    # when its keyword is read and looked up
    keyword = keyword_of(body)

    # then it opts out, opts in or asks for help, in the language it is written in
    assert keyword is not None
    assert table[keyword] is language


def test_a_well_formed_inbound_message_is_read_with_its_number_in_e164() -> None:
    # given the JSON of one inbound SMS, the number written without +34
    message = inbound(originationNumber="612 345 678")

    # when it is parsed
    sms = parse_inbound(message)

    # then its fields are there, the number normalised
    assert sms.origination_number == "+34612345678"
    assert sms.inbound_message_id == "848fdb54-c26c-5be1-a7af-b0ca340bf405"
    assert sms.message_body.startswith("Hi ha un forat")


@pytest.mark.parametrize("message", ["not json", "{'originationNumber': 1}", "", "{"])
def test_a_message_that_is_not_json_is_malformed_on_the_message_field(message: str) -> None:
    # given an SNS Message that is not JSON

    # when it is parsed
    with pytest.raises(MalformedInput) as caught:
        parse_inbound(message)

    # then the refusal names the SNS Message
    assert caught.value.field == "Message"


@pytest.mark.parametrize("message", ["[]", '"text"', "42", "null"])
def test_json_that_is_not_an_object_is_malformed_on_the_message_field(message: str) -> None:
    # given an SNS Message that is JSON but not an object

    # when it is parsed
    with pytest.raises(MalformedInput) as caught:
        parse_inbound(message)

    # then the refusal names the SNS Message
    assert caught.value.field == "Message"


def test_a_message_without_an_origination_number_is_refused_on_that_field() -> None:
    # given the JSON of an SMS with no sender number
    message = inbound(originationNumber=None)

    # when it is parsed
    with pytest.raises(ValidationFailed) as caught:
        parse_inbound(message)

    # then the refusal names the missing field
    assert caught.value.field == "originationNumber"


@pytest.mark.parametrize("number", ["12345", "+34 12", "BCNCITY"])
def test_a_message_from_an_invalid_number_is_refused_naming_the_rule_not_the_number(
    number: str,
) -> None:
    # given the JSON of an SMS whose sender is no valid phone number
    message = inbound(originationNumber=number)

    # when it is parsed
    with pytest.raises(ValidationFailed) as caught:
        parse_inbound(message)

    # then the refusal names the field and the phone rule, and not the number
    assert caught.value.field == "originationNumber"
    assert "phone_number" in caught.value.message
    assert number not in caught.value.message


@pytest.mark.parametrize("language", list(Language))
def test_every_help_text_is_gsm7_only_and_fits_one_segment(language: Language) -> None:
    # given the HELP answer in one of the city's languages
    text = HELP_TEXT[language]

    # when its characters and septets are counted
    outside = sorted(set(text) - GSM7_BASIC - GSM7_EXTENSION)
    septets = len(text) + sum(character in GSM7_EXTENSION for character in text)

    # then it needs no UCS-2 and fits in one 160-septet SMS
    assert outside == []
    assert septets <= 160


@pytest.mark.parametrize(
    ("language", "opt_out", "opt_in"),
    [(Language.CA, "BAIXA", "ALTA"), (Language.ES, "BAJA", "ALTA"), (Language.EN, "STOP", "START")],
)
def test_every_help_text_names_the_keywords_of_its_language(
    language: Language, opt_out: str, opt_in: str
) -> None:
    # given the HELP answer in one language
    text = HELP_TEXT[language]

    # when its keywords are looked for
    words = set(text.replace(",", " ").replace(".", " ").split())

    # then it tells how to opt out and back in, with keywords the channel understands
    assert {opt_out, opt_in} <= words
    assert keyword_of(opt_out) in OPT_OUT
    assert keyword_of(opt_in) in OPT_IN

"""What must hold of the messages the city sends when a request is routed or joined."""

from datetime import date

import pytest

from finestra.domain.acknowledgement import (
    MONTHS_EN,
    Acknowledgement,
    acknowledgement,
    duplicate_notice,
    format_date,
)
from finestra.domain.sms_text import encoding_of, segments
from finestra.domain.vocabulary import Language

REFERENCE = "BCN-2026-000123"
EXISTING = "BCN-2026-000100"
EXPECTED_BY = date(2026, 3, 14)
SHORT_URL = "https://bcn.cat/t/BCN-2026-000123"
LONG_URL = "https://ajuntament.barcelona.cat/seguiment/sollicituds/BCN-2026-000123?codi=9f8e7d6c"
LONG_THEME = {
    Language.CA: "Contenidor d'obres, bastida, mudança o rodatge a la via pública del districte",
    Language.ES: "Contenedor de obras, andamio, mudanza o rodaje en la vía pública del distrito",
    Language.EN: "Skip, scaffolding, house move or filming permit on the public highway",
}
THEME = {
    Language.CA: "Enllumenat públic",
    Language.ES: "Alumbrado público",
    Language.EN: "Street lighting",
}
DATES = {Language.CA: "14/03/2026", Language.ES: "14/03/2026", Language.EN: "14 March 2026"}
LANGUAGES = list(Language)


def assert_one_gsm_segment(message: Acknowledgement) -> None:
    """The message is an SMS of one GSM-7 segment, and says so."""
    assert message.subject is None
    assert encoding_of(message.text) == "GSM-7"
    assert message.cost == segments(message.text)
    assert message.cost.characters <= 160
    assert message.cost.segments == 1


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("theme", ["short", "long", "none"])
@pytest.mark.parametrize("url", [None, SHORT_URL, LONG_URL])
def test_an_sms_acknowledgement_is_one_gsm_7_segment_naming_reference_and_date(
    language: Language, theme: str, url: str | None
) -> None:
    # given a reference, an expected date, a theme name (short, long or none) and an address
    name = {"short": THEME[language], "long": LONG_THEME[language], "none": None}[theme]

    # when the SMS acknowledgement is worded
    message = acknowledgement(language, "sms", REFERENCE, EXPECTED_BY, name, url)

    # then it fits one GSM-7 segment and names the reference and the date
    assert_one_gsm_segment(message)
    assert REFERENCE in message.text
    assert DATES[language] in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_sms_names_the_theme_when_it_fits_in_its_gsm_form(language: Language) -> None:
    # given a short theme name with accents GSM-7 lacks ("públic", "público")

    # when the SMS acknowledgement is worded without a tracking address
    message = acknowledgement(language, "sms", REFERENCE, EXPECTED_BY, THEME[language], None)

    # then it names the theme, accents folded where GSM-7 needs it
    expected = THEME[language].replace("ú", "u")
    assert expected in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_sms_leaves_out_a_long_theme_name_to_fit(language: Language) -> None:
    # given a theme name too long to fit

    # when the SMS acknowledgement is worded
    message = acknowledgement(language, "sms", REFERENCE, EXPECTED_BY, LONG_THEME[language], None)

    # then it is left out
    assert "Contenidor" not in message.text
    assert "Contenedor" not in message.text
    assert "scaffolding" not in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_sms_keeps_a_short_tracking_address_before_the_theme_name(
    language: Language,
) -> None:
    # given a theme name and a short tracking address that do not both fit

    # when the SMS acknowledgement is worded
    message = acknowledgement(language, "sms", REFERENCE, EXPECTED_BY, THEME[language], SHORT_URL)

    # then the address is there, and the theme gave way if it had to
    assert message.text.endswith(SHORT_URL)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_sms_leaves_out_a_tracking_address_too_long_to_fit(language: Language) -> None:
    # given a tracking address too long for one segment

    # when the SMS acknowledgement is worded
    message = acknowledgement(language, "sms", REFERENCE, EXPECTED_BY, "", LONG_URL)

    # then the address is left out, and the reference remains
    assert LONG_URL not in message.text
    assert REFERENCE in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_sms_is_in_the_citizen_s_language(language: Language) -> None:
    # given the three languages
    city = {
        Language.CA: "Ajuntament de Barcelona",
        Language.ES: "Ayuntamiento de Barcelona",
        Language.EN: "Barcelona City Council",
    }

    # when the SMS acknowledgement is worded in each
    message = acknowledgement(language, "sms", REFERENCE, EXPECTED_BY, None, None)

    # then it speaks for the city in that language
    assert message.text.startswith(city[language])


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_email_subject_carries_the_reference_in_brackets_for_threading(
    language: Language,
) -> None:
    # given a request about street lighting

    # when the email acknowledgement is worded
    message = acknowledgement(language, "email", REFERENCE, EXPECTED_BY, THEME[language], SHORT_URL)

    # then its subject starts with the bracketed reference and names the theme,
    # and its plain-text body names the reference, the date, the theme and the address
    assert message.subject is not None
    assert message.subject.startswith(f"[{REFERENCE}] ")
    assert THEME[language] in message.subject
    assert REFERENCE in message.text
    assert DATES[language] in message.text
    assert THEME[language] in message.text
    assert SHORT_URL in message.text
    assert message.cost is None
    assert "<" not in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_email_without_theme_or_address_says_neither(language: Language) -> None:
    # given no theme name and no tracking address

    # when the email acknowledgement is worded
    message = acknowledgement(language, "email", REFERENCE, EXPECTED_BY, None, None)

    # then the subject is the bracketed reference and a sentence, and no address is named
    assert message.subject is not None
    assert message.subject.startswith(f"[{REFERENCE}] ")
    assert not message.subject.endswith(": ")
    assert "http" not in message.text
    assert "{" not in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_duplicate_notice_by_sms_is_one_gsm_7_segment_naming_both_references(
    language: Language,
) -> None:
    # given a report joined to an existing request

    # when the SMS notice is worded
    message = duplicate_notice(language, "sms", REFERENCE, EXISTING)

    # then it fits one GSM-7 segment and names both references
    assert_one_gsm_segment(message)
    assert REFERENCE in message.text
    assert EXISTING in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_duplicate_notice_by_email_threads_on_the_citizen_s_own_reference(
    language: Language,
) -> None:
    # given a report joined to an existing request

    # when the email notice is worded
    message = duplicate_notice(language, "email", REFERENCE, EXISTING)

    # then the subject carries the citizen's own reference, the body both
    assert message.subject is not None
    assert message.subject.startswith(f"[{REFERENCE}] ")
    assert EXISTING not in message.subject
    assert REFERENCE in message.text
    assert EXISTING in message.text
    assert message.cost is None


@pytest.mark.parametrize("reference", ["", "123", "BCN-26-123", "Maria Puig", "bcn-2026-000123"])
def test_anything_but_a_reference_is_refused(reference: str) -> None:
    # given something that is not a request reference (it might be personal data)

    # when a message is worded with it
    # then it is refused, so nothing but a reference ever reaches the citizen's text
    with pytest.raises(ValueError, match="reference"):
        acknowledgement(Language.CA, "sms", reference, EXPECTED_BY, None, None)
    with pytest.raises(ValueError, match="reference"):
        duplicate_notice(Language.CA, "email", REFERENCE, reference)


def test_a_reissued_reference_is_accepted() -> None:
    # given a reference with a reissue suffix

    # when an SMS is worded with it
    message = acknowledgement(Language.ES, "sms", "BCN-2026-000123-R2", EXPECTED_BY, None, None)

    # then it is named, in one segment
    assert "BCN-2026-000123-R2" in message.text
    assert_one_gsm_segment(message)


@pytest.mark.parametrize(
    ("language", "day", "expected"),
    [
        (Language.CA, date(2026, 3, 14), "14/03/2026"),
        (Language.ES, date(2026, 1, 5), "05/01/2026"),
        (Language.EN, date(2026, 3, 14), "14 March 2026"),
        (Language.EN, date(2026, 9, 30), "30 September 2026"),
        (Language.EN, date(2027, 1, 1), "1 January 2027"),
    ],
)
def test_dates_are_written_as_the_language_writes_them(
    language: Language, day: date, expected: str
) -> None:
    # given a date

    # when it is written for the language
    # then Catalan and Spanish write day/month/year, English the day and month name
    assert format_date(day, language) == expected


def test_every_month_has_its_english_name() -> None:
    # given every month of a year

    # when the first of each is written in English
    written = [format_date(date(2026, month, 1), Language.EN) for month in range(1, 13)]

    # then each carries its own month's name
    assert [w.split()[1] for w in written] == list(MONTHS_EN)
    assert MONTHS_EN[0] == "January"
    assert MONTHS_EN[11] == "December"


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sms_fits_one_segment_whatever_the_month(language: Language, month: int) -> None:
    # given a two-digit day of each month (its name sets the English length), a theme
    # name and a short address
    day = date(2026, month, 28)

    # when the SMS is worded
    message = acknowledgement(language, "sms", REFERENCE, day, THEME[language], SHORT_URL)

    # then it fits one segment
    assert_one_gsm_segment(message)

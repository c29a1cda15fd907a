"""How a survey reads in an SMS, and which SMS replies answer it."""

from datetime import UTC, datetime

import pytest

from finestra.domain.sms_text import encoding_of, segments
from finestra.domain.survey import Question, Survey
from finestra.domain.vocabulary import Language
from finestra.surveys.answers import parse_sms_answer
from finestra.surveys.render import sms_prompt, sms_thanks

NOW = datetime(2026, 3, 14, 19, 41, tzinfo=UTC)
RATING = Question.model_validate(
    {
        "id": "overall",
        "kind": "rating",
        "text": {"ca": "Com valores l'atenció rebuda?", "es": "¿Cómo valoras la atención?"},
    }
)
CHOICE = Question.model_validate(
    {
        "id": "solved",
        "kind": "choice",
        "text": {"ca": "S'ha resolt?", "en": "Was it solved?"},
        "choices": [
            {
                "key": "yes",
                "keyword": {"ca": "SI", "en": "YES"},
                "label": {"ca": "Sí", "en": "Yes"},
            },
            {"key": "no", "keyword": {"ca": "NO", "en": "NO"}, "label": {"ca": "No"}},
            {
                "key": "partly",
                "keyword": {"ca": "PART", "en": "PARTLY"},
                "label": {"ca": "En part", "en": "Partly"},
            },
        ],
    }
)
TEXT = Question.model_validate({"id": "comment", "kind": "text", "text": {"ca": "Comenta"}})


def survey(first: Question) -> Survey:
    return Survey(
        id="s",
        name="S",
        purpose="satisfaction",
        questions=[first],
        created_by="system",
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize("language", list(Language))
def test_a_rating_prompt_asks_for_a_digit_and_fits_one_gsm7_segment(language: Language) -> None:
    prompt = sms_prompt(survey(RATING), language)

    assert "1" in prompt
    assert "5" in prompt
    assert encoding_of(prompt) == "GSM-7"
    assert segments(prompt).segments == 1


def test_the_catalan_rating_prompt_says_how_to_answer() -> None:
    prompt = sms_prompt(survey(RATING), Language.CA)

    assert prompt.endswith("Respon amb un numero de l'1 al 5.")
    assert prompt.startswith("Com valores l'atencio rebuda?")


def test_a_choice_prompt_lists_each_keyword_in_the_citizens_language() -> None:
    english = sms_prompt(survey(CHOICE), Language.EN)
    spanish = sms_prompt(survey(CHOICE), Language.ES)

    assert english == "Was it solved? Reply with YES (Yes), NO (No) or PARTLY (Partly)."
    assert "SI (Si), NO (No) o PART (En part)" in spanish, "Spanish falls back to Catalan"


def test_thanks_are_gsm7() -> None:
    assert all(encoding_of(sms_thanks(language)) == "GSM-7" for language in Language)


@pytest.mark.parametrize(("text", "rating"), [("4", 4), (" 5 ", 5), ("1.", 1), ("3!", 3)])
def test_a_lone_digit_answers_a_rating(text: str, rating: int) -> None:
    answer = parse_sms_answer(text, RATING, Language.CA)

    assert answer is not None
    assert answer.rating == rating


@pytest.mark.parametrize("text", ["0", "6", "45", "3 fanals apagats", "molt bé", ""])
def test_anything_but_a_lone_digit_from_one_to_five_is_no_rating(text: str) -> None:
    assert parse_sms_answer(text, RATING, Language.CA) is None


@pytest.mark.parametrize(
    ("text", "language", "key"),
    [("si", Language.CA, "yes"), ("Sí!", Language.CA, "yes"), ("part", Language.CA, "partly")],
)
def test_a_keyword_in_the_citizens_language_picks_a_choice(
    text: str, language: Language, key: str
) -> None:
    answer = parse_sms_answer(text, CHOICE, language)

    assert answer is not None
    assert answer.choice == key


def test_a_keyword_of_another_language_picks_a_choice_too() -> None:
    answer = parse_sms_answer("partly", CHOICE, Language.CA)

    assert answer is not None
    assert answer.choice == "partly"


def test_a_word_that_is_no_keyword_is_no_choice() -> None:
    assert parse_sms_answer("potser", CHOICE, Language.CA) is None
    assert parse_sms_answer("si us plau, veniu", CHOICE, Language.CA) is None


def test_any_text_answers_a_text_question_up_to_its_length() -> None:
    answer = parse_sms_answer("  Tot molt bé " + "x" * 2000, TEXT, Language.CA)

    assert answer is not None
    assert answer.text is not None
    assert answer.text.startswith("Tot molt bé")
    assert len(answer.text) == 1000
    assert parse_sms_answer("   ", TEXT, Language.CA) is None

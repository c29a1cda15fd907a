"""Survey definitions and answers: what a valid survey is, and which answers fit it."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from finestra.domain.survey import Answer, Question, QuestionKind, Survey, SurveyResponse
from finestra.domain.vocabulary import Language

NOW = datetime(2026, 3, 14, 19, 41, tzinfo=UTC)


def choice(key: str, ca: str, es: str | None = None) -> dict[str, Any]:
    keyword = {"ca": ca} | ({"es": es} if es else {})
    return {"key": key, "keyword": keyword, "label": {"ca": key.title()}}


def rating(question_id: str = "overall") -> dict[str, Any]:
    return {"id": question_id, "kind": "rating", "text": {"ca": "Com ho valores?"}}


def survey(*questions: dict[str, Any]) -> Survey:
    return Survey.model_validate(
        {
            "id": "parks-2026",
            "name": "Parcs",
            "purpose": "campaign",
            "questions": list(questions),
            "created_by": "usr_1",
            "created_at": NOW,
            "updated_at": NOW,
        }
    )


def test_a_survey_of_a_rating_a_choice_and_a_text_is_valid() -> None:
    made = survey(
        rating(),
        {
            "id": "often",
            "kind": "choice",
            "text": {"ca": "Hi vas sovint?", "es": "¿Vas a menudo?"},
            "choices": [choice("yes", "SI", "SI"), choice("no", "NO", "NO")],
        },
        {"id": "comment", "kind": "text", "text": {"ca": "Alguna cosa més?"}},
    )

    assert [q.kind for q in made.questions] == list(QuestionKind)
    assert made.first_rating() == made.questions[0]


@pytest.mark.parametrize(
    "questions",
    [
        [],
        [rating(f"q{i}") for i in range(11)],
        [rating("same"), rating("same")],
    ],
    ids=["none", "eleven", "ids-repeated"],
)
def test_a_survey_has_one_to_ten_questions_with_unique_ids(
    questions: list[dict[str, Any]],
) -> None:
    with pytest.raises(ValidationError):
        survey(*questions)


@pytest.mark.parametrize(
    "choices",
    [
        [choice("yes", "SI")],
        [choice(f"c{i}", f"K{i}") for i in range(10)],
        [choice("yes", "SI"), choice("yes", "NO")],
        [choice("yes", "SI"), choice("sure", "si")],
    ],
    ids=["one", "ten", "keys-repeated", "keywords-repeated"],
)
def test_a_choice_question_has_two_to_nine_distinct_choices(
    choices: list[dict[str, Any]],
) -> None:
    with pytest.raises(ValidationError):
        Question.model_validate(
            {"id": "q", "kind": "choice", "text": {"ca": "Tria"}, "choices": choices}
        )


def test_every_wording_needs_catalan() -> None:
    with pytest.raises(ValidationError, match="Catalan"):
        Question.model_validate({"id": "q", "kind": "rating", "text": {"es": "¿Qué tal?"}})


def test_only_a_choice_question_has_choices() -> None:
    with pytest.raises(ValidationError, match="only a choice"):
        Question.model_validate(
            {
                "id": "q",
                "kind": "rating",
                "text": {"ca": "Valora"},
                "choices": [choice("a", "A"), choice("b", "B")],
            }
        )


@pytest.mark.parametrize("value", [0, 6, -1])
def test_a_rating_is_from_one_to_five(value: int) -> None:
    with pytest.raises(ValidationError):
        Answer(question_id="overall", rating=value)


def test_an_answer_gives_exactly_one_value() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        Answer(question_id="overall", rating=3, text="bé")
    with pytest.raises(ValidationError, match="exactly one"):
        Answer(question_id="overall")


def test_an_answer_fits_only_its_own_kind_and_offered_choices() -> None:
    question = Question.model_validate(
        {
            "id": "often",
            "kind": "choice",
            "text": {"ca": "Sovint?"},
            "choices": [choice("yes", "SI"), choice("no", "NO")],
        }
    )

    assert Answer(question_id="often", choice="yes").fits(question)
    assert not Answer(question_id="often", choice="maybe").fits(question)
    assert not Answer(question_id="often", rating=4).fits(question)


def test_a_response_answers_a_campaign_or_a_request_and_each_question_once() -> None:
    common: dict[str, Any] = {
        "id": "srs_1",
        "survey_id": "parks-2026",
        "citizen_id": "cit_1",
        "channel": "web",
        "language": Language.CA,
        "at": NOW,
    }
    with pytest.raises(ValidationError, match="campaign or a request"):
        SurveyResponse(**common, answers=[Answer(question_id="overall", rating=4)])
    with pytest.raises(ValidationError, match="once"):
        SurveyResponse(
            **common,
            campaign_id="cmp_1",
            answers=[
                Answer(question_id="overall", rating=4),
                Answer(question_id="overall", rating=5),
            ],
        )
    made = SurveyResponse(
        **common, reference="BCN-2026-000123", answers=[Answer(question_id="o", rating=1)]
    )
    assert made.invitation == "BCN-2026-000123"

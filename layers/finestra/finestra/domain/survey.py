"""Surveys the city sends citizens, and the answers they give.

A survey is a short list of questions: a rating from 1 to 5, a single choice among a few
keyed options, or free text. Each question and choice is worded in every language the
survey speaks, Catalan at least; a choice also has a keyword per language, which is what
a citizen replies by SMS to pick it.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finestra.domain.vocabulary import Language

__all__ = [
    "MAX_CHOICES",
    "MAX_QUESTIONS",
    "RATING_RANGE",
    "Answer",
    "Choice",
    "Question",
    "QuestionKind",
    "ResponseChannel",
    "SentimentLabel",
    "SentimentScore",
    "Survey",
    "SurveyPurpose",
    "SurveyResponse",
]

MAX_QUESTIONS: Final = 10
MIN_CHOICES: Final = 2
MAX_CHOICES: Final = 9
RATING_RANGE: Final = range(1, 6)
"""The ratings a citizen may give: 1 (worst) to 5 (best)."""

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Keyword = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,20}$")]
Wording = Annotated[str, Field(min_length=1, max_length=300)]
AnswerText = Annotated[str, Field(min_length=1, max_length=1000)]
SurveyPurpose = Literal["campaign", "satisfaction"]
ResponseChannel = Literal["sms", "web"]


class QuestionKind(StrEnum):
    """How a question is answered."""

    RATING = "rating"
    CHOICE = "choice"
    TEXT = "text"


class SentimentLabel(StrEnum):
    """What a text's tone is."""

    POSITIVE = "POSITIVE"
    NEGATIVE = "NEGATIVE"
    NEUTRAL = "NEUTRAL"
    MIXED = "MIXED"


class SentimentScore(BaseModel):
    """The tone of one text, and how it was judged.

    ``score`` is the confidence in ``label``, from 0 to 1. ``method`` names the scorer:
    ``comprehend`` for Amazon Comprehend, ``lexicon`` for the city's word lists (which
    also judge Catalan, a language Comprehend does not read).
    """

    model_config = ConfigDict(frozen=True)

    label: SentimentLabel
    score: float = Field(ge=0, le=1)
    method: Literal["comprehend", "lexicon"]
    language: Language


def _has_catalan(texts: dict[Language, str], what: str) -> None:
    if Language.CA not in texts:
        raise ValueError(f"{what} needs a Catalan text")


class Choice(BaseModel):
    """One option of a choice question."""

    model_config = ConfigDict(frozen=True)

    key: Slug
    keyword: dict[Language, Keyword]
    label: dict[Language, Wording]

    @model_validator(mode="after")
    def _worded(self) -> Self:
        _has_catalan(self.keyword, "a choice's keyword")
        _has_catalan(self.label, "a choice's label")
        return self

    def matches(self, word: str, language: Language | None = None) -> bool:
        """Whether ``word`` is this choice's keyword (in ``language``, or in any)."""
        wanted = word.strip().casefold()
        if language is not None:
            keyword = self.keyword.get(language)
            return keyword is not None and keyword.casefold() == wanted
        return any(keyword.casefold() == wanted for keyword in self.keyword.values())


class Question(BaseModel):
    """One question of a survey."""

    model_config = ConfigDict(frozen=True)

    id: Slug
    kind: QuestionKind
    text: dict[Language, Wording]
    choices: list[Choice] = Field(default_factory=list)

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        _has_catalan(self.text, "a question")
        if self.kind is not QuestionKind.CHOICE:
            if self.choices:
                raise ValueError("only a choice question has choices")
            return self
        if not MIN_CHOICES <= len(self.choices) <= MAX_CHOICES:
            raise ValueError("a choice question has 2 to 9 choices")
        if len({c.key for c in self.choices}) != len(self.choices):
            raise ValueError("a question's choice keys are unique")
        for language in Language:
            words = [c.keyword[language].casefold() for c in self.choices if language in c.keyword]
            if len(set(words)) != len(words):
                raise ValueError("a question's choice keywords are unique in each language")
        return self

    def worded(self, language: Language) -> str:
        """The question in ``language``, or in Catalan when it has no such wording."""
        return self.text.get(language, self.text[Language.CA])

    def choice(self, key: str) -> Choice | None:
        """The choice keyed ``key``, if there is one."""
        return next((c for c in self.choices if c.key == key), None)


class Survey(BaseModel):
    """A survey definition, versioned: an edit makes the next version."""

    id: Slug
    name: str = Field(min_length=1, max_length=120)
    purpose: SurveyPurpose
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    created_by: str = Field(min_length=1)
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> Self:
        if len({q.id for q in self.questions}) != len(self.questions):
            raise ValueError("a survey's question ids are unique")
        return self

    def question(self, question_id: str) -> Question | None:
        """The question ``question_id``, if the survey has it."""
        return next((q for q in self.questions if q.id == question_id), None)

    def first_rating(self) -> Question | None:
        """The survey's first rating question, whose answer is the response's rating."""
        return next((q for q in self.questions if q.kind is QuestionKind.RATING), None)


class Answer(BaseModel):
    """The answer to one question: exactly one of rating, choice and text."""

    model_config = ConfigDict(frozen=True)

    question_id: Slug
    rating: int | None = Field(default=None, ge=1, le=5)
    choice: Slug | None = None
    text: AnswerText | None = None

    @model_validator(mode="after")
    def _one_value(self) -> Self:
        given = [v for v in (self.rating, self.choice, self.text) if v is not None]
        if len(given) != 1:
            raise ValueError("an answer has exactly one of rating, choice and text")
        return self

    def fits(self, question: Question) -> bool:
        """Whether this answer is of ``question``'s kind (and a choice it offers)."""
        if question.kind is QuestionKind.RATING:
            return self.rating is not None
        if question.kind is QuestionKind.CHOICE:
            return self.choice is not None and question.choice(self.choice) is not None
        return self.text is not None


class SurveyResponse(BaseModel):
    """What one citizen answered to one invitation."""

    id: str
    survey_id: Slug
    survey_version: int = Field(default=1, ge=1)
    citizen_id: str
    campaign_id: str | None = None
    reference: str | None = Field(
        default=None, description="the request a satisfaction survey asks about"
    )
    batch: int | None = Field(
        default=None, ge=0, description="the campaign batch whose recipient answers"
    )
    channel: ResponseChannel
    language: Language
    answers: list[Answer] = Field(min_length=1, max_length=MAX_QUESTIONS)
    at: datetime
    sentiment: SentimentScore | None = None

    @model_validator(mode="after")
    def _one_invitation(self) -> Self:
        if self.campaign_id is None and self.reference is None:
            raise ValueError("a response answers a campaign or a request")
        if len({a.question_id for a in self.answers}) != len(self.answers):
            raise ValueError("a response answers each question once")
        return self

    @property
    def invitation(self) -> str:
        """What the response answers: the campaign id, else the request's reference."""
        return self.campaign_id or self.reference or ""

    def validate_against(self, survey: Survey) -> None:
        """Check every answer names one of ``survey``'s questions and is of its kind.

        Raises
        ------
        ValueError
            Naming the first answer (``answers.<question id>``) that does not fit.
        """
        for answer in self.answers:
            question = survey.question(answer.question_id)
            if question is None or not answer.fits(question):
                raise ValueError(f"answers.{answer.question_id}")

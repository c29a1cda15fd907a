"""The citizen API's survey routes: read a survey from a signed link, and answer it once.

``GET /api/citizen/v1/surveys/{token}`` gives the survey's questions in the link's
language, and nothing about the citizen; ``POST`` records the answers and spends the
link. A forged token is a 403; a link answered already (by the page or by SMS) is a
410 ``link_used``, an expired one a 410 ``link_expired``; an answer that does not fit
its question is a 422 naming ``answers.<question id>``. Logs carry the survey id and
the outcome only.
"""

from typing import Any, Final

from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finestra.apps.web import WebApp
from finestra.domain.errors import ValidationFailed
from finestra.domain.survey import Answer, Survey
from finestra.domain.vocabulary import Language
from finestra.http import JSON, current_request, endpoint, error_response, parse_body
from finestra.observability import Observability
from finestra.runtime import Lazy
from finestra.surveys.answers import SurveyAnswers
from finestra.surveys.links import SurveyClaims, SurveyLinkExpired, SurveyLinkUsed
from finestra.surveys.store import AlreadyAnswered
from finestra.surveys.wiring import survey_answers, survey_links

__all__ = ["SURVEY_ROUTE", "AnswerForm", "install_routes", "survey_view"]

SURVEY_ROUTE: Final = "/api/citizen/v1/surveys/{token}"
_NO_STORE: Final = {**JSON, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_GONE: Final = 410


class GivenAnswer(BaseModel):
    """One answer as the page sends it; checked against its question afterwards."""

    model_config = ConfigDict(extra="forbid")

    question_id: str = Field(min_length=1, max_length=40)
    rating: int | None = None
    choice: str | None = Field(default=None, max_length=40)
    text: str | None = None


class AnswerForm(BaseModel):
    """The body of an answer: one entry per question answered."""

    model_config = ConfigDict(extra="forbid")

    answers: list[GivenAnswer] = Field(min_length=1, max_length=10)


def survey_view(claims: SurveyClaims, survey: Survey) -> dict[str, Any]:
    """The survey as the page shows it, in the link's language (Catalan where not worded)."""
    language = claims.language
    return {
        "survey_id": survey.id,
        "name": survey.name,
        "language": language.value,
        "expires_at": claims.expires_at,
        "questions": [
            {
                "id": q.id,
                "kind": q.kind.value,
                "text": q.worded(language),
                "choices": [
                    {"key": c.key, "label": c.label.get(language, c.label[Language.CA])}
                    for c in q.choices
                ],
            }
            for q in survey.questions
        ],
    }


def _answers(form: AnswerForm, survey: Survey) -> list[Answer]:
    answers = []
    for index, given in enumerate(form.answers):
        question = survey.question(given.question_id)
        if question is None:
            raise ValidationFailed("is not a question of this survey", field=f"answers.{index}")
        try:
            answer = Answer.model_validate(given.model_dump(exclude_none=True))
        except ValidationError:
            raise ValidationFailed(
                "does not answer this question", field=f"answers.{question.id}"
            ) from None
        answers.append(answer)
    return answers


def install_routes(app: Chalice, obs: Observability, web: Lazy[WebApp]) -> None:
    """Add the survey page's routes to the citizen API."""
    answering: Lazy[SurveyAnswers] = Lazy(
        lambda: survey_answers(web.get().runtime, survey_links(web.get().runtime))
    )

    def gone(exc: SurveyLinkUsed | SurveyLinkExpired | AlreadyAnswered) -> Response:
        code = "link_expired" if isinstance(exc, SurveyLinkExpired) else "link_used"
        obs.logger.info("Survey link refused", code=code, status=_GONE)
        obs.count("SurveyLinkRefused", outcome=code)
        return error_response(_GONE, code, exc.message)

    @app.route(SURVEY_ROUTE, methods=["GET"])
    @endpoint(obs)
    def read_survey(token: str) -> Response:
        """The survey a link asks, if the link is the city's and still unanswered."""
        try:
            claims, survey = answering.get().open_link(token)
        except (SurveyLinkUsed, SurveyLinkExpired) as exc:
            return gone(exc)
        return Response(body=survey_view(claims, survey), status_code=200, headers={**_NO_STORE})

    @app.route(SURVEY_ROUTE, methods=["POST"], content_types=["application/json"])
    @endpoint(obs)
    def answer_survey(token: str) -> Response:
        """Record the answers of a link's page; the link works once."""
        form = parse_body(current_request(app), AnswerForm)
        service = answering.get()
        try:
            _, survey = service.open_link(token)
            response = service.answer_link(token, _answers(form, survey))
        except (SurveyLinkUsed, SurveyLinkExpired, AlreadyAnswered) as exc:
            return gone(exc)
        obs.logger.info("Survey answered", survey_id=response.survey_id, channel="web")
        obs.count("SurveyAnswered", channel="web")
        body = {"survey_id": response.survey_id, "answered_at": response.at.isoformat()}
        return Response(body=body, status_code=201, headers={**_NO_STORE})

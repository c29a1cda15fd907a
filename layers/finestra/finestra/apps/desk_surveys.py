"""The desk's survey routes: survey definitions and their results.

Every view needs the campaign manager's role (administrators hold every role) and
checks it before reading anything. Results are counts (per rating, per choice, per
sentiment label of the free texts); no route names who answered or what they wrote.
"""

from datetime import datetime
from typing import Any, Final

from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict, Field

from finestra.apps.desk import DeskApp
from finestra.auth import Role, Staff
from finestra.domain.ids import new_id
from finestra.domain.survey import MAX_QUESTIONS, Question, Survey, SurveyPurpose
from finestra.http import JSON, current_request, current_staff, endpoint, parse_body
from finestra.observability import Observability
from finestra.runtime import Lazy
from finestra.surveys.store import SurveyStore
from finestra.surveys.wiring import survey_store

__all__ = ["SURVEYS_ROUTE", "SurveyDraft", "SurveyEdit", "install_routes"]

SURVEYS_ROUTE: Final = "/api/desk/v1/surveys"
_NO_STORE: Final = {**JSON, "Cache-Control": "no-store"}


class SurveyDraft(BaseModel):
    """A new survey, as the composer sends it; the id is made when not given."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    name: str = Field(min_length=1, max_length=120)
    purpose: SurveyPurpose = "campaign"
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)


class SurveyEdit(BaseModel):
    """An edit of a survey, on the version the editor read."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    purpose: SurveyPurpose
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    version: int = Field(ge=1)


class ResultsQuery(BaseModel):
    """The query of a results view: every response, or one campaign's."""

    model_config = ConfigDict(extra="forbid")

    campaign_id: str | None = Field(default=None, min_length=1, max_length=80)


def _manager(app: Chalice) -> Staff:
    staff = current_staff(app)
    staff.require(Role.CAMPAIGN_MANAGER)
    return staff


def _summary(survey: Survey) -> dict[str, Any]:
    return {
        "id": survey.id,
        "name": survey.name,
        "purpose": survey.purpose,
        "questions": len(survey.questions),
        "version": survey.version,
        "updated_at": survey.updated_at.isoformat(),
    }


def created(draft: SurveyDraft, staff: Staff, now: datetime) -> Survey:
    """The first version of a survey from ``draft``, by ``staff``."""
    return Survey(
        id=draft.id or new_id("srv").lower(),
        name=draft.name,
        purpose=draft.purpose,
        questions=draft.questions,
        created_by=staff.user_id,
        created_at=now,
        updated_at=now,
    )


def edited(before: Survey, edit: SurveyEdit, now: datetime) -> Survey:
    """The next version of ``before`` with ``edit``'s wording and questions."""
    return before.model_copy(
        update={
            "name": edit.name,
            "purpose": edit.purpose,
            "questions": edit.questions,
            "updated_at": now,
            "version": edit.version + 1,
        }
    )


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the survey routes to the desk API."""
    store: Lazy[SurveyStore] = Lazy(lambda: survey_store(desk.get().runtime))

    def answer(body: dict[str, Any], status: int = 200) -> Response:
        return Response(body=body, status_code=status, headers={**_NO_STORE})

    @app.route(SURVEYS_ROUTE, methods=["GET"])
    @endpoint(obs)
    def list_surveys() -> Response:
        """Every survey, built-in ones too, by id."""
        _manager(app)
        return answer({"surveys": [_summary(s) for s in store.get().every()]})

    @app.route(SURVEYS_ROUTE, methods=["POST"], content_types=["application/json"])
    @endpoint(obs)
    def create_survey() -> Response:
        """Store a new survey."""
        staff = _manager(app)
        draft = parse_body(current_request(app), SurveyDraft)
        survey = Survey.model_validate(created(draft, staff, desk.get().now()).model_dump())
        store.get().create(survey)
        obs.logger.info("Survey created", survey_id=survey.id, questions=len(survey.questions))
        return answer(survey.model_dump(mode="json"), 201)

    @app.route(f"{SURVEYS_ROUTE}/{{survey_id}}", methods=["GET"])
    @endpoint(obs)
    def read_survey(survey_id: str) -> Response:
        """One survey's current definition."""
        _manager(app)
        return answer(store.get().get(survey_id).model_dump(mode="json"))

    @app.route(
        f"{SURVEYS_ROUTE}/{{survey_id}}", methods=["PUT"], content_types=["application/json"]
    )
    @endpoint(obs)
    def edit_survey(survey_id: str) -> Response:
        """Store the next version of a survey, if nobody edited it since it was read."""
        _manager(app)
        edit = parse_body(current_request(app), SurveyEdit)
        surveys = store.get()
        after = edited(surveys.get(survey_id), edit, desk.get().now())
        after = Survey.model_validate(after.model_dump())
        surveys.replace(after, expected_version=edit.version)
        obs.logger.info("Survey edited", survey_id=survey_id, version=after.version)
        return answer(after.model_dump(mode="json"))

    @app.route(f"{SURVEYS_ROUTE}/{{survey_id}}/results", methods=["GET"])
    @endpoint(obs)
    def survey_results(survey_id: str) -> Response:
        """The counts of a survey's answers, of every response or of one campaign's."""
        _manager(app)
        query = ResultsQuery.model_validate(dict(current_request(app).query_params or {}))
        results = store.get().results(survey_id, query.campaign_id)
        return answer(results.model_dump(mode="json"))

"""The desk API's answer helpers: templates that fit a request, and each author's draft."""

from typing import Any, Final

from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict

from finestra.apps.desk import DeskApp
from finestra.desk.answers import Answers, DraftOrder, Drafts
from finestra.domain.vocabulary import Language
from finestra.http import JSON, current_request, current_staff, endpoint, parse_body
from finestra.observability import Observability
from finestra.runtime import Lazy

PREFIX: Final = "/api/desk/v1"


class TemplateQuery(BaseModel):
    """The request the templates are for and the language they are shown in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reference: str
    lang: Language = Language.CA


def answers(desk: DeskApp) -> Answers:
    """The answer helpers, built from the desk's stores and configuration."""
    return Answers(
        desk.requests,
        desk.answer_templates,
        Drafts(desk.table, desk.clock),
    )


def _answer(body: Any, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={**JSON, "Cache-Control": "no-store"})


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the templates and drafts routes to the desk API."""
    service = Lazy(lambda: answers(desk.get()))

    @app.route(f"{PREFIX}/templates", methods=["GET"])
    @endpoint(obs)
    def templates_for_request() -> Response:
        """The templates that fit one request, the most specific first."""
        staff = current_staff(app)
        query = TemplateQuery.model_validate(dict(current_request(app).query_params or {}))
        found = service.get().templates(staff, query.reference, query.lang)
        obs.logger.info("Templates listed", reference=query.reference, found=len(found))
        return _answer({"items": [t.model_dump(mode="json") for t in found]})

    @app.route(
        f"{PREFIX}/requests/{{reference}}/draft",
        methods=["PUT"],
        content_types=["application/json"],
    )
    @endpoint(obs)
    def save_draft(reference: str) -> Response:
        """Save the caller's draft answer, on the version they read."""
        staff = current_staff(app)
        order = parse_body(current_request(app), DraftOrder)
        draft = service.get().save_draft(staff, reference, order)
        obs.logger.info("Draft saved", reference=reference, version=draft.version)
        return _answer(draft.model_dump(mode="json"))

    @app.route(f"{PREFIX}/requests/{{reference}}/draft", methods=["GET"])
    @endpoint(obs)
    def read_draft(reference: str) -> Response:
        """The caller's draft answer; 404 when they have none."""
        staff = current_staff(app)
        return _answer(service.get().draft(staff, reference).model_dump(mode="json"))

    @app.route(f"{PREFIX}/requests/{{reference}}/draft", methods=["DELETE"])
    @endpoint(obs)
    def drop_draft(reference: str) -> Response:
        """Drop the caller's draft answer."""
        staff = current_staff(app)
        service.get().drop_draft(staff, reference)
        obs.logger.info("Draft dropped", reference=reference)
        return Response(body="", status_code=204, headers={"Cache-Control": "no-store"})

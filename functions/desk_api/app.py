"""The staff desk API (Chalice): worklists, request detail, citizen search and views.

The gateway's JWT authorizer checks every caller's token; each view checks role and
scope again before it reads anything.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict

from finestra import observability
from finestra.apps import (
    desk_answers,
    desk_bulk,
    desk_campaigns,
    desk_citizens,
    desk_conversations,
    desk_groups,
    desk_insights,
    desk_links,
    desk_open311,
    desk_reports,
    desk_requests,
    desk_search,
    desk_segments,
    desk_surveys,
)
from finestra.apps.desk import DeskApp
from finestra.auth import Role, Staff
from finestra.desk.access_log import AccessQuery
from finestra.desk.views import CitizenSearch, WorklistQuery, require_reader
from finestra.domain.vocabulary import Language
from finestra.http import JSON, current_request, current_staff, endpoint, install
from finestra.runtime import Lazy
from finestra.settings import DeskSettings

obs = observability.build("desk_api")
app = Chalice(app_name="finestra-desk-api")
app.debug = False
install(app, obs)
desk = Lazy(lambda: DeskApp(DeskSettings()))

desk_requests.install_routes(app, obs, desk)
desk_citizens.install_routes(app, obs, desk)
desk_reports.install_routes(app, obs, desk)
desk_groups.install_routes(app, obs, desk)
desk_links.install_routes(app, obs, desk)
desk_bulk.install_routes(app, obs, desk)
desk_search.install_routes(app, obs, desk)
desk_answers.install_routes(app, obs, desk)
desk_conversations.install_routes(app, obs, desk)
desk_insights.install_routes(app, obs, desk)
desk_surveys.install_routes(app, obs, desk)
desk_segments.install_routes(app, obs, desk)
desk_campaigns.install_routes(app, obs, desk)
desk_open311.install_routes(app, obs, desk)

Q = TypeVar("Q", bound=BaseModel)


class LanguageQuery(BaseModel):
    """The one query parameter of a detail view: the language theme names are given in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lang: Language = Language.CA


def _query(model: type[Q]) -> Q:
    """The query string as ``model``; a broken rule is a 422 naming the parameter."""
    return model.model_validate(dict(current_request(app).query_params or {}))


def _reader() -> Staff:
    """The caller, if a case worker: campaign managers are refused before any read."""
    staff = current_staff(app)
    require_reader(staff)
    return staff


def _ok(body: Mapping[str, Any]) -> Response:
    """A 200 answer that no cache keeps: desk answers name citizens."""
    return Response(body=body, status_code=200, headers={**JSON, "Cache-Control": "no-store"})


@app.route("/api/desk/v1/me", methods=["GET"])
@endpoint(obs)
def me() -> Response:
    """Who the caller is: roles, districts and groups, as the token states them."""
    staff = current_staff(app)
    body = {
        "user_id": staff.user_id,
        "username": staff.username,
        "roles": sorted(staff.roles),
        "districts": sorted(staff.districts),
        "groups": sorted(staff.groups),
    }
    return _ok(body)


@app.route("/api/desk/v1/worklist", methods=["GET"])
@endpoint(obs)
def worklist() -> Response:
    """A page of a group's worklist, soonest due first, with its SLA counts."""
    staff = _reader()
    page = desk.get().worklist.page(staff, _query(WorklistQuery))
    obs.logger.info("Worklist read", items=len(page.items), more=page.next_cursor is not None)
    return _ok(page.model_dump(mode="json"))


@app.route("/api/desk/v1/requests/{reference}", methods=["GET"])
@endpoint(obs)
def request_detail(reference: str) -> Response:
    """One request: its history, back-office answers, duplicates and next states."""
    staff = _reader()
    language = _query(LanguageQuery).lang
    detail = desk.get().views.request_detail(staff, reference, language)
    obs.logger.info("Request read", reference=detail.request.reference)
    return _ok(detail.model_dump(mode="json"))


@app.route("/api/desk/v1/citizens", methods=["GET"])
@endpoint(obs)
def search_citizens() -> Response:
    """Citizens found by phone, email, document, name or reference, in the caller's scope."""
    staff = _reader()
    hits = desk.get().views.search_citizens(staff, _query(CitizenSearch))
    obs.logger.info("Citizens searched", found=len(hits.items))
    return _ok(hits.model_dump(mode="json"))


@app.route("/api/desk/v1/citizens/{citizen_id}", methods=["GET"])
@endpoint(obs)
def citizen_360(citizen_id: str) -> Response:
    """The citizen 360 view; the read is recorded in the access log."""
    staff = _reader()
    language = _query(LanguageQuery).lang
    view = desk.get().views.citizen_360(staff, citizen_id, language)
    obs.logger.info("Citizen viewed", citizen_id=view.citizen.citizen_id)
    return _ok(view.model_dump(mode="json"))


@app.route("/api/desk/v1/access-log", methods=["GET"])
@endpoint(obs)
def access_log() -> Response:
    """Who read a citizen's data, or what a staff member read (administrators only)."""
    staff = current_staff(app)
    staff.require(Role.ADMINISTRATOR)
    page = desk.get().access_log.read(staff, _query(AccessQuery))
    obs.logger.info("Access log read", items=len(page.items))
    return _ok(page.model_dump(mode="json"))

"""The desk's citizen duties as routes: merge two citizens, undo a merge, export, erase.

Each view checks the caller's role before it reads the body, then calls one method of
:class:`~finestra.desk.citizens.CitizenDuties`, which checks scope against the stored
citizens and requests. Logs carry ids and counts only.
"""

from collections.abc import Mapping
from typing import Any, Final

from chalice.app import Chalice, Response

from finestra.apps.desk import DeskApp
from finestra.auth import Role
from finestra.desk import Cursors
from finestra.desk.access_log import AccessLog
from finestra.desk.citizens import CitizenDuties, ErasureOrder, MergeOrder, S3Attachments
from finestra.http import JSON, current_request, current_staff, endpoint, parse_body
from finestra.observability import Observability
from finestra.runtime import Lazy

MERGE_ROUTE: Final = "/api/desk/v1/citizens/merge"
UNDO_ROUTE: Final = "/api/desk/v1/citizens/merges/{merge_id}/undo"
EXPORT_ROUTE: Final = "/api/desk/v1/citizens/{citizen_id}/export"
ERASURE_ROUTE: Final = "/api/desk/v1/citizens/{citizen_id}/erasure"


def duties(desk: DeskApp) -> CitizenDuties:
    """The citizen duties on the desk's stores, its attachments bucket and its clock."""
    return CitizenDuties(
        table=desk.table,
        citizens=desk.citizens,
        requests=desk.requests,
        attachments=S3Attachments(desk.clients.get("s3"), desk.settings.attachments_bucket),
        access_log=AccessLog(desk.table, Cursors(desk.vault), desk.clock),
        clock=desk.clock,
    )


def _ok(body: Mapping[str, Any], **headers: str) -> Response:
    return Response(
        body=dict(body),
        status_code=200,
        headers={**JSON, "Cache-Control": "no-store", **headers},
    )


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the merge, undo, export and erasure routes to the desk API."""

    @app.route(MERGE_ROUTE, methods=["POST"], content_types=["application/json"])
    @endpoint(obs)
    def merge_citizens() -> Response:
        """Merge one citizen into another (agents and supervisors in scope, administrators)."""
        staff = current_staff(app)
        staff.require(Role.AGENT, Role.SUPERVISOR)
        order = parse_body(current_request(app), MergeOrder)
        merge = duties(desk.get()).merge(staff, order, route=MERGE_ROUTE)
        obs.logger.info(
            "Citizens merged",
            merge_id=merge.merge_id,
            survivor_id=merge.survivor,
            merged_id=merge.merged,
            requests_moved=len(merge.references),
            state=merge.state.value,
        )
        return _ok(merge.model_dump(mode="json"))

    @app.route(UNDO_ROUTE, methods=["POST"])
    @endpoint(obs)
    def undo_merge(merge_id: str) -> Response:
        """Reverse a merge, unless something changed since that makes it unsafe (409)."""
        staff = current_staff(app)
        staff.require(Role.AGENT, Role.SUPERVISOR)
        merge = duties(desk.get()).undo(staff, merge_id)
        obs.logger.info(
            "Merge undone",
            merge_id=merge.merge_id,
            survivor_id=merge.survivor,
            merged_id=merge.merged,
            state=merge.state.value,
        )
        return _ok(merge.model_dump(mode="json"))

    @app.route(EXPORT_ROUTE, methods=["GET"])
    @endpoint(obs)
    def export_citizen(citizen_id: str) -> Response:
        """Everything held on a citizen, as one JSON file (administrators)."""
        staff = current_staff(app)
        staff.require(Role.ADMINISTRATOR)
        body = duties(desk.get()).export(staff, citizen_id, route=EXPORT_ROUTE)
        obs.logger.info(
            "Citizen exported", citizen_id=body["citizen_id"], requests=len(body["requests"])
        )
        disposition = f"attachment; filename=citizen-{body['asked_for']}.json"
        return _ok(body, **{"Content-Disposition": disposition})

    @app.route(ERASURE_ROUTE, methods=["POST"], content_types=["application/json"])
    @endpoint(obs)
    def erase_citizen(citizen_id: str) -> Response:
        """Anonymise everything that names a citizen, keeping what statistics need."""
        staff = current_staff(app)
        staff.require(Role.ADMINISTRATOR)
        order = parse_body(current_request(app), ErasureOrder)
        erasure = duties(desk.get()).erase(staff, citizen_id, order, route=ERASURE_ROUTE)
        obs.logger.info(
            "Citizen erased",
            erasure_id=erasure.erasure_id,
            citizen_id=erasure.citizen_id,
            erased=dict(sorted(erasure.erased.items())),
        )
        return _ok(erasure.model_dump(mode="json"))

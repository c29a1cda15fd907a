"""The desk API's bulk work and alarms: validate or reassign lists, clear an alarm.

The bulk routes live under ``/requests/bulk/…``: a static segment where the single-
request routes have ``{reference}``, and a last segment (``validate``, ``reassign``)
that no route under a reference uses, so neither API Gateway nor Chalice can take one
for the other. Each view checks the caller's role before it reads the body; the bulk
service checks each request's scope again, one by one.
"""

from typing import Final

from chalice.app import Chalice, Response

from finestra.apps.desk import DeskApp
from finestra.apps.desk_requests import request_actions
from finestra.auth import Staff
from finestra.desk.actions import ACTING_ROLES
from finestra.desk.alarms import ClearAlarmOrder, RequestAlarms
from finestra.desk.bulk import BulkReassignOrder, BulkResult, BulkValidateOrder, BulkWork
from finestra.desk.locks import RequestLocks
from finestra.http import JSON, current_request, current_staff, endpoint, parse_body
from finestra.observability import Observability
from finestra.runtime import Lazy

PREFIX: Final = "/api/desk/v1"
BULK_VALIDATE_ROUTE: Final = f"{PREFIX}/requests/bulk/validate"
BULK_REASSIGN_ROUTE: Final = f"{PREFIX}/requests/bulk/reassign"
CLEAR_ALARM_ROUTE: Final = f"{PREFIX}/requests/{{reference}}/alarms/{{alarm}}/clear"
JSON_ONLY: Final = ["application/json"]


def bulk_work(desk: DeskApp, obs: Observability) -> BulkWork:
    """The bulk actions on the desk's single-request actions and views."""
    return BulkWork(request_actions(desk, obs), desk.views, desk.catalogue)


def request_alarms(desk: DeskApp) -> RequestAlarms:
    """Clears alarms with the desk's views, stores and clock."""
    return RequestAlarms(
        desk.views, desk.requests, RequestLocks(desk.table, desk.clock), desk.clock
    )


def _answer(body: dict[str, object]) -> Response:
    return Response(body=body, status_code=200, headers={**JSON, "Cache-Control": "no-store"})


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add bulk validation, bulk reassignment and alarm clearing to the desk API."""
    bulk = Lazy(lambda: bulk_work(desk.get(), obs))
    alarms = Lazy(lambda: request_alarms(desk.get()))

    def acting() -> Staff:
        staff = current_staff(app)
        staff.require(*ACTING_ROLES)
        return staff

    def reported(action: str, result: BulkResult) -> Response:
        obs.logger.info("Bulk action done", action=action, done=result.done, failed=result.failed)
        obs.count("DeskBulkItems", result.done, outcome="done", action=action)
        obs.count("DeskBulkItems", result.failed, outcome="failed", action=action)
        return _answer(result.model_dump(mode="json"))

    @app.route(BULK_VALIDATE_ROUTE, methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def validate_requests() -> Response:
        """Validate up to 50 requests pending validation, each reported on its own."""
        staff = acting()
        order = parse_body(current_request(app), BulkValidateOrder)
        return reported("validate", bulk.get().validate(staff, order))

    @app.route(BULK_REASSIGN_ROUTE, methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def reassign_requests() -> Response:
        """Give up to 50 requests to a group, with the reason, each reported on its own."""
        staff = acting()
        order = parse_body(current_request(app), BulkReassignOrder)
        return reported("reassign", bulk.get().reassign(staff, order))

    @app.route(CLEAR_ALARM_ROUTE, methods=["POST"])
    @endpoint(obs)
    def clear_alarm(reference: str, alarm: str) -> Response:
        """Clear one alarm of a request, with an optional note; the history records it."""
        staff = acting()
        request = current_request(app)
        order = parse_body(request, ClearAlarmOrder) if request.raw_body else ClearAlarmOrder()
        cleared = alarms.get().clear(staff, reference, alarm, order)
        obs.logger.info("Alarm cleared", reference=cleared.reference, alarm=cleared.alarm.value)
        obs.count("DeskAlarmsCleared", alarm=cleared.alarm.value)
        return _answer(cleared.model_dump(mode="json"))

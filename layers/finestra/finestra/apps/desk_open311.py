"""The desk API's Open311 client apps: the list, registering one and revoking one.

Administrators only. Registering answers the app's key, the one time it is shown: the
table keeps only its digest, so a lost key means revoking the app and registering a new
one under another id. Ids are never handed out twice, revoked ones included. The
action is logged with the app's id and the administrator's id, never the key.
"""

from typing import Final

from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict, Field

from finestra.apps.desk import DeskApp
from finestra.auth import Role, Staff
from finestra.http import JSON, current_request, current_staff, endpoint, parse_body
from finestra.observability import Observability
from finestra.open311.clients import APP_ID_PATTERN, ClientApps
from finestra.runtime import Lazy

__all__ = ["OPEN311_APPS_ROUTE", "OPEN311_APP_REVOKE_ROUTE", "AppOrder", "install_routes"]

PREFIX: Final = "/api/desk/v1"
OPEN311_APPS_ROUTE: Final = f"{PREFIX}/open311/apps"
OPEN311_APP_REVOKE_ROUTE: Final = f"{PREFIX}/open311/apps/{{app_id}}/revoke"
JSON_ONLY: Final = ["application/json"]


class AppOrder(BaseModel):
    """A client app to register: its id (part of its key) and the name staff know it by."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=APP_ID_PATTERN)
    name: str = Field(min_length=1, max_length=120)


def _answer(body: object, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={**JSON, "Cache-Control": "no-store"})


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the client-app list, registration and revocation to the desk API."""
    apps = Lazy(lambda: ClientApps(desk.get().table))

    def administrator() -> Staff:
        staff = current_staff(app)
        staff.require(Role.ADMINISTRATOR)
        return staff

    @app.route(OPEN311_APPS_ROUTE, methods=["GET"])
    @endpoint(obs)
    def list_open311_apps() -> Response:
        """Every client app, revoked ones included, sorted by id."""
        administrator()
        listed = [found.model_dump(mode="json") for found in apps.get().list()]
        return _answer({"items": listed})

    @app.route(OPEN311_APPS_ROUTE, methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def register_open311_app() -> Response:
        """Register an app and answer its key; 409 when the id was ever taken."""
        staff = administrator()
        order = parse_body(current_request(app), AppOrder)
        registered, key = apps.get().register(order.id, order.name, desk.get().now())
        obs.logger.info("Open311 app registered", app_id=registered.id, staff_id=staff.user_id)
        obs.count("Open311AppsChanged", action="register")
        return _answer({"app": registered.model_dump(mode="json"), "api_key": key}, 201)

    @app.route(OPEN311_APP_REVOKE_ROUTE, methods=["POST"])
    @endpoint(obs)
    def revoke_open311_app(app_id: str) -> Response:
        """Refuse the app's key from now on; 404 for an unknown app."""
        staff = administrator()
        revoked = apps.get().revoke(app_id, desk.get().now())
        obs.logger.info("Open311 app revoked", app_id=revoked.id, staff_id=staff.user_id)
        obs.count("Open311AppsChanged", action="revoke")
        return _answer(revoked.model_dump(mode="json"))

"""The desk's group routes: the groups a caller may switch to, and the groups a request
may be handed to from a group.

``/me`` keeps to what the token states; ``/me/groups`` adds the names and the subtree
each of the caller's groups acts for (for the desktop's group switcher), and
``/groups/{group}/targets`` the configured reassignment targets (for the reassign form).
Both read the catalogue only and log codes and counts.
"""

from typing import Final

from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict

from finestra.apps.desk import DeskApp
from finestra.auth import Role
from finestra.desk.groups import group_targets, staff_groups
from finestra.domain.vocabulary import Language
from finestra.http import JSON, current_request, current_staff, endpoint
from finestra.observability import Observability
from finestra.runtime import Lazy

MY_GROUPS_ROUTE: Final = "/api/desk/v1/me/groups"
TARGETS_ROUTE: Final = "/api/desk/v1/groups/{group}/targets"


class NamesQuery(BaseModel):
    """The one query parameter: the language groups are named in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lang: Language = Language.CA


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the group switcher's and the reassign form's routes to the desk API."""

    def language() -> Language:
        return NamesQuery.model_validate(dict(current_request(app).query_params or {})).lang

    @app.route(MY_GROUPS_ROUTE, methods=["GET"])
    @endpoint(obs)
    def my_groups() -> Response:
        """The caller's groups, named, each with the groups it acts for (itself first)."""
        staff = current_staff(app)
        staff.require(Role.AGENT, Role.SUPERVISOR)
        groups = staff_groups(desk.get().catalogue, staff, language())
        obs.logger.info("Own groups read", groups=len(groups))
        body = {"items": [group.model_dump(mode="json") for group in groups]}
        return Response(body=body, status_code=200, headers={**JSON, "Cache-Control": "no-store"})

    @app.route(TARGETS_ROUTE, methods=["GET"])
    @endpoint(obs)
    def reassign_targets(group: str) -> Response:
        """The configured reassignment targets of a group the caller acts for."""
        staff = current_staff(app)
        staff.require(Role.AGENT, Role.SUPERVISOR)
        targets = group_targets(desk.get().catalogue, staff, group, language())
        obs.logger.info("Reassign targets read", group=targets.group, items=len(targets.items))
        return Response(
            body=targets.model_dump(mode="json"),
            status_code=200,
            headers={**JSON, "Cache-Control": "no-store"},
        )

"""Who is calling a staff route, and what they may do.

API Gateway's JWT authorizer has checked the Cognito ID token (signature, issuer,
audience, expiry) before a staff route runs; it hands the function the token's claims in
``requestContext.authorizer.claims`` (payload 1.0) or ``requestContext.authorizer.jwt.
claims`` (payload 2.0). An HTTP API flattens a claim that holds a list into one string,
``"[agent supervisor]"``, so both shapes are read here.

Roles are the user's Cognito groups. Scope is two custom attributes of the user:
``custom:districts`` (district codes, comma-separated, or ``*`` for the whole city) and
``custom:groups`` (the responsible groups the user works in, comma-separated). The app
checks role and scope on every route, so a route wrongly left open at the gateway
still refuses.

A group acts on the requests of itself and of every group below it in the catalogue's
tree: an area coordinator's group covers each group of the area, the city root covers
all. :class:`Staff` is built from the claims alone, so the tree is walked by
:func:`covers_group` and :func:`require_group`, which take the catalogue.
"""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Final, Protocol

from pydantic import BaseModel, ConfigDict

from finestra.domain.errors import Forbidden, NotFound, Unauthorised

__all__ = [
    "EVERY_DISTRICT",
    "GroupTree",
    "Role",
    "Staff",
    "claims_of",
    "covers_group",
    "require_group",
    "staff_from_claims",
    "staff_from_event",
]

EVERY_DISTRICT: Final = "*"


class Role(StrEnum):
    """A Cognito group of the staff user pool."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    CAMPAIGN_MANAGER = "campaign_manager"
    ADMINISTRATOR = "administrator"


class Staff(BaseModel):
    """A signed-in member of staff: who, with which roles, over which districts and groups."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    username: str
    roles: frozenset[Role]
    districts: frozenset[str]
    groups: frozenset[str]

    @property
    def whole_city(self) -> bool:
        """Whether the user's scope is every district."""
        return EVERY_DISTRICT in self.districts

    def has(self, *roles: Role) -> bool:
        """Whether the user holds any of ``roles`` (administrators hold every role)."""
        return Role.ADMINISTRATOR in self.roles or any(role in self.roles for role in roles)

    def require(self, *roles: Role) -> None:
        """Refuse unless the user holds one of ``roles``."""
        if not self.has(*roles):
            raise Forbidden("this needs the role " + " or ".join(sorted(roles)))

    def covers_district(self, district: str | None) -> bool:
        """Whether a request or citizen in ``district`` is in the user's scope.

        A request with no district yet (not located) is in everyone's scope, so that
        triage can place it.
        """
        return district is None or self.whole_city or district in self.districts

    def require_district(self, district: str | None) -> None:
        """Refuse unless ``district`` is in the user's scope."""
        if not self.covers_district(district):
            raise Forbidden("this is outside your districts")

    def covers_group(self, group: str | None) -> bool:
        """Whether a request owned by ``group`` is in the user's groups.

        A group's branches (``<group>.d<district>``) belong to the group; supervisors
        and administrators see every group.
        """
        if group is None or self.has(Role.SUPERVISOR):
            return True
        return group.split(".", 1)[0] in self.groups or group in self.groups


class GroupTree(Protocol):
    """The catalogue, as scope checks see it: each group's line up to the root."""

    def lineage(self, code: str) -> tuple[str, ...]:
        """The group and every group above it; :class:`NotFound` for an unknown code."""
        ...


def covers_group(tree: GroupTree, staff: Staff, group: str | None) -> bool:
    """Tell whether a request owned by ``group`` is in the caller's groups, by the tree.

    Parameters
    ----------
    tree
        The catalogue (its groups, branches included).
    staff
        The caller.
    group
        The request's responsible group, or ``None`` for one not routed yet.

    Returns
    -------
    bool
        Whether the group, or any group above it, is one of the caller's; always for a
        request with no group and for supervisors and administrators. A group the
        catalogue does not know is judged by :meth:`Staff.covers_group` alone.
    """
    if group is None or staff.has(Role.SUPERVISOR):
        return True
    try:
        line = tree.lineage(group)
    except NotFound:
        return staff.covers_group(group)
    return not staff.groups.isdisjoint(line)


def require_group(tree: GroupTree, staff: Staff, group: str | None) -> None:
    """Refuse, naming the group, unless :func:`covers_group` allows it.

    Raises
    ------
    Forbidden
        When ``group`` is outside the caller's groups and the groups below them.
    """
    if not covers_group(tree, staff, group):
        raise Forbidden(f"the group {group} is outside your groups and the groups below them")


def _listed(value: Any) -> frozenset[str]:
    """A claim that holds a list: a JSON list, the HTTP API's ``"[a b]"`` or ``"a,b"``."""
    if value is None:
        return frozenset()
    if isinstance(value, list | tuple | set | frozenset):
        items: Iterable[Any] = value
    else:
        text = str(value).strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        items = text.replace(",", " ").split()
    return frozenset(str(item).strip() for item in items if str(item).strip())


def claims_of(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The verified claims API Gateway put in a proxy event; empty when there are none."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims")
    if claims is None:
        claims = (authorizer.get("jwt") or {}).get("claims")
    return claims if isinstance(claims, Mapping) else {}


def staff_from_claims(claims: Mapping[str, Any]) -> Staff:
    """The staff member the claims name; :class:`Unauthorised` when they name nobody."""
    user_id = str(claims.get("sub") or "")
    if not user_id or claims.get("token_use") not in (None, "id"):
        raise Unauthorised("sign in to use the desktop")
    roles = frozenset(
        Role(name) for name in _listed(claims.get("cognito:groups")) if name in _ROLES
    )
    if not roles:
        raise Forbidden("your account has no staff role")
    return Staff(
        user_id=user_id,
        username=str(claims.get("cognito:username") or claims.get("email") or user_id),
        roles=roles,
        districts=_listed(claims.get("custom:districts")),
        groups=_listed(claims.get("custom:groups")),
    )


def staff_from_event(event: Mapping[str, Any]) -> Staff:
    """The staff member calling, from a proxy event the gateway authorised."""
    return staff_from_claims(claims_of(event))


_ROLES: Final = frozenset(role.value for role in Role)

"""Who works a request, how soon, by when, and whether it may repeat an earlier one."""

from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

from finestra.domain.catalogue import Catalogue, Theme, branch_code
from finestra.domain.classifier import words
from finestra.domain.errors import NotFound
from finestra.domain.geo import Point, distance_m
from finestra.domain.vocabulary import Priority, RequestType, RouteBy

URGENT_SLA_HOURS: Final = 24
HIGH_SLA_HOURS: Final = 72

NEVER_ABOVE_NORMAL: Final = frozenset(
    {RequestType.THANKS, RequestType.SUGGESTION, RequestType.ENQUIRY}
)
"""Request types that are never more than normal priority, whatever their words."""

DANGER_WORDS: Final = frozenset(
    {
        # Catalan
        "perill",
        "perillos",
        "perillosa",
        "perillosos",
        "perilloses",
        "urgent",
        "urgentment",
        "urgencia",
        "ferit",
        "ferida",
        "ferits",
        "ferides",
        "caigut",
        "caiguda",
        "caiguts",
        "foc",
        "incendi",
        # Spanish
        "peligro",
        "peligroso",
        "peligrosa",
        "peligrosos",
        "peligrosas",
        "urgente",
        "urgentemente",
        "herido",
        "herida",
        "heridos",
        "heridas",
        "caido",
        "caida",
        "caidos",
        "fuego",
        "incendio",
        # English
        "danger",
        "dangerous",
        "urgently",
        "emergency",
        "injured",
        "injury",
        "hurt",
        "fallen",
        "fire",
    }
)
"""Folded words that name a danger in any of the city's languages."""

DANGER_PHRASES: Final = frozenset(
    {
        ("a", "punt", "de", "caure"),
        ("a", "punto", "de", "caer"),
        ("about", "to", "fall"),
    }
)
"""Folded phrases that name a danger though none of their words does alone."""


class Routing(BaseModel):
    """Where a request goes, how soon it should be acted on, and when its SLA falls due."""

    model_config = ConfigDict(frozen=True)

    responsible_group: str
    priority: Priority
    sla_due_at: AwareDatetime


def route(
    catalogue: Catalogue,
    theme: Theme,
    district_code: str | None,
    neighbourhood_code: str | None,
    *,
    received_at: datetime,
    text: str = "",
    request_type: RequestType | None = None,
    point: Point | None = None,
) -> Routing:
    """Route a classified request to its group, with its priority and SLA due time.

    Parameters
    ----------
    catalogue
        The catalogue that holds the theme and its groups.
    theme
        The request's theme.
    district_code, neighbourhood_code
        Where the request is, when known (codes of the catalogue; a neighbourhood names
        its district when the district is not given).
    received_at
        When the city received the request (timezone-aware); the SLA runs from it in
        elapsed hours, so a change of clocks neither adds nor takes an hour.
    text
        The citizen's words, read only for words that name a danger.
    request_type
        The request's type, when known; otherwise the theme's types stand for it.
    point
        Where the request is on the map, when known; read by a theme routed by polygon.

    Returns
    -------
    Routing
        The responsible group (see :func:`responsible_group`), the priority and the SLA
        due time, in UTC.

    Raises
    ------
    ValueError
        When ``received_at`` has no timezone.
    ValidationFailed
        When a place code is not the catalogue's, or the neighbourhood is not in the
        district.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at carries its timezone")
    catalogue.check_place(district_code, neighbourhood_code)
    if district_code is None and neighbourhood_code is not None:
        district_code = catalogue.district_of(neighbourhood_code)
    group = responsible_group(catalogue, theme, district_code, neighbourhood_code, point)
    return Routing(
        responsible_group=group,
        priority=priority(theme, text, request_type),
        sla_due_at=received_at.astimezone(UTC) + timedelta(hours=theme.sla_hours),
    )


def responsible_group(
    catalogue: Catalogue,
    theme: Theme,
    district_code: str | None,
    neighbourhood_code: str | None,
    point: Point | None = None,
) -> str:
    """Choose the group that works a theme's request in a place, by the theme's rule.

    Parameters
    ----------
    catalogue
        The catalogue, whose groups include the derived branches and the map areas.
    theme
        The request's theme.
    district_code, neighbourhood_code
        Where the request is, when known.
    point
        Where the request is on the map, when known.

    Returns
    -------
    str
        By the theme's ``route_by``: ``none``, the theme's group (direct);
        ``district``, ``<group>.d<district>``; ``neighbourhood``,
        ``<group>.b<neighbourhood>``; ``polygon``, the group of the first of the
        theme's map areas that holds the point. When the rule cannot decide (no place
        or point, a place with no branch, a point outside every area) the theme's
        fallback group, which is its own group unless it names another.
    """
    if theme.route_by is RouteBy.NONE:
        return theme.responsible_group
    if theme.route_by is RouteBy.POLYGON:
        return _by_polygon(catalogue, theme, point)
    place = district_code if theme.route_by is RouteBy.DISTRICT else neighbourhood_code
    if place is None:
        return theme.fallback
    try:
        return catalogue.group(branch_code(theme.responsible_group, theme.route_by, place)).code
    except NotFound:
        return theme.fallback


class Placed(Protocol):
    """Anything that may carry a point: a request's location, say."""

    latitude: float | None
    longitude: float | None


def point_of(place: Placed | None) -> Point | None:
    """The point of a place, when it has both coordinates.

    Parameters
    ----------
    place
        A request's location, or ``None``.

    Returns
    -------
    Point | None
        The point, or ``None`` when the place or either coordinate is missing.
    """
    if place is None or place.latitude is None or place.longitude is None:
        return None
    return Point(place.latitude, place.longitude)


def _by_polygon(catalogue: Catalogue, theme: Theme, point: Point | None) -> str:
    """The group of the first of the theme's areas that holds ``point``, else the fallback."""
    if point is None:
        return theme.fallback
    for area_route in theme.polygons:
        if catalogue.map_area(area_route.area).contains(point):
            return area_route.group
    return theme.fallback


def priority(theme: Theme, text: str = "", request_type: RequestType | None = None) -> Priority:
    """Rate how soon a request should be acted on.

    Parameters
    ----------
    theme
        The request's theme, whose SLA sets the base.
    text
        The citizen's words; a word that names a danger makes the request urgent.
    request_type
        The request's type; when ``None``, a theme whose every type is thanks,
        suggestion or enquiry counts as one of those.

    Returns
    -------
    Priority
        Urgent for an SLA of 24 hours or less or a named danger, high for one of 72
        hours or less, normal otherwise; thanks, suggestions and enquiries are never
        above normal.
    """
    types = {request_type} if request_type is not None else set(theme.request_types)
    if types <= NEVER_ABOVE_NORMAL:
        return Priority.NORMAL
    if theme.sla_hours <= URGENT_SLA_HOURS or names_danger(text):
        return Priority.URGENT
    if theme.sla_hours <= HIGH_SLA_HOURS:
        return Priority.HIGH
    return Priority.NORMAL


def names_danger(text: str) -> bool:
    """Tell whether a text names a danger (perill, peligro, injured, caigut, …).

    Parameters
    ----------
    text
        Any text, in any of the city's languages.

    Returns
    -------
    bool
        Whether a danger word or phrase is among its words (accents and case aside).
    """
    found = words(text)
    if not DANGER_WORDS.isdisjoint(found):
        return True
    joined = f" {' '.join(found)} "
    return any(f" {' '.join(phrase)} " in joined for phrase in DANGER_PHRASES)


def is_duplicate_candidate(
    theme: Theme,
    a_point: Point,
    a_created: datetime,
    b_point: Point,
    b_created: datetime,
) -> bool:
    """Tell whether two requests of a theme are near enough, in place and time, to compare.

    Parameters
    ----------
    theme
        The theme both requests share.
    a_point, b_point
        Where each request is.
    a_created, b_created
        When each was created (both aware, or both naive).

    Returns
    -------
    bool
        Whether the theme searches for duplicates and the two are within its
        ``duplicate_radius_m`` of each other and its ``duplicate_window_days`` apart
        (both edges included).
    """
    if theme.duplicate_radius_m is None or theme.duplicate_window_days is None:
        return False
    if abs(a_created - b_created) > timedelta(days=theme.duplicate_window_days):
        return False
    return distance_m(a_point, b_point) <= theme.duplicate_radius_m

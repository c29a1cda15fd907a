"""Map areas a theme may route by: the port, a park, the beach strip, drawn as polygons.

An area is written as GeoJSON writes a polygon: a list of rings of ``[longitude,
latitude]`` positions, the first ring its outline and any further ring a hole in it
(a lake in a park, say). Each ring is closed (its last position repeats its first) and
has at least four positions. Whether a point lies in an area is found by casting a ray
east from the point and counting the edges it crosses; a point on an edge, outline or
hole, belongs to the area, so a request placed on a boundary is never left unrouted.
"""

from collections.abc import Sequence
from itertools import pairwise
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from finestra.domain.geo import Point

__all__ = ["MIN_RING_POSITIONS", "MapArea", "Position", "Ring", "in_ring", "on_ring"]

MIN_RING_POSITIONS: Final = 4
"""A closed ring needs three corners and the first one again."""

_EPSILON: Final = 1e-12
"""How near an edge, in squared degrees of the cross product, counts as on it."""

Position = tuple[float, float]
"""A ``(longitude, latitude)`` pair, in decimal degrees, in GeoJSON's order."""

Ring = tuple[Position, ...]
"""A closed list of positions."""


class MapArea(BaseModel):
    """A named area of the map: an outline and, optionally, holes in it.

    Parameters
    ----------
    code
        How themes name the area (``port-vell``).
    name
        The area's own name, as the city writes it (place names are not translated).
    rings
        The outline first, then any holes; each ring closed and of four positions or
        more.
    """

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str = Field(min_length=1)
    rings: tuple[Ring, ...] = Field(min_length=1)

    @field_validator("rings")
    @classmethod
    def _closed_rings(cls, rings: tuple[Ring, ...]) -> tuple[Ring, ...]:
        for ring in rings:
            if len(ring) < MIN_RING_POSITIONS:
                raise ValueError(f"a ring has at least {MIN_RING_POSITIONS} positions")
            if ring[0] != ring[-1]:
                raise ValueError("a ring is closed: its last position repeats its first")
            for longitude, latitude in ring:
                if not (-180.0 <= longitude <= 180.0 and -90.0 <= latitude <= 90.0):
                    raise ValueError("a position is [longitude, latitude] on the globe")
        return rings

    def contains(self, point: Point) -> bool:
        """Tell whether a point lies in the area.

        Parameters
        ----------
        point
            The place, in decimal degrees.

        Returns
        -------
        bool
            Whether the point is inside the outline or on any edge, and not strictly
            inside a hole.
        """
        outline, *holes = self.rings
        if on_ring(outline, point):
            return True
        if not in_ring(outline, point):
            return False
        return not any(in_ring(hole, point) and not on_ring(hole, point) for hole in holes)


def in_ring(ring: Sequence[Position], point: Point) -> bool:
    """Tell whether a point is inside a closed ring, by casting a ray east from it.

    Parameters
    ----------
    ring
        A closed ring of ``(longitude, latitude)`` positions.
    point
        The place, in decimal degrees.

    Returns
    -------
    bool
        Whether the ray crosses the ring's edges an odd number of times. A point on an
        edge may go either way; :func:`on_ring` settles those.
    """
    x, y = point.longitude, point.latitude
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > y) == (y2 > y):
            continue
        crossing = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        if x < crossing:
            inside = not inside
    return inside


def on_ring(ring: Sequence[Position], point: Point) -> bool:
    """Tell whether a point lies on one of a ring's edges (its corners included).

    Parameters
    ----------
    ring
        A closed ring of ``(longitude, latitude)`` positions.
    point
        The place, in decimal degrees.

    Returns
    -------
    bool
        Whether the point is on a segment between two consecutive positions.
    """
    x, y = point.longitude, point.latitude
    for (x1, y1), (x2, y2) in pairwise(ring):
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        if abs(cross) > _EPSILON:
            continue
        if min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2):
            return True
    return False

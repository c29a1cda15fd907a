"""Points on the map: geohash cells, their neighbours, distances, and cells to search.

A geohash names a cell of a grid that halves longitude and latitude in turn, five bits a
character; a longer hash is a smaller cell inside the shorter one, so every cell is a
prefix of the cells it holds. Searching near a point is searching the few cells that
together hold every place within the distance.
"""

import math
from typing import Final, NamedTuple

BASE32: Final = "0123456789bcdefghjkmnpqrstuvwxyz"
EARTH_RADIUS_M: Final = 6_371_008.8
"""The mean radius of the Earth (IUGG), in metres."""

MAX_PRECISION: Final = 12
_DECODE: Final = {c: i for i, c in enumerate(BASE32)}
# The eight neighbours as (rows north, columns east), clockwise from north.
_DIRECTIONS: Final = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))


class Point(NamedTuple):
    """A place on the map, in decimal degrees (WGS 84)."""

    latitude: float
    longitude: float


class Bounds(NamedTuple):
    """The edges of a cell, in decimal degrees; south and west edges belong to the cell."""

    south: float
    north: float
    west: float
    east: float


def encode(latitude: float, longitude: float, precision: int = 9) -> str:
    """Name the geohash cell that holds a point.

    Parameters
    ----------
    latitude, longitude
        The point, in decimal degrees.
    precision
        The length of the hash, 1 to 12: 5 is about 5 km, 7 about 150 m, 9 about 5 m.

    Returns
    -------
    str
        The geohash of the cell.
    """
    _check_point(latitude, longitude)
    _check_precision(precision)
    south, north, west, east = -90.0, 90.0, -180.0, 180.0
    characters: list[str] = []
    value, bits, even = 0, 0, True
    while len(characters) < precision:
        if even:
            middle = (west + east) / 2
            bit = longitude >= middle
            west, east = (middle, east) if bit else (west, middle)
        else:
            middle = (south + north) / 2
            bit = latitude >= middle
            south, north = (middle, north) if bit else (south, middle)
        value, bits, even = value * 2 + bit, bits + 1, not even
        if bits == 5:
            characters.append(BASE32[value])
            value, bits = 0, 0
    return "".join(characters)


def bounds(cell: str) -> Bounds:
    """Find the edges of a geohash cell.

    Parameters
    ----------
    cell
        A geohash, 1 to 12 characters.

    Returns
    -------
    Bounds
        The cell's south, north, west and east edges.
    """
    _check_precision(len(cell))
    south, north, west, east = -90.0, 90.0, -180.0, 180.0
    even = True
    for character in cell.lower():
        if character not in _DECODE:
            raise ValueError("a geohash is written in the geohash alphabet")
        value = _DECODE[character]
        for shift in range(4, -1, -1):
            bit = (value >> shift) & 1
            if even:
                middle = (west + east) / 2
                west, east = (middle, east) if bit else (west, middle)
            else:
                middle = (south + north) / 2
                south, north = (middle, north) if bit else (south, middle)
            even = not even
    return Bounds(south, north, west, east)


def cell_size(precision: int) -> tuple[float, float]:
    """Measure a cell of a given precision, in degrees; every cell of it is the same.

    Parameters
    ----------
    precision
        The length of the hash, 1 to 12.

    Returns
    -------
    tuple[float, float]
        The cell's height (latitude) and width (longitude), in degrees.
    """
    _check_precision(precision)
    bits = 5 * precision
    longitude_bits = (bits + 1) // 2
    return 180.0 / 2 ** (bits - longitude_bits), 360.0 / 2**longitude_bits


def neighbours(cell: str) -> tuple[str, ...]:
    """Name the cells around a cell, at its own precision.

    Parameters
    ----------
    cell
        A geohash.

    Returns
    -------
    tuple[str, ...]
        The eight neighbours clockwise from north (north, north-east, east, …,
        north-west). Across the 180th meridian the grid wraps round; beyond a pole there
        is no cell, so a cell on the top or bottom row has five neighbours.
    """
    south, north, west, east = bounds(cell)
    height, width = north - south, east - west
    middle_latitude, middle_longitude = (south + north) / 2, (west + east) / 2
    found: list[str] = []
    for rows, columns in _DIRECTIONS:
        latitude = middle_latitude + rows * height
        if not -90.0 < latitude < 90.0:
            continue
        longitude = (middle_longitude + columns * width + 180.0) % 360.0 - 180.0
        found.append(encode(latitude, longitude, len(cell)))
    return tuple(found)


def haversine_m(
    a_latitude: float, a_longitude: float, b_latitude: float, b_longitude: float
) -> float:
    """Measure the great-circle distance between two points (haversine formula).

    Parameters
    ----------
    a_latitude, a_longitude
        The first point, in decimal degrees.
    b_latitude, b_longitude
        The second point, in decimal degrees.

    Returns
    -------
    float
        The distance in metres, on a sphere of the Earth's mean radius.
    """
    phi_a, phi_b = math.radians(a_latitude), math.radians(b_latitude)
    d_phi = phi_b - phi_a
    d_lambda = math.radians(b_longitude - a_longitude)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance_m(a: Point, b: Point) -> float:
    """Measure the great-circle distance between two points, as :func:`haversine_m` does.

    Parameters
    ----------
    a, b
        The two points.

    Returns
    -------
    float
        The distance in metres.
    """
    return haversine_m(a.latitude, a.longitude, b.latitude, b.longitude)


def covering_precision(latitude: float, radius_m: float, precision: int) -> int:
    """Choose the finest precision whose cells are larger than a radius, at a latitude.

    Parameters
    ----------
    latitude
        Where the search is centred, in decimal degrees.
    radius_m
        How far from the centre to search, in metres.
    precision
        The finest precision the caller wants, 1 to 12.

    Returns
    -------
    int
        The finest precision, at most ``precision``, at which a cell is at least as tall
        as the radius and at least as wide as the radius reaches east or west of the
        centre. Any point within the radius is then in the centre's cell or a neighbour.

    Raises
    ------
    ValueError
        When the radius is negative, or so large (or the centre so near a pole) that no
        precision works.
    """
    _check_point(latitude, 0.0)
    _check_precision(precision)
    if radius_m < 0:
        raise ValueError("a radius is not negative")
    angle = radius_m / EARTH_RADIUS_M
    reach = math.sin(angle) / math.cos(math.radians(latitude))
    if angle >= math.pi / 2 or reach >= 1.0:
        raise ValueError("the radius reaches over a pole")
    # A little slack, so rounding in the degrees never leaves a point one cell short.
    needed_height = math.degrees(angle) * (1 + 1e-9)
    needed_width = math.degrees(math.asin(reach)) * (1 + 1e-9)
    for candidate in range(precision, 0, -1):
        height, width = cell_size(candidate)
        if height >= needed_height and width >= needed_width:
            return candidate
    raise ValueError("the radius is larger than the coarsest cells")


def cells_covering(
    latitude: float, longitude: float, radius_m: float, precision: int
) -> frozenset[str]:
    """Name the cells that any point within a radius of a centre must fall in.

    Parameters
    ----------
    latitude, longitude
        The centre, in decimal degrees.
    radius_m
        The radius, in metres.
    precision
        The precision wanted, 1 to 12 (a store's own, say); the cells are coarser when
        the radius is larger than a cell of it (see :func:`covering_precision`).

    Returns
    -------
    frozenset[str]
        The centre's cell and its neighbours (nine, fewer on a pole's row), all of one
        precision: ``precision`` itself whenever its cells are larger than the radius.
        A point within ``radius_m`` of the centre has a geohash that starts with one of
        them, so a store keyed by geohashes of ``precision`` finds it by these cells, or
        by them as prefixes when they had to be coarser.

    Raises
    ------
    ValueError
        When the radius cannot be covered this way (see :func:`covering_precision`).
    """
    chosen = covering_precision(latitude, radius_m, precision)
    centre = encode(latitude, longitude, chosen)
    return frozenset((centre, *neighbours(centre)))


def _check_point(latitude: float, longitude: float) -> None:
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise ValueError("a point has a latitude in [-90, 90] and a longitude in [-180, 180]")


def _check_precision(precision: int) -> None:
    if not 1 <= precision <= MAX_PRECISION:
        raise ValueError(f"a geohash has 1 to {MAX_PRECISION} characters")

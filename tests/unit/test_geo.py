"""What must hold of geohash cells, their neighbours, distances and search coverings."""

import math
import random

import pytest

from finestra.domain.geo import (
    EARTH_RADIUS_M,
    MAX_PRECISION,
    Point,
    bounds,
    cell_size,
    cells_covering,
    covering_precision,
    distance_m,
    encode,
    haversine_m,
    neighbours,
)

BARCELONA = Point(41.38, 2.17)
PLACA_CATALUNYA = Point(41.3870, 2.1701)
PUERTA_DEL_SOL = Point(40.4169, -3.7035)


def destination(start: Point, bearing_deg: float, distance: float) -> Point:
    """The point ``distance`` metres from ``start`` along ``bearing_deg`` (great circle)."""
    delta = distance / EARTH_RADIUS_M
    theta = math.radians(bearing_deg)
    phi1, lambda1 = math.radians(start.latitude), math.radians(start.longitude)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    longitude = (math.degrees(lambda2) + 540.0) % 360.0 - 180.0
    return Point(math.degrees(phi2), longitude)


@pytest.mark.parametrize(
    ("latitude", "longitude", "precision", "expected"),
    [
        (42.6, -5.6, 5, "ezs42"),
        (57.64911, 10.40744, 11, "u4pruydqqvj"),
        (0.0, 0.0, 1, "s"),
        (-90.0, -180.0, 3, "000"),
        (90.0, 180.0, 3, "zzz"),
    ],
)
def test_a_point_encodes_to_its_published_geohash(
    latitude: float, longitude: float, precision: int, expected: str
) -> None:
    # given a point whose geohash is published

    # when it is encoded
    cell = encode(latitude, longitude, precision)

    # then it is that geohash
    assert cell == expected


def test_a_shorter_geohash_is_the_prefix_of_a_longer_one() -> None:
    # given a point in Barcelona
    full = encode(*BARCELONA, precision=MAX_PRECISION)

    # when it is encoded at every precision
    cells = [encode(*BARCELONA, precision=p) for p in range(1, MAX_PRECISION + 1)]

    # then each is the start of the finest one
    assert all(full.startswith(cell) for cell in cells)
    assert [len(cell) for cell in cells] == list(range(1, MAX_PRECISION + 1))


def test_a_cell_holds_the_point_it_was_encoded_from() -> None:
    # given random points around Barcelona
    rng = random.Random(20260314)
    points = [
        Point(41.38 + rng.uniform(-0.1, 0.1), 2.17 + rng.uniform(-0.1, 0.1)) for _ in range(200)
    ]

    for point in points:
        # when each is encoded and its cell's bounds read
        south, north, west, east = bounds(encode(*point, precision=7))

        # then the point lies within them
        assert south <= point.latitude < north
        assert west <= point.longitude < east


@pytest.mark.parametrize("precision", range(1, MAX_PRECISION + 1))
def test_every_cell_of_a_precision_has_the_same_size(precision: int) -> None:
    # given a cell of the precision
    south, north, west, east = bounds(encode(*BARCELONA, precision=precision))

    # when its size is measured, and the size of the precision read
    height, width = cell_size(precision)

    # then they agree
    assert north - south == pytest.approx(height)
    assert east - west == pytest.approx(width)


def test_a_cell_has_eight_distinct_neighbours_touching_it() -> None:
    # given a cell in Barcelona
    cell = encode(*BARCELONA, precision=7)
    south, north, west, east = bounds(cell)

    # when its neighbours are named
    around = neighbours(cell)

    # then there are eight, all different, each touching the cell at an edge or a corner
    assert len(around) == len(set(around)) == 8
    assert cell not in around
    for neighbour in around:
        n_south, n_north, n_west, n_east = bounds(neighbour)
        assert len(neighbour) == len(cell)
        assert (
            n_south == pytest.approx(north)
            or n_north == pytest.approx(south)
            or (n_south == pytest.approx(south))
        )
        assert (
            n_west == pytest.approx(east)
            or n_east == pytest.approx(west)
            or (n_west == pytest.approx(west))
        )


def test_the_neighbours_come_clockwise_from_north() -> None:
    # given the published cell "ezs42"
    cell = "ezs42"
    south, north, west, east = bounds(cell)

    # when its neighbours are named
    north_cell, _, east_cell, _, south_cell, _, west_cell, _ = neighbours(cell)

    # then the first is above it, the third to its right, the fifth below, the seventh left
    assert bounds(north_cell).south == pytest.approx(north)
    assert bounds(east_cell).west == pytest.approx(east)
    assert bounds(south_cell).north == pytest.approx(south)
    assert bounds(west_cell).east == pytest.approx(west)


def test_being_neighbours_goes_both_ways() -> None:
    # given a cell and its neighbours
    cell = encode(*BARCELONA, precision=6)

    # when each neighbour's own neighbours are named
    # then the cell is among them
    assert all(cell in neighbours(neighbour) for neighbour in neighbours(cell))


def test_neighbours_wrap_round_the_180th_meridian() -> None:
    # given a cell on the eastern edge of the map
    cell = encode(0.0, 179.99, precision=4)

    # when its neighbours are named
    around = neighbours(cell)

    # then those east of it are on the western edge
    assert len(around) == 8
    assert any(bounds(n).west == pytest.approx(-180.0) for n in around)


def test_a_cell_on_the_pole_row_has_no_neighbours_beyond_the_pole() -> None:
    # given a cell on the top row of the map
    cell = encode(89.99, 10.0, precision=3)

    # when its neighbours are named
    around = neighbours(cell)

    # then only the five that exist are named
    assert len(around) == 5


def test_the_distance_from_barcelona_to_madrid_is_about_505_km() -> None:
    # given the centres of Barcelona and Madrid

    # when the distance is measured both ways
    there = distance_m(PLACA_CATALUNYA, PUERTA_DEL_SOL)
    back = haversine_m(*PUERTA_DEL_SOL, *PLACA_CATALUNYA)

    # then it is the known 505 km, whichever way
    assert there == pytest.approx(505_000, rel=0.01)
    assert back == pytest.approx(there)


def test_a_degree_of_latitude_is_about_111_km_and_a_point_is_no_distance_from_itself() -> None:
    # given a point, the same point, and the point one degree north

    # when the distances are measured
    none = distance_m(BARCELONA, BARCELONA)
    degree = distance_m(BARCELONA, Point(BARCELONA.latitude + 1, BARCELONA.longitude))

    # then they are nothing and one degree of a great circle
    assert none == 0.0
    assert degree == pytest.approx(2 * math.pi * EARTH_RADIUS_M / 360)


@pytest.mark.parametrize("radius", [1.0, 10.0, 30.0, 50.0, 100.0, 200.0, 500.0, 2_000.0])
def test_every_point_within_the_radius_falls_in_the_covering_cells(radius: float) -> None:
    # given random centres around Barcelona and random points within the radius of each
    rng = random.Random(int(radius * 1000))
    for _ in range(200):
        centre = Point(41.38 + rng.uniform(-0.05, 0.05), 2.17 + rng.uniform(-0.05, 0.05))
        cells = cells_covering(*centre, radius, 9)
        precision = len(next(iter(cells)))
        for _ in range(10):
            # a point at a random bearing, often right on the edge of the circle
            reach = radius * rng.choice([1 - 1e-6, 0.999, rng.random()])
            point = destination(centre, rng.uniform(0.0, 360.0), reach)
            assert distance_m(centre, point) <= radius

            # when it is encoded at the covering cells' precision
            cell = encode(*point, precision=precision)

            # then it is one of them
            assert cell in cells


def test_points_in_a_box_around_the_centre_are_covered_when_within_the_radius() -> None:
    # given a centre and points spread evenly over the box around its circle
    rng = random.Random(7)
    radius = 50.0
    for _ in range(100):
        centre = Point(41.38 + rng.uniform(-0.05, 0.05), 2.17 + rng.uniform(-0.05, 0.05))
        cells = cells_covering(*centre, radius, 8)
        precision = len(next(iter(cells)))
        d_lat = math.degrees(radius / EARTH_RADIUS_M)
        d_lon = d_lat / math.cos(math.radians(centre.latitude))
        for _ in range(50):
            point = Point(
                centre.latitude + rng.uniform(-d_lat, d_lat),
                centre.longitude + rng.uniform(-d_lon, d_lon),
            )
            if distance_m(centre, point) > radius:
                continue

            # when a point within the radius is encoded
            # then its cell is one of the covering cells
            assert encode(*point, precision=precision) in cells


def test_the_covering_is_the_centre_cell_and_its_neighbours_at_one_precision() -> None:
    # given a 50 m search in Barcelona, at a store's precision of 6

    # when the covering cells are named
    cells = cells_covering(*BARCELONA, 50.0, 6)

    # then they are the centre's cell and its eight neighbours, at that precision
    centre = encode(*BARCELONA, precision=6)
    assert cells == {centre, *neighbours(centre)}
    assert len(cells) == 9


def test_the_covering_precision_is_the_finest_whose_cells_are_larger_than_the_radius() -> None:
    # given searches of growing radius at Barcelona's latitude
    radii = [5.0, 50.0, 500.0, 5_000.0, 50_000.0]

    # when the covering precision of each is chosen, from the finest wanted
    chosen = [covering_precision(BARCELONA.latitude, r, MAX_PRECISION) for r in radii]

    # then it coarsens as the radius grows, and one finer would be too small
    assert chosen == sorted(chosen, reverse=True)
    for radius, precision in zip(radii, chosen, strict=True):
        height, width = cell_size(precision)
        finer_height, finer_width = cell_size(precision + 1)
        metres_per_degree = 2 * math.pi * EARTH_RADIUS_M / 360
        assert height * metres_per_degree >= radius
        assert width * metres_per_degree * math.cos(math.radians(BARCELONA.latitude)) >= radius
        assert (
            min(
                finer_height * metres_per_degree,
                finer_width * metres_per_degree * math.cos(math.radians(BARCELONA.latitude)),
            )
            < radius
        )


def test_the_covering_is_never_finer_than_the_precision_asked_for() -> None:
    # given a tiny radius and a coarse precision asked for

    # when the covering cells are named
    cells = cells_covering(*BARCELONA, 1.0, 5)

    # then they are at that precision
    assert {len(cell) for cell in cells} == {5}


@pytest.mark.parametrize(
    ("latitude", "radius"),
    [(41.38, -1.0), (41.38, 20_000_000.0), (89.9999, 1_000.0)],
)
def test_a_radius_that_no_cells_can_cover_is_refused(latitude: float, radius: float) -> None:
    # given a negative radius, half the world, or a circle over the pole

    # when the covering cells are asked for
    # then the radius is refused
    with pytest.raises(ValueError, match="radius"):
        cells_covering(latitude, 2.17, radius, 9)


@pytest.mark.parametrize(
    ("latitude", "longitude", "precision"),
    [(91.0, 0.0, 5), (0.0, 181.0, 5), (0.0, 0.0, 0), (0.0, 0.0, 13)],
)
def test_a_point_off_the_map_or_a_precision_out_of_range_is_refused(
    latitude: float, longitude: float, precision: int
) -> None:
    # given a point off the map or a precision geohashes do not have

    # when it is encoded
    # then it is refused
    with pytest.raises(ValueError, match=r"latitude|geohash"):
        encode(latitude, longitude, precision)


def test_a_geohash_outside_the_alphabet_is_refused() -> None:
    # given a hash with a letter the geohash alphabet lacks ("a")

    # when its bounds are asked for
    # then it is refused
    with pytest.raises(ValueError, match="alphabet"):
        bounds("sp3a")

"""What must hold of map areas: well-formed rings, and which points lie in them."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from finestra.domain.areas import MapArea, in_ring, on_ring
from finestra.domain.catalogue import Catalogue
from finestra.domain.geo import Point

SQUARE = ((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0))
HOLE = ((1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0))
CONCAVE = ((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (2.0, 1.0), (0.0, 4.0), (0.0, 0.0))


def area(*rings: tuple[tuple[float, float], ...]) -> MapArea:
    return MapArea(code="test", name="Test", rings=rings)


def at(longitude: float, latitude: float) -> Point:
    return Point(latitude=latitude, longitude=longitude)


def test_a_point_inside_the_outline_is_in_the_area() -> None:
    assert area(SQUARE).contains(at(2.0, 2.0))


def test_a_point_outside_the_outline_is_not_in_the_area() -> None:
    square = area(SQUARE)

    assert not square.contains(at(5.0, 2.0))
    assert not square.contains(at(-0.1, 2.0))
    assert not square.contains(at(2.0, 4.5))


@pytest.mark.parametrize(
    ("longitude", "latitude"),
    [(0.0, 2.0), (4.0, 2.0), (2.0, 0.0), (2.0, 4.0), (0.0, 0.0), (4.0, 4.0)],
)
def test_a_point_on_an_edge_or_corner_belongs_to_the_area(
    longitude: float, latitude: float
) -> None:
    assert on_ring(SQUARE, at(longitude, latitude))
    assert area(SQUARE).contains(at(longitude, latitude))


def test_a_ray_through_a_corner_is_counted_once() -> None:
    diamond = ((2.0, 0.0), (4.0, 2.0), (2.0, 4.0), (0.0, 2.0), (2.0, 0.0))

    assert in_ring(diamond, at(1.0, 2.0))
    assert not in_ring(diamond, at(-1.0, 2.0))


def test_the_notch_of_a_concave_outline_is_outside() -> None:
    concave = area(CONCAVE)

    assert not concave.contains(at(2.0, 3.0))
    assert concave.contains(at(1.0, 1.0))
    assert concave.contains(at(3.5, 3.0))


def test_a_point_in_a_hole_is_not_in_the_area_but_one_on_the_hole_s_edge_is() -> None:
    ring = area(SQUARE, HOLE)

    assert not ring.contains(at(2.0, 2.0))
    assert ring.contains(at(1.0, 2.0))
    assert ring.contains(at(0.5, 0.5))


def test_a_ring_of_fewer_than_four_positions_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 4 positions"):
        area(((0.0, 0.0), (1.0, 1.0), (0.0, 0.0)))


def test_a_ring_that_is_not_closed_is_refused() -> None:
    with pytest.raises(ValidationError, match="closed"):
        area(((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)))


def test_a_position_off_the_globe_is_refused() -> None:
    with pytest.raises(ValidationError, match="longitude, latitude"):
        area(((0.0, 0.0), (200.0, 0.0), (4.0, 4.0), (0.0, 0.0)))


def test_an_area_has_an_outline() -> None:
    with pytest.raises(ValidationError):
        MapArea(code="empty", name="Empty", rings=())


def test_the_city_s_areas_hold_the_places_they_are_named_for() -> None:
    catalogue = Catalogue.load(Path(__file__).resolve().parents[2] / "infra" / "config")

    assert catalogue.map_area("montjuic").contains(Point(41.3680, 2.1590))
    assert catalogue.map_area("beach-strip").contains(Point(41.3800, 2.1950))
    assert catalogue.map_area("port-vell").contains(Point(41.3740, 2.1820))
    assert not catalogue.map_area("ciutadella").contains(Point(41.3865, 2.1898))
    assert catalogue.map_area("ciutadella").contains(Point(41.3885, 2.1850))
    sagrada_familia = Point(41.4036, 2.1744)
    assert not any(a.contains(sagrada_familia) for a in catalogue.map_areas)

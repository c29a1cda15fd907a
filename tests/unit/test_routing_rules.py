"""What must hold of each theme's routing rule: direct, district, neighbourhood, polygon, and
the fallback group when the rule cannot decide."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from finestra.domain.catalogue import Catalogue
from finestra.domain.geo import Point
from finestra.domain.request import Location
from finestra.domain.routing import point_of, responsible_group, route
from finestra.domain.vocabulary import RouteBy

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"
CATALOGUE = Catalogue.load(CONFIG)
RECEIVED = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)

ON_THE_BEACH = Point(41.3800, 2.1950)
IN_PORT_VELL = Point(41.3740, 2.1820)
IN_MONTJUIC = Point(41.3680, 2.1590)
IN_THE_ZOO = Point(41.3865, 2.1898)
SAGRADA_FAMILIA = Point(41.4036, 2.1744)


def names(label: str) -> dict[str, str]:
    return {"ca": label, "es": label, "en": label}


def polygon_catalogue(**theme: Any) -> dict[str, Any]:
    """A catalogue with one theme routed by polygon, changed by ``theme``."""
    square = [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]]
    return {
        "areas": [{"code": "parks", "names": names("Parcs")}],
        "themes": [
            {
                "code": "parks.gate",
                "area": "parks",
                "element": names("Parc"),
                "detail": names("Porta"),
                "request_types": ["incident"],
                "process": "resolve_answer",
                "sla_hours": 48,
                "responsible_group": "parks",
                "route_by": "polygon",
                "response_channels": ["email"],
                "back_office_systems": [],
                "requires_location": True,
                "requires_identified_citizen": False,
                "location_is_public": True,
                "external_body": None,
                "keywords": {"ca": ["porta"]},
                "duplicate_radius_m": None,
                "duplicate_window_days": None,
                "polygons": [{"area": "square", "group": "hill"}],
                "fallback_group": "parks",
                **theme,
            }
        ],
        "groups": [
            {"code": "city", "names": names("Ajuntament"), "parent": None},
            {"code": "parks", "names": names("Parcs"), "parent": "city"},
            {"code": "hill", "names": names("Turó"), "parent": "parks"},
        ],
        "systems": [],
        "districts": [{"code": "1", "name": "Ciutat Vella", "population": 100}],
        "neighbourhoods": [{"code": "1", "name": "el Raval", "district_code": "1"}],
        "map_areas": [{"code": "square", "name": "Square", "rings": square}],
    }


# --------------------------------------------------------------------------- the rules


def test_a_theme_routed_directly_goes_to_its_group_wherever_it_is() -> None:
    theme = CATALOGUE.theme("taxes.ibi-enquiry")

    assert theme.route_by is RouteBy.NONE
    assert responsible_group(CATALOGUE, theme, "2", "6", ON_THE_BEACH) == "taxes"


def test_a_theme_routed_by_district_goes_to_the_district_s_branch() -> None:
    theme = CATALOGUE.theme("roads.pothole")

    assert responsible_group(CATALOGUE, theme, "2", None) == "paving.d2"


def test_a_theme_routed_by_neighbourhood_goes_to_the_neighbourhood_s_branch() -> None:
    theme = CATALOGUE.theme("waste.container-full")

    assert responsible_group(CATALOGUE, theme, "2", "6") == "waste.b6"


@pytest.mark.parametrize(
    ("point", "group"),
    [(ON_THE_BEACH, "beaches"), (IN_PORT_VELL, "port-vell")],
)
def test_a_theme_routed_by_polygon_goes_to_the_group_of_the_area_that_holds_it(
    point: Point, group: str
) -> None:
    theme = CATALOGUE.theme("beaches.cleaning")

    routing = route(CATALOGUE, theme, "1", None, received_at=RECEIVED, point=point)

    assert routing.responsible_group == group


def test_the_first_area_that_holds_the_point_decides() -> None:
    overlapping = polygon_catalogue(
        polygons=[{"area": "square", "group": "hill"}, {"area": "square", "group": "parks"}]
    )
    catalogue = Catalogue.model_validate(overlapping)

    assert responsible_group(catalogue, catalogue.themes[0], None, None, Point(0.5, 0.5)) == "hill"


def test_a_point_on_an_area_s_edge_is_routed_to_its_group() -> None:
    catalogue = Catalogue.model_validate(polygon_catalogue())

    assert responsible_group(catalogue, catalogue.themes[0], None, None, Point(1.0, 0.5)) == "hill"


# --------------------------------------------------------------------------- the fallback


@pytest.mark.parametrize("point", [SAGRADA_FAMILIA, IN_THE_ZOO, None])
def test_a_point_outside_every_area_or_no_point_goes_to_the_fallback_group(
    point: Point | None,
) -> None:
    theme = CATALOGUE.theme("parks.opening-hours")

    assert responsible_group(CATALOGUE, theme, "2", None, point) == "parks"
    assert responsible_group(CATALOGUE, theme, None, None, IN_MONTJUIC) == "parks-montjuic"


def test_a_polygon_theme_s_fallback_may_be_another_group_than_its_own() -> None:
    theme = CATALOGUE.theme("beaches.cleaning")

    assert theme.fallback_group == "cleaning"
    assert responsible_group(CATALOGUE, theme, None, None, SAGRADA_FAMILIA) == "cleaning"


def test_a_district_theme_without_a_district_goes_to_its_fallback_group() -> None:
    data = polygon_catalogue(route_by="district", polygons=[], fallback_group="hill")
    catalogue = Catalogue.model_validate(data)

    assert responsible_group(catalogue, catalogue.themes[0], None, None) == "hill"
    assert responsible_group(catalogue, catalogue.themes[0], "1", None) == "parks.d1"


def test_a_place_that_has_no_branch_goes_to_the_fallback_group() -> None:
    data = polygon_catalogue(route_by="district", polygons=[], fallback_group="hill")
    catalogue = Catalogue.model_validate(data)

    assert responsible_group(catalogue, catalogue.themes[0], "99", None) == "hill"


def test_without_a_fallback_group_the_theme_s_own_group_stands_in() -> None:
    theme = CATALOGUE.theme("lighting.streetlight-off")

    assert theme.fallback_group is None
    assert responsible_group(CATALOGUE, theme, None, None) == "lighting"


def test_a_location_gives_its_point_only_with_both_coordinates() -> None:
    assert point_of(Location(latitude=41.38, longitude=2.19)) == Point(41.38, 2.19)
    assert point_of(Location(latitude=41.38, address="Carrer Gran, 1")) is None
    assert point_of(None) is None


# --------------------------------------------------------------------------- validation


def test_a_theme_routed_by_polygon_names_its_areas() -> None:
    with pytest.raises(ValidationError, match="names its areas"):
        Catalogue.model_validate(polygon_catalogue(polygons=[]))


def test_only_a_theme_routed_by_polygon_names_areas() -> None:
    with pytest.raises(ValidationError, match="names its areas"):
        Catalogue.model_validate(polygon_catalogue(route_by="district"))


def test_an_unknown_area_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown map area"):
        Catalogue.model_validate(polygon_catalogue(polygons=[{"area": "lake", "group": "hill"}]))


def test_an_area_sent_to_an_unknown_group_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown group"):
        Catalogue.model_validate(
            polygon_catalogue(polygons=[{"area": "square", "group": "lake-keepers"}])
        )


def test_an_unknown_fallback_group_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown fallback group"):
        Catalogue.model_validate(polygon_catalogue(fallback_group="nobody"))


def test_an_open_ring_in_the_areas_is_refused() -> None:
    data = polygon_catalogue()
    data["map_areas"][0]["rings"] = [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]]

    with pytest.raises(ValidationError, match="closed"):
        Catalogue.model_validate(data)


def test_every_polygon_theme_of_the_city_names_areas_of_areas_json() -> None:
    polygon_themes = [t for t in CATALOGUE.themes if t.route_by is RouteBy.POLYGON]

    assert {t.code for t in polygon_themes} == {"beaches.cleaning", "parks.opening-hours"}
    assert all(CATALOGUE.map_area(r.area) for t in polygon_themes for r in t.polygons)

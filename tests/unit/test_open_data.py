"""The open-data layout: the city's columns, ETRS89 coordinates, blank sensitive locations."""

import csv
import io
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from finestra.domain.catalogue import Catalogue
from finestra.insights.counting import InsightImage
from finestra.insights.opendata import COLUMNS, OpenDataLayout, open_data_csv, utm31n
from tests.conftest import ROOT

ZONE = ZoneInfo("Europe/Madrid")
CATALOGUE = Catalogue.load(ROOT / "infra" / "config")
OPENED = datetime(2026, 3, 31, 21, 30, tzinfo=UTC)
"""Half past eleven at night in Barcelona: still 31 March there."""
PLACA_CATALUNYA = {"latitude": 41.387, "longitude": 2.170}

_A = 6_378_137.0
_F = 1 / 298.257222101


def snyder_utm31n(latitude: float, longitude: float) -> tuple[float, float]:
    """The same projection by another method: Snyder's series (USGS paper 1395, 8-9 and 8-10)."""
    e2 = _F * (2 - _F)
    e4, e6, ep2 = e2 * e2, e2**3, e2 / (1 - e2)
    phi = math.radians(latitude)
    n = _A / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    t, c = math.tan(phi) ** 2, ep2 * math.cos(phi) ** 2
    a = math.radians(longitude - 3) * math.cos(phi)
    m = _A * (
        (1 - e2 / 4 - 3 * e4 / 64 - 5 * e6 / 256) * phi
        - (3 * e2 / 8 + 3 * e4 / 32 + 45 * e6 / 1024) * math.sin(2 * phi)
        + (15 * e4 / 256 + 45 * e6 / 1024) * math.sin(4 * phi)
        - (35 * e6 / 3072) * math.sin(6 * phi)
    )
    x = n * (a + (1 - t + c) * a**3 / 6 + (5 - 18 * t + t * t + 72 * c - 58 * ep2) * a**5 / 120)
    y = m + n * math.tan(phi) * (
        a * a / 2
        + (5 - t + 9 * c + 4 * c * c) * a**4 / 24
        + (61 - 58 * t + t * t + 600 * c - 330 * ep2) * a**6 / 720
    )
    return 500_000 + 0.9996 * x, 0.9996 * y


def image(**changes: Any) -> InsightImage:
    """A request as the stream shows it: a pothole in Eixample, from the web, answered by email."""
    fields: dict[str, Any] = {
        "reference": "BCN-2026-000321",
        "version": 3,
        "state": "in_resolution",
        "request_type": "incident",
        "theme_code": "roads.pothole",
        "input_channel": "web",
        "response_channel": "email",
        "responsible_group": "paving",
        "language": "ca",
        "district_code": "2",
        "location": {
            **PLACA_CATALUNYA,
            "address": "Carrer de Balmes 21",
            "district_code": "2",
            "neighbourhood_code": "7",
        },
        "citizen_id": "cit_01HZX",
        "created_at": OPENED,
        "updated_at": OPENED + timedelta(days=2),
        "sla_due_at": OPENED + timedelta(days=3),
    }
    fields.update(changes)
    return InsightImage.model_validate(fields)


def test_given_the_origin_of_zone_31_then_it_is_the_false_easting_on_the_equator() -> None:
    assert utm31n(0.0, 3.0) == pytest.approx((500_000.0, 0.0), abs=1e-6)


def test_given_the_central_meridian_at_45_degrees_then_the_northing_is_the_meridian_arc() -> None:
    # GRS80's meridian arc from the equator to 45 degrees is 4,984,944.378 m.
    easting, northing = utm31n(45.0, 3.0)

    assert easting == pytest.approx(500_000.0, abs=1e-6)
    assert northing == pytest.approx(0.9996 * 4_984_944.378, abs=0.01)


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(41.387, 2.170), (41.3275, 2.0879), (41.4683, 2.2281)]
)
def test_given_points_of_barcelona_then_two_methods_agree_to_a_centimetre(
    latitude: float, longitude: float
) -> None:
    assert utm31n(latitude, longitude) == pytest.approx(
        snyder_utm31n(latitude, longitude), abs=0.01
    )


def test_given_placa_de_catalunya_then_it_lies_where_the_city_maps_it() -> None:
    easting, northing = utm31n(**PLACA_CATALUNYA)

    assert 430_000 < easting < 431_500
    assert 4_581_500 < northing < 4_582_500


def test_given_points_either_side_of_the_meridian_then_they_mirror_each_other() -> None:
    east, north = utm31n(41.4, 3.5)
    west, south = utm31n(41.4, 2.5)

    assert east - 500_000 == pytest.approx(500_000 - west, abs=1e-6)
    assert north == pytest.approx(south, abs=1e-6)


def test_given_a_public_theme_then_its_row_names_it_and_places_it() -> None:
    row = OpenDataLayout(CATALOGUE, ZONE).row(image())
    theme = CATALOGUE.theme("roads.pothole")
    easting, northing = utm31n(**PLACA_CATALUNYA)

    assert row["FITXA_ID"] == "BCN-2026-000321"
    assert row["TIPUS"] == "INCIDENCIA"
    assert row["ELEMENT"] == theme.element.ca
    assert row["DETALL"] == theme.detail.ca
    assert row["AREA"]
    assert (row["CODI_DISTRICTE"], row["DISTRICTE"]) == ("2", "Eixample")
    assert row["CODI_BARRI"] == "7"
    assert row["BARRI"]
    assert row["COORDENADA_X"] == f"{easting:.3f}"
    assert row["COORDENADA_Y"] == f"{northing:.3f}"
    assert (row["LATITUD"], row["LONGITUD"]) == ("41.387000", "2.170000")
    assert (row["SUPORT"], row["CANALS_RESPOSTA"]) == ("WEB", "CORREU ELECTRONIC")


def test_given_what_the_platform_cannot_know_then_it_is_blank() -> None:
    row = OpenDataLayout(CATALOGUE, ZONE).row(image())

    assert row["SECCIO_CENSAL"] == row["TIPUS_VIA"] == row["CARRER"] == row["NUMERO"] == ""


@pytest.mark.parametrize("theme_code", ["noise.neighbours", "social.home-care", None])
def test_given_a_theme_whose_location_is_not_public_then_the_location_is_blank(
    theme_code: str | None,
) -> None:
    assert theme_code is None or not CATALOGUE.theme(theme_code).location_is_public

    row = OpenDataLayout(CATALOGUE, ZONE).row(image(theme_code=theme_code))

    for column in ("COORDENADA_X", "COORDENADA_Y", "LONGITUD", "LATITUD", "CARRER", "NUMERO"):
        assert row[column] == "", column
    assert row["CODI_DISTRICTE"] == "2"


def test_given_a_request_without_a_point_then_its_coordinates_are_blank() -> None:
    row = OpenDataLayout(CATALOGUE, ZONE).row(
        image(location={"address": "Carrer de Balmes 21", "district_code": "2"})
    )

    assert row["COORDENADA_X"] == row["LATITUD"] == ""
    assert row["CODI_BARRI"] == ""


def test_given_a_request_then_the_day_it_opened_is_the_citys() -> None:
    layout = OpenDataLayout(CATALOGUE, ZONE)

    assert layout.opened_on(image()).isoformat() == "2026-03-31"
    assert layout.closed_on(image()) is None
    assert layout.closed_on(image(state="closed")) == (OPENED + timedelta(days=2)).date()


def test_given_rows_then_the_csv_has_the_citys_header_and_nothing_personal() -> None:
    row = OpenDataLayout(CATALOGUE, ZONE).row(image())
    row.update({"DIA_DATA_ALTA": "31", "MES_DATA_ALTA": "03", "ANY_DATA_ALTA": "2026"})

    text = open_data_csv([row])
    parsed = list(csv.DictReader(io.StringIO(text)))

    assert text.splitlines()[0].split(",") == list(COLUMNS)
    assert parsed[0]["FITXA_ID"] == "BCN-2026-000321"
    assert "Balmes" not in text
    assert "cit_01HZX" not in text

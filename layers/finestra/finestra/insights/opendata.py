"""The open-data rows of requests: one per request, in the city's published layout.

The stream keeps one row per request under its opening day; a row holds only what the
city publishes (what kind of request, about what, when it opened and closed, where, by
which support and answered how), never who made it nor what they wrote. The location
columns under district and neighbourhood (census section, street, number, coordinates)
are blank for a theme whose catalogue entry says its location is not public
(``location_is_public``: noise from neighbours, social services, housing…) and for a
request with no theme yet. What the platform does not know (census section, street
type, street and number, which would need the free-text address parsed) is blank,
never guessed.

===========================================  ==============================================
key                                          item
===========================================  ==============================================
``OPENDATA#<yyyy-mm-dd>`` / ``<reference>``  a request's open-data row, under the city's
                                             date it opened; rewritten by newer versions
===========================================  ==============================================
"""

import csv
import io
import math
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, Final
from zoneinfo import ZoneInfo

from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Conflict
from finestra.insights.counting import InsightImage
from finestra.stats.counting import city_date
from finestra.storage.table import Item, Table, Update

__all__ = [
    "COLUMNS",
    "OpenDataLayout",
    "OpenDataStore",
    "open_data_csv",
    "open_data_day",
    "utm31n",
]

COLUMNS: Final = (
    "FITXA_ID",
    "TIPUS",
    "AREA",
    "ELEMENT",
    "DETALL",
    "DIA_DATA_ALTA",
    "MES_DATA_ALTA",
    "ANY_DATA_ALTA",
    "DIA_DATA_TANCAMENT",
    "MES_DATA_TANCAMENT",
    "ANY_DATA_TANCAMENT",
    "CODI_DISTRICTE",
    "DISTRICTE",
    "CODI_BARRI",
    "BARRI",
    "SECCIO_CENSAL",
    "TIPUS_VIA",
    "CARRER",
    "NUMERO",
    "COORDENADA_X",
    "COORDENADA_Y",
    "LONGITUD",
    "LATITUD",
    "SUPORT",
    "CANALS_RESPOSTA",
)
"""The columns, named and ordered as the city's published request records are."""
ROW_TYPE: Final = "open_data_row"
_DATES: Final = frozenset(
    {
        "DIA_DATA_ALTA",
        "MES_DATA_ALTA",
        "ANY_DATA_ALTA",
        "DIA_DATA_TANCAMENT",
        "MES_DATA_TANCAMENT",
        "ANY_DATA_TANCAMENT",
    }
)
_TYPES: Final = {
    "incident": "INCIDENCIA",
    "complaint": "QUEIXA",
    "suggestion": "SUGGERIMENT",
    "thanks": "AGRAIMENT",
    "service_request": "PETICIO",
    "enquiry": "CONSULTA",
}
_SUPPORTS: Final = {
    "web": "WEB",
    "app": "APP MOBIL",
    "open311": "OPEN311",
    "sms": "SMS",
    "email": "CORREU ELECTRONIC",
    "phone": "TELEFON",
    "social": "XARXES SOCIALS",
    "in_person": "PRESENCIAL",
}
_ANSWERS: Final = {
    "email": "CORREU ELECTRONIC",
    "sms": "SMS",
    "letter": "CARTA",
    "phone": "TELEFON",
    "immediate": "RESPOSTA IMMEDIATA",
    "none": "SENSE RESPOSTA",
}

_GRS80_A: Final = 6_378_137.0
_GRS80_F: Final = 1 / 298.257222101
_UTM_K0: Final = 0.9996
_UTM_FALSE_EASTING: Final = 500_000.0
_ZONE_31_MERIDIAN: Final = 3.0


def utm31n(latitude: float, longitude: float) -> tuple[float, float]:
    """ETRS89 / UTM zone 31N (EPSG:25831) easting and northing of a point, in metres.

    The transverse Mercator of the GRS80 ellipsoid by Krüger's series to the third order
    of the third flattening, which holds to well under a millimetre within the zone.
    """
    n = _GRS80_F / (2 - _GRS80_F)
    radius = _GRS80_A / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    alphas = (
        n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16,
        13 * n**2 / 48 - 3 * n**3 / 5,
        61 * n**3 / 240,
    )
    phi = math.radians(latitude)
    delta = math.radians(longitude - _ZONE_31_MERIDIAN)
    factor = 2 * math.sqrt(n) / (1 + n)
    t = math.sinh(math.atanh(math.sin(phi)) - factor * math.atanh(factor * math.sin(phi)))
    xi = math.atan2(t, math.cos(delta))
    eta = math.atanh(math.sin(delta) / math.sqrt(1 + t * t))
    easting = eta + sum(
        alpha * math.cos(2 * j * xi) * math.sinh(2 * j * eta) for j, alpha in enumerate(alphas, 1)
    )
    northing = xi + sum(
        alpha * math.sin(2 * j * xi) * math.cosh(2 * j * eta) for j, alpha in enumerate(alphas, 1)
    )
    return _UTM_FALSE_EASTING + _UTM_K0 * radius * easting, _UTM_K0 * radius * northing


class OpenDataLayout:
    """Turns a request image into its open-data row, with the catalogue's Catalan names."""

    def __init__(self, catalogue: Catalogue, zone: ZoneInfo) -> None:
        self._catalogue = catalogue
        self._zone = zone
        self._areas = {area.code: area.names.ca for area in catalogue.areas}
        self._districts = {d.code: d.name for d in catalogue.districts}
        self._neighbourhoods = {n.code: n.name for n in catalogue.neighbourhoods}

    def row(self, image: InsightImage) -> dict[str, str]:
        """The row's columns but the dates, as text; blank where nothing may or can be said."""
        theme = self._catalogue.known_theme(image.theme_code)
        location = image.location or {}
        district = str(location.get("district_code") or image.district_code or "")
        neighbourhood = image.neighbourhood_code or ""
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            {
                "FITXA_ID": image.reference,
                "TIPUS": _TYPES.get(image.request_type or "", ""),
                "CODI_DISTRICTE": district,
                "DISTRICTE": self._districts.get(district, ""),
                "CODI_BARRI": neighbourhood,
                "BARRI": self._neighbourhoods.get(neighbourhood, ""),
                "SUPORT": _SUPPORTS.get(image.input_channel, ""),
                "CANALS_RESPOSTA": _ANSWERS.get(image.response_channel or "", ""),
            }
        )
        if theme is not None:
            row["AREA"] = self._areas.get(theme.area, "")
            row["ELEMENT"] = theme.element.ca
            row["DETALL"] = theme.detail.ca
            if theme.location_is_public:
                row.update(_point(location))
        for column in _DATES:
            del row[column]
        return row

    def opened_on(self, image: InsightImage) -> date:
        """The city's date the request opened: the day its row is kept under."""
        return city_date(image.created_at, self._zone)

    def closed_on(self, image: InsightImage) -> date | None:
        """The city's date of this change if the request has ended, else ``None``."""
        if not image.final:
            return None
        return city_date(image.updated_at, self._zone)


def _point(location: Mapping[str, object]) -> dict[str, str]:
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if not isinstance(latitude, int | float) or not isinstance(longitude, int | float):
        return {}
    easting, northing = utm31n(float(latitude), float(longitude))
    return {
        "COORDENADA_X": f"{easting:.3f}",
        "COORDENADA_Y": f"{northing:.3f}",
        "LONGITUD": f"{float(longitude):.6f}",
        "LATITUD": f"{float(latitude):.6f}",
    }


def open_data_day(day: date) -> str:
    """Partition key of the open-data rows of requests opened on ``day``."""
    return f"OPENDATA#{day.isoformat()}"


class OpenDataStore:
    """Keeps the open-data rows and reads them back a day at a time."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def keep(self, image: InsightImage, layout: OpenDataLayout, *, ended_before: bool) -> bool:
        """Write the request's row if ``image`` is newer than the row kept; whether it was.

        The closing day is set when the request closes and kept until it reopens, so a
        later note on a closed request does not move it.
        """
        opened = layout.opened_on(image)
        closed = layout.closed_on(image)
        names = {"#type": "type", "#row": "row", "#version": "version"}
        values: Item = {
            ":type": ROW_TYPE,
            ":row": layout.row(image),
            ":version": image.version,
            ":opened": opened.isoformat(),
        }
        expression = "SET #type = :type, #row = :row, #version = :version, opened_on = :opened"
        if closed is None:
            expression += " REMOVE closed_on"
        elif ended_before:
            expression += ", closed_on = if_not_exists(closed_on, :closed)"
            values[":closed"] = closed.isoformat()
        else:
            expression += ", closed_on = :closed"
            values[":closed"] = closed.isoformat()
        update = Update(
            key={"PK": open_data_day(opened), "SK": image.reference},
            expression=expression,
            condition="attribute_not_exists(PK) OR #version < :version",
            names=names,
            values=values,
        )
        try:
            self._table.update(update)
        except Conflict:
            return False
        return True

    def references(self, day: date) -> Iterator[str]:
        """The references of the requests opened on ``day`` (one ``Query``, paged)."""
        position: dict[str, Any] | None = None
        while True:
            items, position = self._table.query(
                "PK = :pk", {":pk": open_data_day(day)}, start=position
            )
            yield from (str(item["SK"]) for item in items)
            if position is None:
                return

    def rows(self, day: date) -> Iterator[dict[str, str]]:
        """The rows of requests opened on ``day``, by reference (one ``Query``, paged)."""
        position: dict[str, Any] | None = None
        while True:
            items, position = self._table.query(
                "PK = :pk", {":pk": open_data_day(day)}, start=position
            )
            yield from (_columns(item) for item in items)
            if position is None:
                return


def _columns(item: Item) -> dict[str, str]:
    stored = {str(k): str(v) for k, v in dict(item.get("row") or {}).items()}
    row = {column: stored.get(column, "") for column in COLUMNS}
    opened = date.fromisoformat(str(item["opened_on"]))
    row.update(_date_columns("ALTA", opened))
    if item.get("closed_on"):
        row.update(_date_columns("TANCAMENT", date.fromisoformat(str(item["closed_on"]))))
    return row


def _date_columns(suffix: str, day: date) -> dict[str, str]:
    return {
        f"DIA_DATA_{suffix}": f"{day.day:02d}",
        f"MES_DATA_{suffix}": f"{day.month:02d}",
        f"ANY_DATA_{suffix}": f"{day.year:04d}",
    }


def open_data_csv(rows: Iterator[dict[str, str]] | list[dict[str, str]]) -> str:
    """The rows as CSV with a header of :data:`COLUMNS` (UTF-8 text, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()

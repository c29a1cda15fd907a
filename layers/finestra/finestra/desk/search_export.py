"""Search results as a file: CSV (UTF-8 with a byte-order mark, for Excel) or xlsx.

An export holds at most :data:`EXPORT_CAP` requests; a search that finds more is
refused with a 422 that asks for a narrower search, rather than cut short, so that no
file silently misses requests. Its columns are the request's reference, theme, state,
input channel, district, neighbourhood, responsible group, priority, received, due and
closed times and SLA state: no citizen's name, contact point, address or message text
is ever written to a file.

Every export is recorded (:class:`ExportLog`): who, when, the format, the row count and
the filters, with the applicant and address filters reduced to whether they were given.
An export filtered by applicant also writes an access record for that citizen (reason
``export``), since the file says which requests the citizen made.

The xlsx file is written here with the standard library: one sheet of inline strings,
the five parts an Office Open XML workbook needs (ECMA-376 part 1), so the desk takes
no spreadsheet dependency for a table of plain text.
"""

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final
from xml.sax.saxutils import escape

from pydantic import BaseModel, ConfigDict

from finestra.auth import Staff
from finestra.desk.search import SearchItem
from finestra.domain.ids import new_id
from finestra.domain.vocabulary import FINAL_STATES, Language
from finestra.storage import keys
from finestra.storage.table import Put, Table

__all__ = [
    "COLUMNS",
    "EXPORT_CAP",
    "ExportFormat",
    "ExportLog",
    "ExportRecord",
    "export_csv",
    "export_filename",
    "export_rows",
    "export_xlsx",
]

EXPORT_CAP: Final = 5000
"""The most requests one export holds."""
XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE: Final = "text/csv; charset=utf-8"
BOM: Final = "\ufeff"

COLUMNS: Final = (
    "reference",
    "theme",
    "state",
    "channel",
    "district",
    "neighbourhood",
    "group",
    "priority",
    "received",
    "due",
    "closed",
    "sla",
)
_HEADINGS: Final[dict[Language, tuple[str, ...]]] = {
    Language.CA: (
        "Referència",
        "Tema",
        "Estat",
        "Canal",
        "Districte",
        "Barri",
        "Grup",
        "Prioritat",
        "Rebuda",
        "Venciment",
        "Tancada",
        "SLA",
    ),
    Language.ES: (
        "Referencia",
        "Tema",
        "Estado",
        "Canal",
        "Distrito",
        "Barrio",
        "Grupo",
        "Prioridad",
        "Recibida",
        "Vencimiento",
        "Cerrada",
        "SLA",
    ),
    Language.EN: (
        "Reference",
        "Theme",
        "State",
        "Channel",
        "District",
        "Neighbourhood",
        "Group",
        "Priority",
        "Received",
        "Due",
        "Closed",
        "SLA",
    ),
}
_CONTROL: Final = {c: None for c in range(32) if c not in (9, 10, 13)}


class ExportFormat(StrEnum):
    """The file an export is written as."""

    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        """The ``Content-Type`` of the file."""
        return CSV_TYPE if self is ExportFormat.CSV else XLSX_TYPE


class ExportRecord(BaseModel):
    """One export of search results by one staff member."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    user_id: str
    username: str
    route: str
    format: ExportFormat
    rows: int
    filters: dict[str, Any]


class ExportLog:
    """Records each export twice in one transaction: under its author and its month.

    Cost: one transaction of two items (four write units under 1 KB).
    """

    def __init__(self, table: Table, clock: Callable[[], datetime]) -> None:
        self._table = table
        self._clock = clock

    def record(
        self,
        staff: Staff,
        *,
        route: str,
        export_format: ExportFormat,
        rows: int,
        filters: dict[str, Any],
    ) -> ExportRecord:
        """Record that ``staff`` exported ``rows`` requests found by ``filters``."""
        record = ExportRecord(
            at=self._clock(),
            user_id=staff.user_id,
            username=staff.username,
            route=route,
            format=export_format,
            rows=rows,
            filters=filters,
        )
        at = record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        export_id = new_id("exp")
        body = {"type": "export", **record.model_dump(mode="json")}
        self._table.transact(
            [
                Put(item={**keys.staff_export(staff.user_id, at, export_id), **body}),
                Put(item={**keys.month_export(at[:7], at, export_id), **body}),
            ]
        )
        return record


def export_rows(items: Sequence[SearchItem]) -> list[list[str]]:
    """Each request as the export's columns, in :data:`COLUMNS` order."""
    return [_row(item) for item in items]


def export_csv(rows: Sequence[Sequence[str]], language: Language) -> str:
    """The rows as CSV under headings in ``language``, with a byte-order mark for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_HEADINGS[language])
    writer.writerows(rows)
    return BOM + out.getvalue()


def export_xlsx(rows: Sequence[Sequence[str]], language: Language) -> bytes:
    """The rows as a one-sheet xlsx workbook under headings in ``language``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELATIONS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELATIONS)
        book.writestr("xl/worksheets/sheet1.xml", _sheet([_HEADINGS[language], *rows]))
    return out.getvalue()


def export_filename(export_format: ExportFormat, at: datetime) -> str:
    """``finestra-requests-<yyyymmdd-hhmm>.<csv|xlsx>``."""
    return f"finestra-requests-{at.astimezone(UTC):%Y%m%d-%H%M}.{export_format.value}"


def _row(item: SearchItem) -> list[str]:
    closed = item.updated_at if item.state in FINAL_STATES else None
    return [
        item.reference,
        item.theme or "",
        item.state.value,
        item.channel.value,
        item.district or "",
        item.neighbourhood or "",
        item.group,
        item.priority.value,
        _when(item.received_at),
        _when(item.due_at),
        _when(closed),
        item.sla,
    ]


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at else ""


def _sheet(rows: Sequence[Sequence[str]]) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        f'<worksheet xmlns="{_MAIN}"><sheetData>',
    ]
    for number, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{_column(i)}{number}" t="inlineStr"><is><t xml:space="preserve">'
            f"{escape(value.translate(_CONTROL))}</t></is></c>"
            for i, value in enumerate(row)
            if value
        )
        lines.append(f'<row r="{number}">{cells}</row>')
    lines.append("</sheetData></worksheet>")
    return "".join(lines)


def _column(index: int) -> str:
    """The letters of the 0-based column ``index`` (``A`` … ``Z``, ``AA`` …)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE: Final = "http://schemas.openxmlformats.org/package/2006"
_CONTENT_TYPES: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELATIONS: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
    '<sheets><sheet name="Requests" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELATIONS: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)

"""The advanced search's filters, its export files and the digest's text, without AWS."""

import io
import zipfile
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pytest
from pydantic import ValidationError

from finestra.desk.digest import GroupDigest, digest_text
from finestra.desk.search import SearchItem, SearchQuery
from finestra.desk.search_export import (
    COLUMNS,
    ExportFormat,
    export_csv,
    export_filename,
    export_rows,
    export_xlsx,
)
from finestra.domain.catalogue import Catalogue
from finestra.domain.vocabulary import Language
from tests.conftest import CONFIG

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RECEIVED = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def item(**changes: object) -> SearchItem:
    values: dict[str, object] = {
        "reference": "BCN-2026-000700",
        "theme": "roads.pothole",
        "theme_name": "Calçada · Sot",
        "state": "closed",
        "channel": "web",
        "district": "2",
        "neighbourhood": "7",
        "priority": "normal",
        "group": "paving.d2",
        "due_at": datetime(2026, 3, 13, 8, 0, tzinfo=UTC),
        "sla": "none",
        "received_at": RECEIVED,
        "summary": "Un forat davant de casa meva",
        "flags": [],
        "point": {"lat": 41.39, "lon": 2.16},
        "updated_at": datetime(2026, 3, 12, 9, 30, tzinfo=UTC),
    }
    values.update(changes)
    return SearchItem.model_validate(values)


def test_a_search_defaults_to_open_requests() -> None:
    assert SearchQuery(group="paving").state == "open"


@pytest.mark.parametrize("state", ["open", "final", "any", "closed", "pending_validation"])
def test_a_search_takes_a_state_or_a_group_of_states(state: str) -> None:
    assert SearchQuery.model_validate({"group": "paving", "state": state}).state == state


def test_a_state_that_is_neither_is_refused() -> None:
    with pytest.raises(ValidationError):
        SearchQuery.model_validate({"group": "paving", "state": "lost"})


def test_an_sla_filter_with_a_final_state_is_refused() -> None:
    with pytest.raises(ValidationError, match="open requests only"):
        SearchQuery.model_validate({"sla": "breached", "state": "closed"})


def test_a_phone_number_is_no_applicant() -> None:
    with pytest.raises(ValidationError):
        SearchQuery.model_validate({"applicant": "+34 612 345 678"})


def test_an_unknown_filter_is_refused() -> None:
    with pytest.raises(ValidationError):
        SearchQuery.model_validate({"group": "paving", "email": "a@b.example.org"})


def test_the_audited_filters_say_whether_an_applicant_or_address_was_given_never_which() -> None:
    query = SearchQuery(
        applicant="cit_01JQ3V7X9K2M4N6P8R0S2T4V6W",
        address="Carrer de Girona",
        theme="roads.pothole",
    )

    assert query.audited_filters() == {
        "applicant": True,
        "address": True,
        "theme": "roads.pothole",
        "state": "open",
    }


def test_an_export_row_holds_the_columns_and_a_closed_requests_closing_time() -> None:
    (row,) = export_rows([item()])

    assert dict(zip(COLUMNS, row, strict=True)) == {
        "reference": "BCN-2026-000700",
        "theme": "roads.pothole",
        "state": "closed",
        "channel": "web",
        "district": "2",
        "neighbourhood": "7",
        "group": "paving.d2",
        "priority": "normal",
        "received": "2026-03-10T08:00:00Z",
        "due": "2026-03-13T08:00:00Z",
        "closed": "2026-03-12T09:30:00Z",
        "sla": "none",
    }


def test_an_open_request_has_no_closing_time_and_no_summary_in_the_export() -> None:
    (row,) = export_rows([item(state="in_resolution", sla="on_time")])

    assert row[COLUMNS.index("closed")] == ""
    assert "Un forat davant de casa meva" not in row


def test_the_csv_starts_with_a_bom_and_headings_in_the_language() -> None:
    text = export_csv(export_rows([item()]), Language.ES)

    assert text.startswith("\ufeffReferencia,Tema,Estado")
    assert text.endswith("\r\n")


def test_the_xlsx_sheet_has_a_cell_per_value_with_its_reference() -> None:
    data = export_xlsx([["a", "", "c"], ["<&>", "x" * 3, "z"]], Language.EN)

    book = zipfile.ZipFile(io.BytesIO(data))
    assert set(book.namelist()) == {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/worksheets/sheet1.xml",
    }
    sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    cells = {cell.get("r"): cell.findtext(f"{MAIN}is/{MAIN}t") for cell in sheet.iter(f"{MAIN}c")}
    assert cells["A1"] == "Reference"
    assert cells["L1"] == "SLA"
    assert cells["A2"] == "a"
    assert "B2" not in cells
    assert cells["A3"] == "<&>"


def test_the_file_name_says_when_and_what() -> None:
    at = datetime(2026, 3, 14, 19, 41, tzinfo=UTC)

    assert export_filename(ExportFormat.XLSX, at) == "finestra-requests-20260314-1941.xlsx"


def test_the_digest_text_has_a_part_per_language_and_says_how_many_more() -> None:
    digest = GroupDigest(
        group="paving",
        day=date(2026, 3, 16),
        counts={
            "about_to_breach": 25,
            "breached": 0,
            "pending_validation": 1,
            "unread_conversations": 0,
        },
        references={
            "about_to_breach": [f"BCN-2026-{n:06d}" for n in range(20)],
            "breached": [],
            "pending_validation": ["BCN-2026-000900"],
            "unread_conversations": [],
        },
    )

    subject, text = digest_text(digest, Catalogue.load(CONFIG), [Language.ES, Language.EN])

    assert subject == "Finestra · Resumen diario · Pavimento y vía pública · 2026-03-16"
    assert "A punto de agotar el plazo: 25" in text
    assert "y 5 más" in text
    assert "About to breach their SLA: 25" in text
    assert "Past their SLA: 0\n  none" in text

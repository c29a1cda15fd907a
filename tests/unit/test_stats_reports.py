"""The report query's rules and the CSV file, without AWS."""

import csv
import io
from datetime import date

import pytest

from finestra.domain.errors import MalformedInput
from finestra.domain.vocabulary import Language
from finestra.stats.counting import Dimension
from finestra.stats.reports import (
    Report,
    ReportFormat,
    ReportQuery,
    ReportRow,
    ReportTotals,
    report_csv,
    report_filename,
)

RANGE = {"from": "2026-03-01", "to": "2026-03-31"}


def refusal(params: dict[str, str]) -> MalformedInput:
    with pytest.raises(MalformedInput) as raised:
        ReportQuery.parse(params)
    return raised.value


def test_a_query_names_its_range_dimension_and_defaults_to_json_in_catalan() -> None:
    query = ReportQuery.parse({**RANGE, "by": "theme"})

    assert (query.first, query.last, query.by) == (date(2026, 3, 1), date(2026, 3, 31), "theme")
    assert query.format is ReportFormat.JSON
    assert query.lang is Language.CA
    assert query.days == 31


def test_a_year_of_days_in_a_leap_year_is_allowed_and_one_more_is_not() -> None:
    year = ReportQuery.parse({"from": "2024-01-01", "to": "2024-12-31", "by": "group"})
    error = refusal({"from": "2024-01-01", "to": "2025-01-01", "by": "group"})

    assert year.days == 366
    assert (error.field, error.message) == ("to", "must be at most one year after from")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"to": "2026-03-31", "by": "theme"}, "from", "is required"),
        ({"from": "01/03/2026", "to": "2026-03-31", "by": "theme"}, "from", "must be a date"),
        ({"from": "2026-03-01", "to": "2026-02-30", "by": "theme"}, "to", "must be a date"),
        ({"from": "2026-03-01", "to": "1767225600", "by": "theme"}, "to", "must be a date"),
        ({**RANGE, "by": "citizen"}, "by", "must be theme, district"),
        ({**RANGE, "by": "theme", "format": "xlsx"}, "format", "must be json or csv"),
        ({**RANGE, "by": "theme", "lang": "fr"}, "lang", "must be ca, es or en"),
        ({**RANGE, "by": "theme", "group": "paving"}, "group", "is not a parameter"),
        ({"from": "2026-03-31", "to": "2026-03-01", "by": "theme"}, "to", "must not be before"),
    ],
)
def test_a_broken_rule_names_the_parameter_and_never_the_value(
    params: dict[str, str], field: str, message: str
) -> None:
    error = refusal(params)

    assert error.field == field
    assert error.message.startswith(message)
    for value in params.values():
        if value not in {"theme", "group"}:
            assert value not in error.message


def totals(**counts: int | float | None) -> dict[str, int | float | None]:
    base: dict[str, int | float | None] = {
        "opened": 0,
        "closed": 0,
        "closed_within_sla": 0,
        "closed_late": 0,
        "reopened": 0,
        "average_closing_days": None,
        "sla_compliance": None,
    }
    return {**base, **counts}


REPORT = Report(
    first=date(2026, 3, 1),
    last=date(2026, 3, 31),
    by=Dimension.THEME,
    rows=[
        ReportRow(
            value="roads.pothole",
            label="Calçada · Forat",
            **totals(opened=3, closed=2, closed_within_sla=1, closed_late=1)
            | {"average_closing_days": 2.25, "sla_compliance": 50.0},
        ),
        ReportRow(value="none", label=None, **totals(opened=1)),
        ReportRow(value="=HYPERLINK()", label=None, **totals(opened=1)),
    ],
    totals=ReportTotals(
        **totals(opened=5, closed=2, closed_within_sla=1, closed_late=1)
        | {"average_closing_days": 2.25, "sla_compliance": 50.0}
    ),
)


def read_csv(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_a_catalan_csv_has_a_bom_semicolons_decimal_commas_and_a_total_row() -> None:
    rows = read_csv(report_csv(REPORT, Language.CA), ";")

    assert rows[0][:3] == ["Codi", "Nom", "Obertes"]
    assert rows[1] == ["roads.pothole", "Calçada · Forat", "3", "2", "1", "1", "0", "2,25", "50,0"]
    assert rows[2][:2] == ["none", "(sense valor)"]
    assert rows[-1] == ["", "Total", "5", "2", "1", "1", "0", "2,25", "50,0"]
    assert len(rows) == 5


def test_an_english_csv_has_commas_and_decimal_points() -> None:
    rows = read_csv(report_csv(REPORT, Language.EN), ",")

    assert rows[0][-1] == "SLA compliance (%)"
    assert rows[1][-2:] == ["2.25", "50.0"]
    assert rows[2][1] == "(not set)"


def test_a_value_a_spreadsheet_would_run_as_a_formula_is_quoted() -> None:
    rows = read_csv(report_csv(REPORT, Language.ES), ";")

    assert rows[3][0] == "'=HYPERLINK()"
    assert rows[3][1] == "'=HYPERLINK()"


def test_a_report_file_is_named_after_its_dimension_and_range() -> None:
    query = ReportQuery.parse({**RANGE, "by": "district", "format": "csv"})

    assert report_filename(query) == "finestra-report-district-2026-03-01-2026-03-31.csv"


def test_a_report_answers_from_and_to_by_their_query_names() -> None:
    body = REPORT.model_dump(mode="json")

    assert (body["from"], body["to"], body["by"]) == ("2026-03-01", "2026-03-31", "theme")
    assert body["rows"][0]["sla_compliance"] == 50.0

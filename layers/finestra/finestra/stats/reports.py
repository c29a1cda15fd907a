"""The desk's reports: volumes, closings, closing time and SLA compliance over a range of days.

A report reads the day counters of one dimension (:class:`~finestra.stats.store.StatsStore`),
one ``Query`` per month of the range, and adds them up per value; it never reads a
request. Every request counts once in each dimension, so the totals are the same whatever
the report is by.

Who may read them
-----------------
Supervisors and administrators, for the whole city. The counters hold numbers only, no
citizen and no case, and they are kept one dimension at a time: a theme or channel
report cannot be narrowed to one agent's groups or districts without counters for every
combination, so agents (and campaign managers) are refused.
"""

import csv
import io
import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from finestra.domain.catalogue import Catalogue, Names
from finestra.domain.errors import FinestraError, MalformedInput
from finestra.domain.vocabulary import InputChannel, Language
from finestra.stats.counting import NO_VALUE, Counter, Dimension
from finestra.stats.store import DayCount, StatsStore

__all__ = [
    "MAX_DAYS",
    "Report",
    "ReportFormat",
    "ReportQuery",
    "ReportRow",
    "ReportTotals",
    "Reports",
    "report_csv",
    "report_filename",
]

MAX_DAYS: Final = 366
"""The longest range a report covers, in days, both ends included: one year."""
_SECONDS_A_DAY: Final = 86_400
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RULES: Final = {
    "from": "must be a date as YYYY-MM-DD",
    "to": "must be a date as YYYY-MM-DD",
    "by": "must be theme, district, channel or group",
    "format": "must be json or csv",
    "lang": "must be ca, es or en",
}
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

CHANNEL_NAMES: Final = {
    InputChannel.WEB: Names(ca="Web", es="Web", en="Web"),
    InputChannel.APP: Names(ca="App mòbil", es="App móvil", en="Mobile app"),
    InputChannel.OPEN311: Names(ca="Open311", es="Open311", en="Open311"),
    InputChannel.SMS: Names(ca="SMS", es="SMS", en="SMS"),
    InputChannel.EMAIL: Names(ca="Correu electrònic", es="Correo electrónico", en="Email"),
    InputChannel.PHONE: Names(ca="Telèfon", es="Teléfono", en="Phone"),
    InputChannel.SOCIAL: Names(ca="Xarxes socials", es="Redes sociales", en="Social media"),
    InputChannel.IN_PERSON: Names(ca="Presencial", es="Presencial", en="In person"),
}
"""Input channels as the CSV names them; the desktop has its own words for the screen."""

_HEADINGS: Final = {
    Language.CA: (
        "Codi",
        "Nom",
        "Obertes",
        "Tancades",
        "Tancades dins del termini",
        "Tancades fora de termini",
        "Reobertes",
        "Dies de tancament (mitjana)",
        "Compliment del termini (%)",
    ),
    Language.ES: (
        "Código",
        "Nombre",
        "Abiertas",
        "Cerradas",
        "Cerradas en plazo",
        "Cerradas fuera de plazo",
        "Reabiertas",
        "Días de cierre (media)",
        "Cumplimiento del plazo (%)",
    ),
    Language.EN: (
        "Code",
        "Name",
        "Opened",
        "Closed",
        "Closed within SLA",
        "Closed late",
        "Reopened",
        "Average closing days",
        "SLA compliance (%)",
    ),
}
_NOT_SET: Final = {
    Language.CA: "(sense valor)",
    Language.ES: "(sin valor)",
    Language.EN: "(not set)",
}


class ReportFormat(StrEnum):
    """How a report is answered."""

    JSON = "json"
    CSV = "csv"


def _iso_date(value: object) -> object:
    if isinstance(value, str) and not _DATE.match(value):
        raise ValueError("is not a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class ReportQuery(BaseModel):
    """The report route's query string."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    first: IsoDate = Field(alias="from", description="the first day, in the city's calendar")
    last: IsoDate = Field(alias="to", description="the last day, included")
    by: Dimension
    format: ReportFormat = ReportFormat.JSON
    lang: Language = Field(default=Language.CA, description="the language of names and CSV")

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> "ReportQuery":
        """The query string as a report query; a broken rule is :class:`MalformedInput` (400).

        The error names the parameter and the rule it broke, never the value sent.
        """
        try:
            query = cls.model_validate(dict(params))
        except ValidationError as exc:
            raise _refusal(exc) from None
        if query.last < query.first:
            raise MalformedInput("must not be before from", field="to")
        if query.days > MAX_DAYS:
            raise MalformedInput("must be at most one year after from", field="to")
        return query

    @property
    def days(self) -> int:
        """How many days the range covers, both ends included."""
        return (self.last - self.first).days + 1


def _refusal(exc: ValidationError) -> FinestraError:
    error = exc.errors(include_input=False, include_url=False)[0]
    field = str(error["loc"][0]) if error["loc"] else "query"
    if error["type"] == "missing":
        return MalformedInput("is required", field=field)
    if error["type"] == "extra_forbidden":
        return MalformedInput("is not a parameter of reports", field=field)
    return MalformedInput(_RULES.get(field, "breaks its rule"), field=field)


class ReportTotals(BaseModel):
    """What a report adds up, for one value or for every value."""

    opened: int
    closed: int
    closed_within_sla: int
    closed_late: int
    reopened: int
    average_closing_days: float | None = Field(description="None when nothing closed")
    sla_compliance: float | None = Field(
        description="percentage of closings with an SLA that met it; None when none had one"
    )


class ReportRow(ReportTotals):
    """One value of the dimension: a theme, a district, an input channel or a group."""

    value: str = Field(description=f"the code, or {NO_VALUE!r} for requests without one")
    label: str | None = Field(description="the name in the asked language, when one is known")


class Report(BaseModel):
    """A report over a range of days, by one dimension."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    first: date = Field(alias="from")
    last: date = Field(alias="to")
    by: Dimension
    rows: list[ReportRow]
    totals: ReportTotals


class _Sum:
    """Counters added up over days."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(Counter, 0)

    def add(self, day: DayCount) -> None:
        for counter in Counter:
            self.counts[counter] += day.get(counter)

    def merge(self, other: "_Sum") -> None:
        for counter in Counter:
            self.counts[counter] += other.counts[counter]

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())

    def totals(self) -> ReportTotals:
        closed = self.counts[Counter.CLOSED]
        within = self.counts[Counter.CLOSED_WITHIN_SLA]
        judged = within + self.counts[Counter.CLOSED_LATE]
        seconds = self.counts[Counter.CLOSING_SECONDS]
        return ReportTotals(
            opened=self.counts[Counter.OPENED],
            closed=closed,
            closed_within_sla=within,
            closed_late=self.counts[Counter.CLOSED_LATE],
            reopened=self.counts[Counter.REOPENED],
            average_closing_days=round(seconds / closed / _SECONDS_A_DAY, 2) if closed else None,
            sla_compliance=round(100 * within / judged, 1) if judged else None,
        )


class Reports:
    """Builds reports from the day counters and names each value from the catalogue."""

    def __init__(self, store: StatsStore, catalogue: Catalogue) -> None:
        self._store = store
        self._catalogue = catalogue

    def report(self, query: ReportQuery) -> Report:
        """The report ``query`` asks for: one ``Query`` per month of its range.

        Values whose counters add up to nothing over the range are left out. Rows come
        most opened first, then most closed, then by code.
        """
        sums: dict[str, _Sum] = {}
        for day in self._store.days(query.by, query.first, query.last):
            sums.setdefault(day.value, _Sum()).add(day)
        total = _Sum()
        rows: list[ReportRow] = []
        for value, found in sums.items():
            if found.empty:
                continue
            total.merge(found)
            label = self.label(query.by, value, query.lang)
            rows.append(ReportRow(value=value, label=label, **found.totals().model_dump()))
        rows.sort(key=lambda row: (-row.opened, -row.closed, row.value))
        return Report(
            first=query.first, last=query.last, by=query.by, rows=rows, totals=total.totals()
        )

    def label(self, dimension: Dimension, value: str, language: Language) -> str | None:
        """The name of ``value`` in ``language``; ``None`` for no value or an unknown code."""
        if value == NO_VALUE:
            return None
        if dimension is Dimension.CHANNEL:
            known = value in {channel.value for channel in InputChannel}
            return CHANNEL_NAMES[InputChannel(value)].in_(language) if known else None
        if dimension is Dimension.DISTRICT:
            district = next((d for d in self._catalogue.districts if d.code == value), None)
            return district.name if district else None
        try:
            if dimension is Dimension.THEME:
                theme = self._catalogue.theme(value)
                return f"{theme.element.in_(language)} · {theme.detail.in_(language)}"
            return self._catalogue.group(value).names.in_(language)
        except FinestraError:
            return None


def report_filename(query: ReportQuery) -> str:
    """The name a downloaded report is saved as."""
    return f"finestra-report-{query.by.value}-{query.first}-{query.last}.csv"


def report_csv(report: Report, language: Language) -> str:
    """The report as a CSV file that spreadsheet programs open as the city's staff expect.

    UTF-8 with a byte-order mark, so Excel reads accents right; in Catalan and Spanish,
    semicolons between fields and a decimal comma, as Excel set to those languages reads
    a CSV; commas and a decimal point in English. Text that a spreadsheet would take for
    a formula is quoted with an apostrophe.
    """
    comma = language is not Language.EN
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if comma else ",", lineterminator="\r\n")
    writer.writerow(_HEADINGS[language])
    for row in report.rows:
        name = row.label or (_NOT_SET[language] if row.value == NO_VALUE else row.value)
        writer.writerow([_cell(row.value), _cell(name), *_figures(row, comma)])
    writer.writerow(["", "Total", *_figures(report.totals, comma)])
    return "\ufeff" + buffer.getvalue()


def _figures(totals: ReportTotals, comma: bool) -> list[str]:
    return [
        str(totals.opened),
        str(totals.closed),
        str(totals.closed_within_sla),
        str(totals.closed_late),
        str(totals.reopened),
        _decimal(totals.average_closing_days, 2, comma),
        _decimal(totals.sla_compliance, 1, comma),
    ]


def _decimal(value: float | None, digits: int, comma: bool) -> str:
    if value is None:
        return ""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if comma else text


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text

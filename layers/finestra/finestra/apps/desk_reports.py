"""The desk's reports as a route: volumes, closings and SLA compliance, as JSON or CSV.

The view checks the caller's role before it reads the query string, then reads the day
counters of :mod:`finestra.stats` (one ``Query`` per month of the range) and writes
nothing. Logs carry the dimension, the range's length and the row count only.
"""

from typing import Final

from chalice.app import Chalice, Response

from finestra.apps.desk import DeskApp
from finestra.auth import Role
from finestra.http import JSON, current_request, current_staff, endpoint
from finestra.observability import Observability
from finestra.runtime import Lazy
from finestra.stats.reports import (
    ReportFormat,
    ReportQuery,
    Reports,
    report_csv,
    report_filename,
)
from finestra.stats.store import StatsStore

REPORTS_ROUTE: Final = "/api/desk/v1/reports"
CSV: Final = {"Content-Type": "text/csv; charset=utf-8"}


def reports(desk: DeskApp) -> Reports:
    """The reports on the desk's table and catalogue."""
    return Reports(StatsStore(desk.table), desk.catalogue)


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the reports route to the desk API."""

    @app.route(REPORTS_ROUTE, methods=["GET"])
    @endpoint(obs)
    def report() -> Response:
        """Volumes, closings, closing days and SLA compliance by one dimension (supervisors)."""
        staff = current_staff(app)
        staff.require(Role.SUPERVISOR)
        query = ReportQuery.parse(dict(current_request(app).query_params or {}))
        found = reports(desk.get()).report(query)
        obs.logger.info(
            "Report read",
            by=query.by.value,
            days=query.days,
            rows=len(found.rows),
            format=query.format.value,
        )
        if query.format is ReportFormat.CSV:
            disposition = f'attachment; filename="{report_filename(query)}"'
            return Response(
                body=report_csv(found, query.lang),
                status_code=200,
                headers={**CSV, "Content-Disposition": disposition, "Cache-Control": "no-store"},
            )
        return Response(
            body=found.model_dump(mode="json"),
            status_code=200,
            headers={**JSON, "Cache-Control": "no-store"},
        )

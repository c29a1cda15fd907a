"""The desk's insight routes: segments, differences from the city, and the open-data CSV.

Each view checks the caller's role (campaign manager, supervisor or administrator)
before it reads the query string, then reads the insight counters or the open-data rows
of :mod:`finestra.insights` and writes nothing. Nothing read names a citizen: counters
hold numbers, open-data rows hold what the city publishes. Logs carry the dimension,
the range's length and counts only.
"""

from datetime import timedelta
from typing import Final

from chalice.app import Chalice, Response

from finestra.apps.desk import DeskApp
from finestra.auth import Role, Staff
from finestra.http import JSON, current_request, current_staff, endpoint
from finestra.insights.opendata import OpenDataStore, open_data_csv
from finestra.insights.reader import DifferenceQuery, InsightReader, OpenDataQuery, SegmentQuery
from finestra.insights.store import InsightStore
from finestra.observability import Observability
from finestra.runtime import Lazy

INSIGHTS_ROUTE: Final = "/api/desk/v1/insights"
CSV: Final = {"Content-Type": "text/csv; charset=utf-8"}
_NO_STORE: Final = {"Cache-Control": "no-store"}


def insight_reader(desk: DeskApp) -> InsightReader:
    """The insights on the desk's table and catalogue."""
    return InsightReader(InsightStore(desk.table), desk.catalogue)


def open_data(desk: DeskApp) -> OpenDataStore:
    """The open-data rows on the desk's table."""
    return OpenDataStore(desk.table)


def _analyst(app: Chalice) -> Staff:
    staff = current_staff(app)
    staff.require(Role.CAMPAIGN_MANAGER, Role.SUPERVISOR)
    return staff


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the insight routes to the desk API."""

    def params() -> dict[str, str]:
        return dict(current_request(app).query_params or {})

    @app.route(f"{INSIGHTS_ROUTE}/segments", methods=["GET"])
    @endpoint(obs)
    def insight_segments() -> Response:
        """The insight of one value of a dimension, or of every value, over a range."""
        _analyst(app)
        query = SegmentQuery.parse(params())
        found = insight_reader(desk.get()).overview(
            query.dimension, query.since, query.until, query.value
        )
        obs.logger.info(
            "Insights read",
            dimension=query.dimension.value,
            days=query.days,
            rows=len(found.segments),
        )
        return Response(
            body=found.model_dump(mode="json"), status_code=200, headers={**JSON, **_NO_STORE}
        )

    @app.route(f"{INSIGHTS_ROUTE}/differences", methods=["GET"])
    @endpoint(obs)
    def insight_differences() -> Response:
        """How each value of a dimension differs from the rest of the city on one metric."""
        _analyst(app)
        query = DifferenceQuery.parse(params())
        found = insight_reader(desk.get()).differences(
            query.dimension, query.since, query.until, query.metric
        )
        obs.logger.info(
            "Differences read",
            dimension=query.dimension.value,
            metric=query.metric.value,
            days=query.days,
            flagged=sum(1 for d in found if d.status in {"higher", "lower"}),
        )
        body = {"differences": [d.model_dump(mode="json") for d in found]}
        return Response(body=body, status_code=200, headers={**JSON, **_NO_STORE})

    @app.route(f"{INSIGHTS_ROUTE}/open-data", methods=["GET"])
    @endpoint(obs)
    def insight_open_data() -> Response:
        """The open-data CSV of the requests opened over a range of at most 31 days."""
        _analyst(app)
        query = OpenDataQuery.parse(params())
        store = open_data(desk.get())
        rows = [
            row
            for offset in range(query.days)
            for row in store.rows(query.since + timedelta(days=offset))
        ]
        obs.logger.info("Open data read", days=query.days, rows=len(rows))
        name = f"requests-{query.since.isoformat()}-{query.until.isoformat()}.csv"
        return Response(
            body=open_data_csv(rows),
            status_code=200,
            headers={**CSV, **_NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
        )

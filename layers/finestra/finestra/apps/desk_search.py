"""The desk's advanced search and its export, as routes.

Each view checks the caller's role before it reads the query string, then calls one
:class:`~finestra.desk.search.RequestSearch` function. An export writes its audit
record (and, filtered by applicant, the citizen's access record) before the file is
answered. Logs carry counts, the index read and the format only: never a filter's
value, which may be a citizen id or an address.
"""

from typing import Any, Final

from chalice.app import Chalice, Response

from finestra.apps.desk import DeskApp
from finestra.auth import Staff
from finestra.desk.access_log import AccessReason
from finestra.desk.search import SEARCH_ROUTE, RequestSearch, SearchQuery
from finestra.desk.search_export import (
    EXPORT_CAP,
    XLSX_TYPE,
    ExportFormat,
    ExportLog,
    export_csv,
    export_filename,
    export_rows,
    export_xlsx,
)
from finestra.desk.views import require_reader
from finestra.domain.errors import ValidationFailed
from finestra.http import JSON, current_request, current_staff, endpoint
from finestra.observability import Observability
from finestra.runtime import Lazy

EXPORT_ROUTE: Final = "/api/desk/v1/requests/export"


def request_search(desk: DeskApp) -> RequestSearch:
    """The advanced search on the desk's table, catalogue and worklists."""
    settings = desk.settings
    return RequestSearch(
        table=desk.table,
        catalogue=desk.catalogue,
        worklist=desk.worklist,
        cursors=desk.cursors,
        access_log=desk.access_log,
        clock=desk.clock,
        shards=settings.queue_shards,
        near_fraction=settings.near_fraction,
        page_size=settings.page_size,
    )


def export_format(params: dict[str, str]) -> ExportFormat:
    """The ``format`` parameter, taken out of ``params``; CSV when absent."""
    given = params.pop("format", ExportFormat.CSV.value)
    try:
        return ExportFormat(given)
    except ValueError:
        raise ValidationFailed("is not csv or xlsx", field="format") from None


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the search and export routes to the desk API."""
    if XLSX_TYPE not in app.api.binary_types:
        app.api.binary_types.append(XLSX_TYPE)

    def reader() -> Staff:
        staff = current_staff(app)
        require_reader(staff)
        return staff

    def params() -> dict[str, str]:
        return dict(current_request(app).query_params or {})

    @app.route(SEARCH_ROUTE, methods=["GET"])
    @endpoint(obs)
    def search_requests() -> Response:
        """A page of the requests the filters find, in the caller's scope, with their points."""
        staff = reader()
        page = request_search(desk.get()).page(staff, SearchQuery.model_validate(params()))
        obs.logger.info(
            "Requests searched",
            path=page.access_path,
            items=len(page.items),
            more=page.next_cursor is not None,
        )
        return Response(
            body=page.model_dump(mode="json"),
            status_code=200,
            headers={**JSON, "Cache-Control": "no-store"},
        )

    @app.route(EXPORT_ROUTE, methods=["GET"])
    @endpoint(obs)
    def export_requests() -> Response:
        """Every request the filters find, as CSV or xlsx, capped and recorded."""
        staff = reader()
        given = params()
        chosen = export_format(given)
        query = SearchQuery.model_validate(given)
        found = request_search(desk.get()).every(staff, query, EXPORT_CAP)
        rows = export_rows(found)
        app_state = desk.get()
        ExportLog(app_state.table, app_state.clock).record(
            staff,
            route=EXPORT_ROUTE,
            export_format=chosen,
            rows=len(rows),
            filters=query.audited_filters(),
        )
        if query.applicant is not None:
            app_state.access_log.record(
                staff, query.applicant, route=EXPORT_ROUTE, reason=AccessReason.EXPORT
            )
        body: Any = (
            export_csv(rows, query.lang)
            if chosen is ExportFormat.CSV
            else export_xlsx(rows, query.lang)
        )
        obs.logger.info("Requests exported", rows=len(rows), format=chosen.value)
        name = export_filename(chosen, app_state.now())
        return Response(
            body=body,
            status_code=200,
            headers={
                "Content-Type": chosen.media_type,
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "X-Export-Rows": str(len(rows)),
            },
        )

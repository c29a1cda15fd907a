"""Writes yesterday's open-data rows to the open-data bucket, once a day."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra import observability
from finestra.insights.export import OpenDataExportApp, OpenDataExportSettings
from finestra.runtime import Lazy

obs = observability.build("open_data_export")
app = Lazy(lambda: OpenDataExportApp(OpenDataExportSettings()))


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Export the city's yesterday; the day and the row count are logged, never a row."""
    app.get().bind(context)
    exported = app.get().exporter.export(app.get().yesterday())
    obs.logger.info("Open data exported", day=exported.day.isoformat(), rows=exported.rows)
    obs.count("OpenDataRowsExported", exported.rows)
    return {"day": exported.day.isoformat(), "rows": exported.rows}

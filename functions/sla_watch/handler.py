"""The SLA watch, run on a schedule: raise requests about to breach and breached."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra import observability
from finestra.apps.sla import SlaWatchApp
from finestra.runtime import Lazy
from finestra.settings import SlaWatchSettings

obs = observability.build("sla_watch")
app = Lazy(lambda: SlaWatchApp(SlaWatchSettings()))


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """One sweep of the due-time index."""
    sweep = app.get().watch.sweep()
    obs.count("SlaNear", sweep.near)
    obs.count("SlaBreached", sweep.breached)
    obs.logger.info("SLA sweep done", **sweep.model_dump())
    return sweep.model_dump()

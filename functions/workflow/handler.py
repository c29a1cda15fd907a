"""The request workflow's tasks: Step Functions calls this once per state."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra import observability
from finestra.apps.workflow import WorkflowApp
from finestra.runtime import Lazy
from finestra.settings import WorkflowSettings

obs = observability.build("workflow")
app = Lazy(lambda: WorkflowApp(WorkflowSettings()))


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Run the task the state names; an error fails the state for its Retry and Catch."""
    obs.logger.append_keys(
        reference=event.get("reference"), task=event.get("task"), system=event.get("system")
    )
    try:
        task, result = app.get().run(event)
    except Exception as exc:
        obs.count("WorkflowTaskFailed")
        obs.logger.info("Task failed", error_type=type(exc).__name__)
        raise
    obs.count(f"Workflow{task.title().replace('_', '')}")
    obs.logger.info("Task done", outcome={k: v for k, v in result.items() if k != "data"})
    return result

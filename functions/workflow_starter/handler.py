"""Starts the request workflow for each new request on the table's stream."""

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra import observability
from finestra.apps.starter import StarterApp
from finestra.runtime import Lazy
from finestra.settings import StarterSettings

obs = observability.build("workflow_starter")
app = Lazy(lambda: StarterApp(StarterSettings()))
processor = BatchProcessor(
    event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False
)


def start(record: DynamoDBRecord) -> None:
    """Start the workflow of one new request."""
    started = app.get().start(record.raw_event)
    if started is not None:
        obs.count("WorkflowStarted")
        obs.logger.info("Workflow started", reference=started.reference)


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process a batch; a failed record is retried, then goes to the on-failure queue."""
    app.get().bind(context)
    return dict(
        process_partial_response(
            event=event, record_handler=start, processor=processor, context=context
        )
    )

"""Follows the table's stream: report counters and every other consumer, each change once."""

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
from finestra.runtime import Lazy
from finestra.stats.app import StatsApp, StatsSettings

obs = observability.build("stats")
app = Lazy(lambda: StatsApp(StatsSettings()))
processor = BatchProcessor(
    event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False
)


def count(record: DynamoDBRecord) -> None:
    """Hand one change to every consumer; a failure is logged, counted and raised again."""
    sequence_number = record.dynamodb.sequence_number if record.dynamodb else None
    for consumer in app.get().consumers:
        try:
            outcome = consumer.handle(record.raw_event)
        except Exception as exc:
            obs.count("StatsRecordFailed")
            obs.logger.exception(
                "Change not counted",
                consumer=type(consumer).__name__,
                sequence_number=sequence_number,
                error_type=type(exc).__name__,
            )
            raise
        if outcome is None:
            continue
        if outcome.metric:
            obs.count(outcome.metric)
        details: dict[str, Any] = {
            "consumer": outcome.consumer,
            "outcome": outcome.outcome,
            **outcome.fields,
        }
        obs.logger.info("Change counted", **details)


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process a batch; a failed record is retried, then goes to the on-failure queue."""
    app.get().bind(context)
    return dict(
        process_partial_response(
            event=event, record_handler=count, processor=processor, context=context
        )
    )

"""The part every SQS-fed intake shares: one record at a time, failures counted."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra.domain.errors import FinestraError
from finestra.intake.message import IntakeOutcome, IntakeResult
from finestra.observability import Observability


def process_queue(
    event: dict[str, Any],
    context: LambdaContext,
    obs: Observability,
    receive: Callable[[str], IntakeResult],
) -> dict[str, Any]:
    """Hand each record's body to ``receive``; report the failed ones back to SQS.

    A failed record returns to the queue and, after the queue's receive limit, goes to
    its dead-letter queue; each failure raises the ``IntakeFailed`` metric.
    """

    def record_handler(record: SQSRecord) -> None:
        obs.logger.append_keys(sqs_message_id=record.message_id)
        try:
            result = receive(record.body)
        except FinestraError as exc:
            obs.count("IntakeFailed")
            obs.logger.warning(
                "Message refused",
                code=exc.code,
                field=exc.field,
                receive_count=record.attributes.approximate_receive_count,
            )
            raise
        except Exception as exc:
            obs.count("IntakeFailed")
            obs.logger.exception("Message failed", error_type=type(exc).__name__)
            raise
        if result.outcome is IntakeOutcome.REJECTED:
            obs.count("IntakeRejected")
            obs.logger.info("Message rejected and recorded")
            return
        obs.count("IntakeAccepted")
        obs.logger.info(
            "Message accepted",
            outcome=result.outcome.value,
            reference=result.reference,
            citizen_id=result.citizen_id,
        )

    # A batch whose every record failed is still answered record by record, so each
    # record's receive count grows and a poison record reaches the dead-letter queue.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)

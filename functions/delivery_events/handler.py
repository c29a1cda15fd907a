"""Delivery events: SES and End User Messaging SMS events, through SNS and SQS."""

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra import observability
from finestra.apps.base import sns_message
from finestra.campaigns.app import CampaignApp, CampaignSettings
from finestra.campaigns.delivery import read_event
from finestra.domain.errors import FinestraError
from finestra.runtime import Lazy

obs = observability.build("delivery_events")
app = Lazy(lambda: CampaignApp(CampaignSettings()))


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Apply each event to its recipient; a failed record goes back to SQS."""
    events = app.get()
    events.bind(context)

    def record_handler(record: SQSRecord) -> None:
        obs.logger.append_keys(sqs_message_id=record.message_id)
        try:
            message, _ = sns_message(record.body)
            outcome = events.delivery.receive(read_event(message))
        except FinestraError as exc:
            obs.count("DeliveryEventFailed")
            obs.logger.warning("Delivery event refused", code=exc.code, field=exc.field)
            raise
        obs.count("DeliveryEvents", outcome=outcome.outcome, channel=outcome.channel)
        obs.logger.info(
            "Delivery event applied",
            outcome=outcome.outcome,
            kind=outcome.kind,
            channel=outcome.channel,
            campaign_id=outcome.campaign_id,
        )

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)

"""Campaign sender: SQS messages that plan a campaign, send a batch or an invitation."""

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra import observability
from finestra.campaigns.app import CampaignApp, CampaignSettings
from finestra.campaigns.sender import RateLimited
from finestra.domain.errors import FinestraError
from finestra.runtime import Lazy

obs = observability.build("campaign_sender")
app = Lazy(lambda: CampaignApp(CampaignSettings()))


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Work each record; a failed one goes back to SQS, and to the DLQ after its limit."""
    campaigns = app.get()
    campaigns.bind(context)

    def record_handler(record: SQSRecord) -> None:
        obs.logger.append_keys(sqs_message_id=record.message_id)
        try:
            work = campaigns.receive(record.body, context.get_remaining_time_in_millis)
        except RateLimited:
            obs.count("CampaignRateLimited")
            obs.logger.info("Rate cap reached; message handed back")
            raise
        except FinestraError as exc:
            obs.count("CampaignMessageFailed")
            obs.logger.warning("Campaign message refused", code=exc.code, field=exc.field)
            raise
        obs.count("CampaignMessagesSent", work.sent)
        obs.count("CampaignMessagesFailed", work.failed)
        obs.count("CampaignOptedOut", work.opted_out)
        obs.count("CampaignRateWaits", work.waits)
        obs.logger.info(
            "Campaign message worked",
            kind=work.kind,
            outcome=work.outcome,
            campaign_id=work.campaign_id,
            sent=work.sent,
            failed=work.failed,
            opted_out=work.opted_out,
        )

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)

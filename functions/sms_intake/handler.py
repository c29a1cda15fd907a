"""SMS intake: SQS records carrying End User Messaging's inbound SMS through SNS."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra import observability
from finestra.apps.sms import SmsApp
from finestra.runtime import Lazy
from finestra.settings import SmsSettings
from finestra.sqs import process_queue

obs = observability.build("sms_intake")
app = Lazy(lambda: SmsApp(SmsSettings()))


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process a batch; failed records are reported back to SQS for retry."""
    sms = app.get()
    sms.bind(context)
    return process_queue(event, context, obs, sms.receive)

"""Email intake: SQS records carrying SES receipt notifications through SNS."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra import observability
from finestra.apps.email import EmailApp
from finestra.runtime import Lazy
from finestra.settings import EmailSettings
from finestra.sqs import process_queue

obs = observability.build("email_intake")
app = Lazy(lambda: EmailApp(EmailSettings()))


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process a batch; failed records are reported back to SQS for retry."""
    mail = app.get()
    mail.bind(context)
    return process_queue(event, context, obs, mail.receive)

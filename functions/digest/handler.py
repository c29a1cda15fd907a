"""Sends each subscribed group's daily digest, once per group and city day."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra import observability
from finestra.apps.digest import DigestApp, DigestSettings
from finestra.runtime import Lazy

obs = observability.build("digest")
app = Lazy(lambda: DigestApp(DigestSettings()))


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Send what is due; the outcome of each group is logged and counted, never its content."""
    app.get().bind(context)
    outcomes = app.get().sender.send_due()
    sent = [o for o in outcomes if o.outcome == "sent"]
    for outcome in sent:
        obs.logger.info("Digest sent", group=outcome.group, messages=outcome.messages)
    obs.count("DigestsSent", len(sent))
    return {"sent": len(sent), "groups": len(outcomes)}

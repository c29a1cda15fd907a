"""Campaign ticker, every five minutes: starts, re-queues and completes campaigns."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from finestra import observability
from finestra.campaigns.app import CampaignApp, CampaignSettings
from finestra.runtime import Lazy

obs = observability.build("campaign_ticker")
app = Lazy(lambda: CampaignApp(CampaignSettings()))


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Do what is due; the counts are logged and measured."""
    app.get().bind(context)
    outcome = app.get().ticker.tick()
    obs.logger.info("Campaign tick", **outcome.model_dump())
    obs.count("CampaignsStarted", outcome.started)
    obs.count("CampaignsCompleted", outcome.completed)
    obs.count("CampaignBatchesRequeued", outcome.requeued)
    obs.count("SatisfactionInvitationsQueued", outcome.invitations)
    return outcome.model_dump()

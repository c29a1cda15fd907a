"""Voice intake: Amazon Connect's contact-flow event, answered with flat attributes."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from finestra import observability
from finestra.apps.voice import VoiceApp
from finestra.channels.voice import error_attributes
from finestra.domain.errors import FinestraError
from finestra.runtime import Lazy
from finestra.settings import VoiceSettings

obs = observability.build("voice_intake")
app = Lazy(lambda: VoiceApp(VoiceSettings()))


@obs.logger.inject_lambda_context(clear_state=True)
@obs.metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    """Look the caller up, or open the request the flow collected."""
    voice = app.get()
    voice.bind(context)
    try:
        operation, answer = voice.answer(event)
    except (ValidationError, FinestraError) as exc:
        answer = error_attributes(exc)
        obs.count("IntakeFailed")
        obs.logger.info("Call refused", code=answer["error_code"], field=answer["error_field"])
        return answer
    obs.count("IntakeAccepted")
    obs.logger.info(
        "Call handled",
        operation=operation,
        found=answer.get("found"),
        reference=answer.get("reference"),
    )
    return answer

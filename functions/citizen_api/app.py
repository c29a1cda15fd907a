"""The citizen API (Chalice): file a request, track it, list the themes."""

from chalice.app import Chalice, Response

from finestra import observability
from finestra.apps import citizen_campaigns, citizen_surveys, open311
from finestra.apps.web import WebApp
from finestra.channels.web import RequestForm, WebDelivery
from finestra.domain.errors import ValidationFailed
from finestra.domain.vocabulary import Language
from finestra.http import JSON, current_request, endpoint, install, parse_body
from finestra.runtime import Lazy
from finestra.settings import WebSettings

obs = observability.build("citizen_api")
app = Chalice(app_name="finestra-citizen-api")
app.debug = False
install(app, obs)
web = Lazy(lambda: WebApp(WebSettings()))
citizen_surveys.install_routes(app, obs, web)
citizen_campaigns.install_routes(app, obs, web)
open311.install_routes(app, obs, web)


@app.route("/api/v1/themes", methods=["GET"])
@endpoint(obs)
def list_themes() -> Response:
    """The themes a citizen can choose, in the language asked for."""
    params: dict[str, str] = dict(current_request(app).query_params or {})
    try:
        language = Language(params.get("lang", "ca"))
    except ValueError:
        raise ValidationFailed("must be ca, es or en", field="lang") from None
    themes = web.get().themes(language)
    body = {"themes": [t.model_dump(mode="json") for t in themes]}
    return Response(body=body, status_code=200, headers={**JSON, "Cache-Control": "max-age=300"})


@app.route("/api/v1/requests", methods=["POST"], content_types=["application/json"])
@endpoint(obs)
def create_request() -> Response:
    """File a request; the ``Idempotency-Key`` header makes a retry harmless."""
    request = current_request(app)
    site = web.get()
    site.bind(app.lambda_context)
    form = parse_body(request, RequestForm)
    key = request.headers.get("idempotency-key") or request.context["requestId"]
    delivery = WebDelivery(provider_message_id=f"web-{key}", received_at=site.now(), form=form)
    result = site.submit(delivery)
    obs.logger.info("Request filed", reference=result.reference, citizen_id=result.citizen_id)
    body = {
        "reference": result.reference,
        "state": result.state,
        "tracking_token": result.tracking_token,
    }
    location = f"/api/v1/requests/{result.reference}"
    return Response(body=body, status_code=201, headers={**JSON, "Location": location})


@app.route("/api/v1/requests/{reference}", methods=["GET"])
@endpoint(obs)
def track_request(reference: str) -> Response:
    """A request's public state, for whoever holds its tracking token."""
    token = current_request(app).headers.get("x-tracking-token")
    if not token:
        raise ValidationFailed("is required", field="X-Tracking-Token")
    tracked = web.get().track(reference, token)
    return Response(
        body=tracked.model_dump(mode="json"),
        status_code=200,
        headers={**JSON, "Cache-Control": "no-store"},
    )

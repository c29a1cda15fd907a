"""The social-media webhook (Chalice): subscription challenge and signed deliveries."""

from chalice.app import Chalice, Response

from finestra import observability
from finestra.apps.social import SocialApp
from finestra.channels.social import answer_challenge, items_of, verify_signature
from finestra.http import JSON, current_request, endpoint, install, raw_body
from finestra.runtime import Lazy
from finestra.settings import SocialSettings

obs = observability.build("social_webhook")
app = Chalice(app_name="finestra-social-webhook")
app.debug = False
install(app, obs)
social = Lazy(lambda: SocialApp(SocialSettings()))


@app.route("/api/webhooks/social", methods=["GET"])
@endpoint(obs)
def challenge() -> Response:
    """Answer the platform's subscription check with its challenge."""
    params: dict[str, str] = dict(current_request(app).query_params or {})
    answer = answer_challenge(social.get().verify_token, params)
    return Response(body=answer, status_code=200, headers={"Content-Type": "text/plain"})


@app.route("/api/webhooks/social", methods=["POST"], content_types=["application/json"])
@endpoint(obs)
def deliver() -> Response:
    """Verify the delivery's signature, then write each post or message once."""
    request = current_request(app)
    hook = social.get()
    hook.bind(app.lambda_context)
    body = raw_body(request)
    verify_signature(hook.app_secret, body, request.headers.get("x-hub-signature-256"))
    results = [hook.receive(item) for item in items_of(body)]
    if results:
        obs.count("IntakeAccepted", len(results))
    obs.logger.info(
        "Delivery received",
        items=len(results),
        references=[r.reference for r in results if r.reference],
    )
    return Response(body={"received": len(results)}, status_code=200, headers=dict(JSON))

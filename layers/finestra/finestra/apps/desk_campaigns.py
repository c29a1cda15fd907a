"""The desk API's campaigns: drafts, the estimate, launch, pause, resume, cancel, recipients.

Campaign managers and administrators only. Answers name citizens by id, with their
recipient state, channel and time; never a contact point or a name. The action routes
(``…/launch``, ``/pause``, ``/resume``, ``/cancel``) take ``{"version"}`` and answer
409 when the campaign's state does not allow the action or it changed since it was read.
"""

from collections.abc import Callable
from typing import Final

from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict, Field

from finestra.apps.desk import DeskApp
from finestra.auth import Role, Staff
from finestra.campaigns.manage import CampaignChange, CampaignDesk, Prices, RecipientPage
from finestra.campaigns.queue import CampaignQueue
from finestra.campaigns.store import CampaignStore
from finestra.domain.campaign import CampaignDraft, RecipientState
from finestra.domain.errors import ValidationFailed
from finestra.http import JSON, current_request, current_staff, endpoint, parse_body
from finestra.observability import Observability
from finestra.runtime import Lazy
from finestra.segments import SegmentEvaluator, SegmentStore

__all__ = [
    "CAMPAIGNS_ROUTE",
    "CAMPAIGN_CANCEL_ROUTE",
    "CAMPAIGN_ESTIMATE_ROUTE",
    "CAMPAIGN_LAUNCH_ROUTE",
    "CAMPAIGN_PAUSE_ROUTE",
    "CAMPAIGN_RECIPIENTS_ROUTE",
    "CAMPAIGN_RESUME_ROUTE",
    "CAMPAIGN_ROUTE",
    "install_routes",
]

PREFIX: Final = "/api/desk/v1"
CAMPAIGNS_ROUTE: Final = f"{PREFIX}/campaigns"
CAMPAIGN_ROUTE: Final = f"{PREFIX}/campaigns/{{campaign_id}}"
CAMPAIGN_ESTIMATE_ROUTE: Final = f"{PREFIX}/campaigns/{{campaign_id}}/estimate"
CAMPAIGN_LAUNCH_ROUTE: Final = f"{PREFIX}/campaigns/{{campaign_id}}/launch"
CAMPAIGN_PAUSE_ROUTE: Final = f"{PREFIX}/campaigns/{{campaign_id}}/pause"
CAMPAIGN_RESUME_ROUTE: Final = f"{PREFIX}/campaigns/{{campaign_id}}/resume"
CAMPAIGN_CANCEL_ROUTE: Final = f"{PREFIX}/campaigns/{{campaign_id}}/cancel"
CAMPAIGN_RECIPIENTS_ROUTE: Final = f"{PREFIX}/campaigns/{{campaign_id}}/recipients"
CAMPAIGN_ROLES: Final = (Role.CAMPAIGN_MANAGER, Role.ADMINISTRATOR)
JSON_ONLY: Final = ["application/json"]


class ActionOrder(BaseModel):
    """A state change, on the version last read."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


def campaign_desk(desk: DeskApp) -> CampaignDesk:
    """The campaign actions on the desk's table, clock and settings."""
    settings, table = desk.settings, desk.table
    segments = SegmentStore(table, desk.clock)
    evaluator = SegmentEvaluator(table, desk.catalogue)
    queue = (
        CampaignQueue(desk.clients.get("sqs"), settings.campaign_queue_url)
        if settings.campaign_queue_url
        else None
    )
    prices = Prices(
        sms_segment_eur=settings.sms_segment_price_eur,
        email_eur=settings.email_price_usd_per_thousand * settings.eur_per_usd / 1000,
    )
    return CampaignDesk(
        CampaignStore(table),
        queue=queue,
        definition=lambda segment_id: segments.get(segment_id).definition,
        preview=lambda definition: evaluator.preview(definition, sample=0),
        prices=prices,
        clock=desk.clock,
    )


def _answer(body: object, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={**JSON, "Cache-Control": "no-store"})


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the campaign routes to the desk API."""
    campaigns = Lazy(lambda: campaign_desk(desk.get()))

    def managing() -> Staff:
        staff = current_staff(app)
        staff.require(*CAMPAIGN_ROLES)
        return staff

    @app.route(CAMPAIGNS_ROUTE, methods=["GET"])
    @endpoint(obs)
    def list_campaigns() -> Response:
        """Every campaign with its state and counts."""
        managing()
        listed = [c.model_dump(mode="json") for c in campaigns.get().every()]
        return _answer({"campaigns": listed})

    @app.route(CAMPAIGNS_ROUTE, methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def create_campaign() -> Response:
        """Store a new draft."""
        staff = managing()
        draft = parse_body(current_request(app), CampaignDraft)
        created = campaigns.get().create(draft, staff.user_id)
        obs.logger.info("Campaign created", campaign_id=created.id)
        return _answer(created.model_dump(mode="json"), 201)

    _action_routes(app, obs, campaigns, managing)

    @app.route(CAMPAIGN_ROUTE, methods=["GET"])
    @endpoint(obs)
    def get_campaign(campaign_id: str) -> Response:
        """One campaign, with its counts per recipient state."""
        managing()
        return _answer(campaigns.get().get(campaign_id).model_dump(mode="json"))

    @app.route(CAMPAIGN_ROUTE, methods=["PUT"], content_types=JSON_ONLY)
    @endpoint(obs)
    def edit_campaign(campaign_id: str) -> Response:
        """Replace a draft's content, on its version."""
        managing()
        change = parse_body(current_request(app), CampaignChange)
        edited = campaigns.get().edit(campaign_id, change)
        obs.logger.info("Campaign edited", campaign_id=campaign_id, version=edited.version)
        return _answer(edited.model_dump(mode="json"))

    @app.route(CAMPAIGN_ESTIMATE_ROUTE, methods=["POST"])
    @endpoint(obs)
    def estimate_campaign(campaign_id: str) -> Response:
        """SMS segments and encoding per language, recipients per channel, the cost."""
        managing()
        return _answer(campaigns.get().estimate(campaign_id).model_dump(mode="json"))

    @app.route(CAMPAIGN_RECIPIENTS_ROUTE, methods=["GET"])
    @endpoint(obs)
    def list_recipients(campaign_id: str) -> Response:
        """A page of recipients: citizen id, state, channel and when."""
        managing()
        query: dict[str, str] = dict(current_request(app).query_params or {})
        state, batch = _state(query.get("state")), _number(query.get("batch"), "batch")
        return _answer(_page_view(campaigns.get().recipients(campaign_id, state, batch)))


def _action_routes(
    app: Chalice, obs: Observability, campaigns: Lazy[CampaignDesk], managing: Callable[[], Staff]
) -> None:
    def act(campaign_id: str, action: str) -> Response:
        managing()
        order = parse_body(current_request(app), ActionOrder)
        moved = campaigns.get().act(campaign_id, action, order.version)
        obs.logger.info(
            "Campaign moved", campaign_id=campaign_id, action=action, state=moved.state.value
        )
        obs.count("CampaignActions", action=action)
        return _answer(moved.model_dump(mode="json"))

    @app.route(CAMPAIGN_LAUNCH_ROUTE, methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def launch_campaign(campaign_id: str) -> Response:
        """Launch a draft: plan it now, or schedule it for its ``starts_at``."""
        return act(campaign_id, "launch")

    @app.route(CAMPAIGN_PAUSE_ROUTE, methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def pause_campaign(campaign_id: str) -> Response:
        """Pause a running or scheduled campaign; batches in flight stop at once."""
        return act(campaign_id, "pause")

    @app.route(CAMPAIGN_RESUME_ROUTE, methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def resume_campaign(campaign_id: str) -> Response:
        """Resume a paused campaign; the ticker queues its held batches again."""
        return act(campaign_id, "resume")

    @app.route(CAMPAIGN_CANCEL_ROUTE, methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def cancel_campaign(campaign_id: str) -> Response:
        """Cancel a campaign that has not ended; nothing more is sent."""
        return act(campaign_id, "cancel")


def _page_view(page: RecipientPage) -> dict[str, object]:
    return {
        "recipients": [
            {
                "citizen_id": r.citizen_id,
                "state": r.state.value,
                "channel": r.channel,
                "at": r.at.isoformat(),
            }
            for r in page.recipients
        ],
        "next_batch": page.next_batch,
    }


def _state(value: str | None) -> RecipientState | None:
    if not value:
        return None
    try:
        return RecipientState(value)
    except ValueError as exc:
        raise ValidationFailed("is not a recipient state", field="state") from exc


def _number(value: str | None, field: str) -> int:
    if not value:
        return 0
    if not value.isdigit() or len(value) > 7:
        raise ValidationFailed("is not a batch number", field=field)
    return int(value)

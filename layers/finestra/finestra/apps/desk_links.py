"""The desk API's links between requests: join, unjoin, answer the joined, split, claim.

Each view reads the caller and the body, calls one :class:`LinkService` function and
answers its result; role and scope are checked here by the caller's role, and again by
the service on every request it touches. Cancelling as a duplicate is a move
(``POST …/transitions`` with ``duplicate_of``), in :mod:`finestra.apps.desk_requests`.
"""

from typing import Final

from chalice.app import Chalice, Response
from pydantic import BaseModel

from finestra.apps.desk import DeskApp
from finestra.apps.desk_requests import link_service, request_actions, settled
from finestra.auth import Staff
from finestra.desk.actions import ACTING_ROLES
from finestra.desk.links import ClaimOrder, JoinOrder, LinkService, SplitOrder
from finestra.http import JSON, current_request, current_staff, endpoint, parse_body
from finestra.observability import Observability
from finestra.runtime import Lazy

PREFIX: Final = "/api/desk/v1/requests/{reference}"
JSON_ONLY: Final = ["application/json"]


def _answer(result: BaseModel, status: int = 200) -> Response:
    return Response(
        body=result.model_dump(mode="json"),
        status_code=status,
        headers={**JSON, "Cache-Control": "no-store"},
    )


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the link routes to the desk API."""

    def build() -> LinkService:
        built = desk.get()
        return link_service(built, request_actions(built, obs))

    links = Lazy(build)

    def acting() -> Staff:
        staff = current_staff(app)
        staff.require(*ACTING_ROLES)
        return staff

    def bind() -> None:
        links.get()
        desk.get().bind(app.lambda_context)

    def idempotency_key() -> str:
        request = current_request(app)
        bind()
        return str(request.headers.get("idempotency-key") or request.context["requestId"])

    @app.route(f"{PREFIX}/join", methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def join_request(reference: str) -> Response:
        """Join a request to the principal request that survives it."""
        staff = acting()
        order = parse_body(current_request(app), JoinOrder)
        view = links.get().join(staff, reference, order)
        obs.logger.info("Request joined", reference=reference, principal=order.into)
        return _answer(view)

    @app.route(f"{PREFIX}/join", methods=["DELETE"])
    @endpoint(obs)
    def unjoin_request(reference: str) -> Response:
        """Undo a request's join, before either request has ended."""
        staff = acting()
        view = links.get().unjoin(staff, reference)
        obs.logger.info("Request unjoined", reference=reference)
        return _answer(view)

    @app.route(f"{PREFIX}/joined/answers", methods=["POST"])
    @endpoint(obs)
    def answer_joined(reference: str) -> Response:
        """Answer again the applicants of an ended principal whose answer did not go."""
        staff = acting()
        bind()
        outcomes = settled(lambda: links.get().answer_joined(staff, reference))
        failed = sum(1 for item in outcomes.items if not item.sent)
        obs.logger.info("Joined answered", reference=reference, failed=failed)
        return _answer(outcomes)

    @app.route(f"{PREFIX}/split", methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def split_request(reference: str) -> Response:
        """Make linked requests of the problems one citizen message raises."""
        staff = acting()
        order = parse_body(current_request(app), SplitOrder)
        key = idempotency_key()
        view = settled(lambda: links.get().split(staff, reference, order, idempotency_key=key))
        obs.logger.info("Request split", reference=reference, parts=len(view.parts))
        return _answer(view, 201)

    @app.route(f"{PREFIX}/claim", methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def claim_request(reference: str) -> Response:
        """Open a claim against a closed or cancelled request, within 60 days."""
        staff = acting()
        order = parse_body(current_request(app), ClaimOrder)
        key = idempotency_key()
        receipt = settled(lambda: links.get().claim(staff, reference, order, idempotency_key=key))
        obs.logger.info("Request claimed", reference=reference, claim=receipt.reference)
        obs.count("DeskClaims")
        response = _answer(receipt, 201)
        response.headers["Location"] = f"/api/desk/v1/requests/{receipt.reference}"
        return response

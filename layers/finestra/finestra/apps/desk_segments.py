"""The desk API's segments: saved definitions of groups of citizens, and their preview.

Campaign managers and administrators only. A preview shows citizens by id, district,
neighbourhood and language, and how many can be reached on each channel for each
purpose; never a name or a contact point. ``/segments/preview`` is a static segment
where the single-segment routes have ``{segment_id}``, and only ``POST`` is declared on
it, so neither API Gateway nor Chalice takes one for the other.
"""

from typing import Final

from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict, Field

from finestra.apps.desk import DeskApp
from finestra.auth import Role, Staff
from finestra.campaigns.store import CampaignStore
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import ValidationFailed
from finestra.domain.segment import SegmentDefinition
from finestra.http import JSON, current_request, current_staff, endpoint, parse_body
from finestra.observability import Observability
from finestra.runtime import Lazy
from finestra.segments import SegmentDraft, SegmentEvaluator, SegmentStore

__all__ = ["SEGMENTS_ROUTE", "SEGMENT_PREVIEW_ROUTE", "SEGMENT_ROUTE", "install_routes"]

PREFIX: Final = "/api/desk/v1"
SEGMENTS_ROUTE: Final = f"{PREFIX}/segments"
SEGMENT_ROUTE: Final = f"{PREFIX}/segments/{{segment_id}}"
SEGMENT_PREVIEW_ROUTE: Final = f"{PREFIX}/segments/preview"
JSON_ONLY: Final = ["application/json"]
SEGMENT_ROLES: Final = (Role.CAMPAIGN_MANAGER, Role.ADMINISTRATOR)
SAMPLE: Final = 10


class PreviewOrder(BaseModel):
    """What a preview is asked for."""

    model_config = ConfigDict(extra="forbid")

    definition: SegmentDefinition
    sample: int = Field(default=SAMPLE, ge=0, le=50)


class SegmentChange(SegmentDraft):
    """A segment's new name, description and definition, on the version last read."""

    version: int = Field(ge=1)


def _checked(definition: SegmentDefinition, catalogue: Catalogue) -> None:
    try:
        definition.check(catalogue)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field=f"definition.{exc.field}") from exc


def _answer(body: object, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={**JSON, "Cache-Control": "no-store"})


def install_routes(app: Chalice, obs: Observability, desk: Lazy[DeskApp]) -> None:
    """Add the segment list, create, read, change, delete and preview to the desk API."""
    store = Lazy(lambda: SegmentStore(desk.get().table, desk.get().clock))
    evaluator = Lazy(lambda: SegmentEvaluator(desk.get().table, desk.get().catalogue))
    campaigns = Lazy(lambda: CampaignStore(desk.get().table))

    def managing() -> Staff:
        staff = current_staff(app)
        staff.require(*SEGMENT_ROLES)
        return staff

    @app.route(SEGMENTS_ROUTE, methods=["GET"])
    @endpoint(obs)
    def list_segments() -> Response:
        """Every saved segment: id, name, description and when it last changed."""
        managing()
        listed = [s.model_dump(mode="json") for s in store.get().list()]
        return _answer({"segments": listed})

    @app.route(SEGMENTS_ROUTE, methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def create_segment() -> Response:
        """Save a new segment; its codes are checked against the catalogue."""
        staff = managing()
        draft = parse_body(current_request(app), SegmentDraft)
        _checked(draft.definition, desk.get().catalogue)
        segment = store.get().create(draft, staff.user_id)
        obs.logger.info("Segment created", segment_id=segment.id)
        obs.count("SegmentsChanged", action="create")
        return _answer(segment.model_dump(mode="json"), 201)

    @app.route(SEGMENT_PREVIEW_ROUTE, methods=["POST"], content_types=JSON_ONLY)
    @endpoint(obs)
    def preview_segment() -> Response:
        """How many citizens a definition holds, a sample of them, and what it cost."""
        managing()
        order = parse_body(current_request(app), PreviewOrder)
        _checked(order.definition, desk.get().catalogue)
        preview = evaluator.get().preview(order.definition, sample=order.sample)
        obs.logger.info(
            "Segment previewed", count=preview.count, reads=preview.reads, units=preview.read_units
        )
        obs.count("SegmentPreviewReads", preview.reads)
        return _answer(preview.model_dump(mode="json"))

    @app.route(SEGMENT_ROUTE, methods=["GET"])
    @endpoint(obs)
    def get_segment(segment_id: str) -> Response:
        """One saved segment."""
        managing()
        return _answer(store.get().get(segment_id).model_dump(mode="json"))

    @app.route(SEGMENT_ROUTE, methods=["PUT"], content_types=JSON_ONLY)
    @endpoint(obs)
    def change_segment(segment_id: str) -> Response:
        """Change a segment on the version last read; 409 when it changed meanwhile."""
        managing()
        change = parse_body(current_request(app), SegmentChange)
        _checked(change.definition, desk.get().catalogue)
        draft = SegmentDraft(
            name=change.name, description=change.description, definition=change.definition
        )
        segment = store.get().update(segment_id, draft, change.version)
        obs.logger.info("Segment changed", segment_id=segment.id, version=segment.version)
        obs.count("SegmentsChanged", action="update")
        return _answer(segment.model_dump(mode="json"))

    @app.route(SEGMENT_ROUTE, methods=["DELETE"])
    @endpoint(obs)
    def delete_segment(segment_id: str) -> Response:
        """Delete a segment; 409 while a campaign that has not ended uses it."""
        managing()
        store.get().delete(segment_id, campaigns.get().uses_segment)
        obs.logger.info("Segment deleted", segment_id=segment_id)
        obs.count("SegmentsChanged", action="delete")
        return Response(body="", status_code=204, headers={"Cache-Control": "no-store"})

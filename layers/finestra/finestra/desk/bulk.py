"""Bulk work from a worklist: validate or reassign up to :data:`MAX_BULK` requests at once.

Each request of the list goes through the same single-request action the desk offers
(:meth:`RequestActions.transition` and :meth:`RequestActions.reassign`), with its role,
scope, lock and version checks, in its own transaction. Each is reported on its own:
the request as it now stands, or the refusal's code and sentence. A refusal does not
stop the rest. An error that is not a refusal (the table unreachable) stops the list
where it happened; the requests before it stay done, and sending the list again
reports them as no longer pending validation, so a repeat changes nothing twice.

Validating moves a request pending validation to the next state of its theme's
process (planned, in resolution, externally processed, or closed for a theme closed on
the spot), or to the state the order names if the process allows it.
"""

from collections import Counter
from collections.abc import Callable
from typing import Annotated, Final, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from finestra.auth import Staff
from finestra.desk.actions import (
    ACTING_ROLES,
    AssignmentOrder,
    Reason,
    RequestActions,
    RequestSummary,
    StaffId,
    TransitionOrder,
)
from finestra.desk.views import DeskViews
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Conflict, FinestraError, NotFound, ValidationFailed
from finestra.domain.process import PATHS
from finestra.domain.request import Request
from finestra.domain.vocabulary import RequestState

__all__ = [
    "MAX_BULK",
    "BulkError",
    "BulkOutcome",
    "BulkReassignOrder",
    "BulkResult",
    "BulkValidateOrder",
    "BulkWork",
    "next_state",
]

MAX_BULK: Final = 50
"""The most requests one bulk action takes."""

NOT_VALIDATIONS: Final = frozenset(
    {RequestState.PENDING_VALIDATION, RequestState.CANCELLED, RequestState.NOT_PROCESSED}
)
"""States a validation never moves to: cancelling or refusing is done one at a time."""

BulkReference = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class _BulkOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    references: list[BulkReference] = Field(min_length=1, max_length=MAX_BULK)

    @model_validator(mode="after")
    def _each_once(self) -> Self:
        repeated = sorted(ref for ref, seen in Counter(self.references).items() if seen > 1)
        if repeated:
            raise ValidationFailed(
                f"names {', '.join(repeated)} more than once", field="references"
            )
        return self


class BulkValidateOrder(_BulkOrder):
    """Validate requests pending validation: to the process's next state, or to ``to``."""

    to: RequestState | None = None
    reason: Reason | None = None

    @model_validator(mode="after")
    def _forward(self) -> Self:
        if self.to in NOT_VALIDATIONS:
            raise ValidationFailed(
                "is not a validation; cancel or refuse requests one at a time", field="to"
            )
        return self


class BulkReassignOrder(_BulkOrder):
    """Give requests to a responsible group, and to one of its agents or nobody, with why."""

    group: str = Field(min_length=1, max_length=80)
    agent: StaffId | None = None
    reason: Reason


class BulkError(BaseModel):
    """Why one request of the list was not changed."""

    code: str = Field(description="not_found, forbidden, locked, conflict, invalid_request, …")
    message: str
    field: str | None = None


class BulkOutcome(BaseModel):
    """What became of one request of the list."""

    reference: str
    ok: bool
    request: RequestSummary | None = Field(default=None, description="as it now stands")
    error: BulkError | None = None


class BulkResult(BaseModel):
    """Every request of the list, in the order given, with how many were done."""

    done: int
    failed: int
    items: list[BulkOutcome]


def next_state(request: Request, catalogue: Catalogue) -> RequestState:
    """The state validating ``request`` moves it to: the next of its process's main path.

    Raises
    ------
    ValidationFailed
        When the request has no theme yet (it needs one before it can be validated).
    """
    if request.theme_code is None:
        raise ValidationFailed("has no theme yet; give it one first", field="theme")
    path = PATHS[catalogue.theme(request.theme_code).process]
    return path[path.index(RequestState.PENDING_VALIDATION) + 1]


class BulkWork:
    """Validates and reassigns lists of requests, each through its single-request action.

    Parameters
    ----------
    actions
        The single-request actions, which check role, scope, lock and version.
    views
        Reads each request once, scope checked, to learn its state and theme.
    catalogue
        Gives each theme's process.
    """

    def __init__(self, actions: RequestActions, views: DeskViews, catalogue: Catalogue) -> None:
        self._actions = actions
        self._views = views
        self._catalogue = catalogue

    def validate(self, staff: Staff, order: BulkValidateOrder) -> BulkResult:
        """Move each request pending validation to its next state (or to ``order.to``).

        Cost per request: two ``GetItem`` s (the scope and state read, then the action's
        own) and one transaction of the request, its history entry and its lock's check.
        """
        staff.require(*ACTING_ROLES)
        return self._each(order.references, lambda ref: self._validate_one(staff, ref, order))

    def reassign(self, staff: Staff, order: BulkReassignOrder) -> BulkResult:
        """Give each request to ``order.group`` (and agent), with the reason, one by one.

        Cost per request: one ``GetItem`` and one transaction of the request, its
        history entry and its lock's check.

        Raises
        ------
        ValidationFailed
            When the group is not a responsible group of the catalogue (for the list).
        """
        staff.require(*ACTING_ROLES)
        try:
            self._catalogue.group(order.group)
        except NotFound:
            raise ValidationFailed("is not a responsible group", field="group") from None
        assignment = AssignmentOrder(group=order.group, agent=order.agent, reason=order.reason)
        return self._each(
            order.references, lambda ref: self._actions.reassign(staff, ref, assignment)
        )

    def _validate_one(
        self, staff: Staff, reference: str, order: BulkValidateOrder
    ) -> RequestSummary:
        request = self._views.request_for(staff, reference)
        if request.state is not RequestState.PENDING_VALIDATION:
            raise Conflict(
                f"is {request.state.value}; only a request pending validation is validated",
                field="state",
            )
        target = order.to or next_state(request, self._catalogue)
        move = TransitionOrder(to=target, reason=order.reason)
        return self._actions.transition(staff, request.reference, move)

    @staticmethod
    def _each(references: list[str], act: Callable[[str], RequestSummary]) -> BulkResult:
        outcomes: list[BulkOutcome] = []
        for reference in references:
            try:
                summary = act(reference)
            except FinestraError as exc:
                error = BulkError(code=exc.code, message=exc.message, field=exc.field)
                outcomes.append(BulkOutcome(reference=reference, ok=False, error=error))
                continue
            outcomes.append(BulkOutcome(reference=reference, ok=True, request=summary))
        done = sum(outcome.ok for outcome in outcomes)
        return BulkResult(done=done, failed=len(outcomes) - done, items=outcomes)

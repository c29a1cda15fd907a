"""The views of a group's worklist, each a tab of the desktop with its count.

A view is a set of filters with a name: pending validation (the state), mine (the
request's assigned agent is the caller), about to breach (the SLA's ``near_fraction``
spent, not yet due), breached (due time passed), urgent (the priority), and every open
request. :class:`ViewCounts` counts them all, and each alarm, from one read of the
group's open requests (see :class:`finestra.desk.views.Worklist`).
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, Field

from finestra.domain.alarms import alarms_of
from finestra.domain.vocabulary import Priority, RequestState

__all__ = ["ViewCounts", "WorklistView", "view_filters"]


class WorklistView(StrEnum):
    """The named views of a group's worklist."""

    OPEN = "open"
    PENDING_VALIDATION = "pending_validation"
    MINE = "mine"
    ABOUT_TO_BREACH = "about_to_breach"
    BREACHED = "breached"
    URGENT = "urgent"


_FILTERS: Final[Mapping[WorklistView, Mapping[str, Any]]] = {
    WorklistView.OPEN: {},
    WorklistView.PENDING_VALIDATION: {"state": RequestState.PENDING_VALIDATION},
    WorklistView.MINE: {},
    WorklistView.ABOUT_TO_BREACH: {"sla": "at_risk"},
    WorklistView.BREACHED: {"sla": "breached"},
    WorklistView.URGENT: {"priority": Priority.URGENT},
}


def view_filters(view: WorklistView) -> Mapping[str, Any]:
    """The worklist filters ``view`` stands for (``mine`` adds the caller as agent)."""
    return _FILTERS[view]


class ViewCounts(BaseModel):
    """How many open requests of the group each view shows, and how many carry each alarm."""

    open: int = 0
    pending_validation: int = 0
    mine: int = 0
    about_to_breach: int = 0
    breached: int = 0
    urgent: int = 0
    alarms: dict[str, int] = Field(
        default_factory=dict, description="open requests carrying each alarm raised"
    )

    def add(self, item: Mapping[str, Any], sla: str, user_id: str) -> None:
        """Count one open request of the worklist index, standing ``sla`` against its SLA."""
        self.open += 1
        self.pending_validation += item.get("state") == RequestState.PENDING_VALIDATION.value
        self.mine += item.get("assigned_agent") == user_id
        self.about_to_breach += sla == "at_risk"
        self.breached += sla == "breached"
        self.urgent += item.get("priority") == Priority.URGENT.value
        for alarm in alarms_of(item.get("flags")):
            self.alarms[alarm.value] = self.alarms.get(alarm.value, 0) + 1

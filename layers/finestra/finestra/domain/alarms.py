"""The alarms a request can carry: flags that ask its group to look at it.

An alarm is a word in a request's ``flags``. The intake, the workflow, the SLA watch
and the desk raise them; staff see them on the worklist, filter by them, and clear
one once it is handled, which the request's history records. The words are defined
once here: a module that raises an alarm uses :class:`Alarm` (the older constants
elsewhere, such as ``finestra.workflow.sla.SLA_NEAR``, hold the same words).

Some alarms describe a standing the request keeps while it is open, not an event to
acknowledge: the SLA watch raises ``sla_near`` and ``sla_breached`` again on its next
round if they are lowered, and the workflow reads ``workflow_failed`` to know a request
went to triage. Staff cannot clear those (:data:`STANDING_ALARMS`).
"""

from enum import StrEnum
from typing import Final

__all__ = [
    "ANSWER_PENDING",
    "CLAIMED",
    "CLEARABLE_ALARMS",
    "EXTERNAL_BODY_ANSWERED",
    "REASSIGNED_BACK",
    "STANDING_ALARMS",
    "Alarm",
    "alarms_of",
]


class Alarm(StrEnum):
    """Every alarm a request can carry."""

    CITIZEN_REPLIED = "citizen_replied"
    """The citizen wrote again about the request."""
    CLAIMED = "claimed"
    """The citizen claimed against a closed or cancelled request, which reopened it."""
    REASSIGNED_BACK = "reassigned_back"
    """The request came back to a group that had held it before."""
    SLA_NEAR = "sla_near"
    """Most of the request's SLA is spent (the desk's ``near_fraction``)."""
    SLA_BREACHED = "sla_breached"
    """The request's due time has passed."""
    ANSWER_PENDING = "answer_pending"
    """An answer to the citizen is drafted or due and not yet sent."""
    EXTERNAL_BODY_ANSWERED = "external_body_answered"
    """The external body the request was handed to answered or returned it."""
    LOW_CONFIDENCE = "low_confidence"
    """The classifier was unsure of the theme it chose."""
    POSSIBLE_DUPLICATE = "possible_duplicate"
    """A request of the same theme nearby came in shortly before."""
    POSSIBLE_DUPLICATE_CITIZEN = "possible_duplicate_citizen"
    """The applicant may be a citizen the city already knows under another profile."""
    ACKNOWLEDGEMENT_FAILED = "acknowledgement_failed"
    """The citizen could not be told the request was received."""
    WORKFLOW_FAILED = "workflow_failed"
    """The workflow could not route the request and handed it to triage."""


CLAIMED: Final = Alarm.CLAIMED
REASSIGNED_BACK: Final = Alarm.REASSIGNED_BACK
ANSWER_PENDING: Final = Alarm.ANSWER_PENDING
EXTERNAL_BODY_ANSWERED: Final = Alarm.EXTERNAL_BODY_ANSWERED

STANDING_ALARMS: Final = frozenset({Alarm.SLA_NEAR, Alarm.SLA_BREACHED, Alarm.WORKFLOW_FAILED})
"""Alarms that stand while their cause does; staff cannot clear them."""

CLEARABLE_ALARMS: Final = frozenset(Alarm) - STANDING_ALARMS
"""Alarms staff clear once handled."""

_KNOWN: Final = frozenset(alarm.value for alarm in Alarm)


def alarms_of(flags: object) -> list[Alarm]:
    """The alarms among a request's ``flags``, in the vocabulary's order.

    A flag outside the vocabulary (an internal marker) is not an alarm and is left out.
    """
    if not isinstance(flags, set | frozenset | list | tuple):
        return []
    raised = {str(flag) for flag in flags} & _KNOWN
    return [alarm for alarm in Alarm if alarm.value in raised]

"""The path of states each process allows, defined once and enforced here."""

from collections.abc import Mapping
from itertools import pairwise

from finestra.domain.errors import TransitionRefused
from finestra.domain.vocabulary import Process, RequestState

S = RequestState

PATHS: Mapping[Process, tuple[RequestState, ...]] = {
    Process.IMMEDIATE_CLOSE: (S.PENDING_VALIDATION, S.CLOSED),
    Process.PLAN_RESOLVE_ANSWER: (
        S.PENDING_VALIDATION,
        S.PLANNED,
        S.IN_RESOLUTION,
        S.PENDING_ANSWER,
        S.CLOSED,
    ),
    Process.RESOLVE_ANSWER: (S.PENDING_VALIDATION, S.IN_RESOLUTION, S.PENDING_ANSWER, S.CLOSED),
    Process.EXTERNAL_BODY: (
        S.PENDING_VALIDATION,
        S.EXTERNALLY_PROCESSED,
        S.PENDING_ANSWER,
        S.CLOSED,
    ),
}
"""The main path of each process, from the first state to closed."""

_DETOURS: Mapping[Process, tuple[tuple[RequestState, RequestState], ...]] = {
    Process.IMMEDIATE_CLOSE: (),
    # The answer raised a question: the citizen replied and the work goes on.
    Process.PLAN_RESOLVE_ANSWER: ((S.PENDING_ANSWER, S.IN_RESOLUTION),),
    Process.RESOLVE_ANSWER: ((S.PENDING_ANSWER, S.IN_RESOLUTION),),
    # The external body hands the request back for the city to resolve.
    Process.EXTERNAL_BODY: (
        (S.EXTERNALLY_PROCESSED, S.IN_RESOLUTION),
        (S.IN_RESOLUTION, S.PENDING_ANSWER),
        (S.PENDING_ANSWER, S.IN_RESOLUTION),
    ),
}
"""Moves off the main path that the city's practice needs."""

_OPEN = frozenset(
    {S.PENDING_VALIDATION, S.PLANNED, S.IN_RESOLUTION, S.PENDING_ANSWER, S.EXTERNALLY_PROCESSED}
)


def _build() -> dict[Process, dict[RequestState, frozenset[RequestState]]]:
    table: dict[Process, dict[RequestState, frozenset[RequestState]]] = {}
    for process, path in PATHS.items():
        edges = set(pairwise(path)) | set(_DETOURS[process])
        edges.add((S.PENDING_VALIDATION, S.NOT_PROCESSED))
        visited = {state for edge in edges for state in edge}
        edges |= {(state, S.CANCELLED) for state in _OPEN & visited}
        table[process] = {
            state: frozenset(there for here, there in edges if here is state)
            for state in RequestState
        }
    return table


TRANSITIONS = _build()
"""For each process, the states each state may move to."""


def allowed_targets(process: Process, state: RequestState) -> frozenset[RequestState]:
    """The states a request of ``process`` may move to from ``state``."""
    return TRANSITIONS[process][state]


def check_transition(process: Process, here: RequestState, there: RequestState) -> None:
    """Raise :class:`TransitionRefused` unless ``process`` allows ``here`` → ``there``."""
    if there not in TRANSITIONS[process][here]:
        raise TransitionRefused(
            f"a {process.value} request cannot move from {here.value} to {there.value}",
            field="state",
        )

"""What must hold of each process: the path of states a request may take, and no other."""

from itertools import pairwise

import pytest

from finestra.domain.errors import TransitionRefused
from finestra.domain.process import PATHS, allowed_targets, check_transition
from finestra.domain.vocabulary import FINAL_STATES, Process, RequestState

S = RequestState

MAIN_STEPS = [
    (process, here, there) for process, path in PATHS.items() for here, there in pairwise(path)
]
SKIPS = [
    (process, path[i], path[j])
    for process, path in PATHS.items()
    for i in range(len(path))
    for j in range(i + 2, len(path))
]
FINAL = [(process, state) for process in Process for state in sorted(FINAL_STATES)]


def reachable(process: Process) -> set[RequestState]:
    """Every state a request of ``process`` can reach from its first state."""
    seen = {PATHS[process][0]}
    frontier = [PATHS[process][0]]
    while frontier:
        for there in allowed_targets(process, frontier.pop()):
            if there not in seen:
                seen.add(there)
                frontier.append(there)
    return seen


OPEN = [
    (process, state) for process in Process for state in sorted(reachable(process) - FINAL_STATES)
]


def test_every_process_has_a_main_path_from_pending_validation_to_closed() -> None:
    # given the processes the city uses

    # when their main paths are read
    ends = {process: (path[0], path[-1]) for process, path in PATHS.items()}

    # then each one starts at validation and ends closed
    assert set(ends) == set(Process)
    assert set(ends.values()) == {(S.PENDING_VALIDATION, S.CLOSED)}


@pytest.mark.parametrize(("process", "here", "there"), MAIN_STEPS)
def test_every_step_of_a_process_main_path_is_allowed(
    process: Process, here: RequestState, there: RequestState
) -> None:
    # given a step of the main path

    # when the move is checked
    check_transition(process, here, there)

    # then it is among the targets the process allows
    assert there in allowed_targets(process, here)


@pytest.mark.parametrize(("process", "here", "there"), SKIPS)
def test_a_move_that_skips_a_step_of_the_main_path_is_refused_on_the_state_field(
    process: Process, here: RequestState, there: RequestState
) -> None:
    # given a move that jumps over a state of the main path

    # when the move is checked
    with pytest.raises(TransitionRefused) as caught:
        check_transition(process, here, there)

    # then it is refused, naming the state
    assert caught.value.field == "state"
    assert caught.value.code == "transition_refused"


def test_a_plan_resolve_answer_request_cannot_close_straight_from_validation() -> None:
    # given a request of the longest process, still pending validation
    process = Process.PLAN_RESOLVE_ANSWER

    # when it is moved straight to closed
    with pytest.raises(TransitionRefused) as caught:
        check_transition(process, S.PENDING_VALIDATION, S.CLOSED)

    # then the refusal names the state and both ends of the move
    assert caught.value.field == "state"
    assert "pending_validation" in caught.value.message
    assert "closed" in caught.value.message


@pytest.mark.parametrize(
    ("process", "here", "there"),
    [
        (Process.PLAN_RESOLVE_ANSWER, S.PLANNED, S.PENDING_VALIDATION),
        (Process.PLAN_RESOLVE_ANSWER, S.IN_RESOLUTION, S.PLANNED),
        (Process.RESOLVE_ANSWER, S.IN_RESOLUTION, S.PENDING_VALIDATION),
        (Process.RESOLVE_ANSWER, S.PENDING_VALIDATION, S.PLANNED),
        (Process.IMMEDIATE_CLOSE, S.PENDING_VALIDATION, S.IN_RESOLUTION),
        (Process.EXTERNAL_BODY, S.PENDING_VALIDATION, S.IN_RESOLUTION),
        (Process.PLAN_RESOLVE_ANSWER, S.PENDING_VALIDATION, S.EXTERNALLY_PROCESSED),
    ],
)
def test_a_move_backwards_or_onto_another_process_path_is_refused(
    process: Process, here: RequestState, there: RequestState
) -> None:
    # given a move that no process rule allows

    # when the move is checked
    with pytest.raises(TransitionRefused) as caught:
        check_transition(process, here, there)

    # then it is refused, naming the state
    assert caught.value.field == "state"


@pytest.mark.parametrize(("process", "state"), FINAL)
def test_a_final_state_allows_no_move_at_all(process: Process, state: RequestState) -> None:
    # given a request that is closed, cancelled or not processed

    # when its possible moves are read
    targets = allowed_targets(process, state)

    # then there are none, and each one tried is refused
    assert targets == frozenset()
    for there in RequestState:
        with pytest.raises(TransitionRefused):
            check_transition(process, state, there)


@pytest.mark.parametrize(("process", "state"), OPEN)
def test_every_open_state_a_process_reaches_can_be_cancelled(
    process: Process, state: RequestState
) -> None:
    # given a request in an open state its process can reach

    # when it is cancelled
    check_transition(process, state, S.CANCELLED)

    # then the move is allowed
    assert S.CANCELLED in allowed_targets(process, state)


@pytest.mark.parametrize("process", list(Process))
def test_not_processed_is_reachable_only_from_pending_validation(process: Process) -> None:
    # given every state of a process

    # when the states that may move to not_processed are collected
    sources = {
        state for state in RequestState if S.NOT_PROCESSED in allowed_targets(process, state)
    }

    # then validation is the only one
    assert sources == {S.PENDING_VALIDATION}


@pytest.mark.parametrize(
    ("here", "there"),
    [
        (S.EXTERNALLY_PROCESSED, S.IN_RESOLUTION),
        (S.IN_RESOLUTION, S.PENDING_ANSWER),
        (S.PENDING_ANSWER, S.IN_RESOLUTION),
    ],
)
def test_an_external_body_may_hand_the_request_back_for_the_city_to_resolve(
    here: RequestState, there: RequestState
) -> None:
    # given an external-body request off its main path

    # when it moves along the return detour
    check_transition(Process.EXTERNAL_BODY, here, there)

    # then the move is allowed
    assert there in allowed_targets(Process.EXTERNAL_BODY, here)


@pytest.mark.parametrize("process", [Process.PLAN_RESOLVE_ANSWER, Process.RESOLVE_ANSWER])
def test_a_citizen_reply_to_an_answer_sends_the_request_back_to_resolution(
    process: Process,
) -> None:
    # given a request whose answer raised a question

    # when it goes back to resolution
    check_transition(process, S.PENDING_ANSWER, S.IN_RESOLUTION)

    # then the move is allowed
    assert S.IN_RESOLUTION in allowed_targets(process, S.PENDING_ANSWER)


def test_an_immediate_close_request_is_closed_without_resolution_or_answer() -> None:
    # given the shortest process

    # when the states it can reach are collected
    states = reachable(Process.IMMEDIATE_CLOSE)

    # then no state of resolution or answer is among them
    assert states == {S.PENDING_VALIDATION, S.CLOSED, S.CANCELLED, S.NOT_PROCESSED}

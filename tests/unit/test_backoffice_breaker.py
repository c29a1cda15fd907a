"""The circuit breaker: opens after five failures, probes after thirty seconds, closes."""

import threading

import pytest

from finestra.backoffice.breaker import Breakers, CircuitBreaker, CircuitState


class Monotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Monotonic:
    return Monotonic()


@pytest.fixture
def breaker(ticks: Monotonic) -> CircuitBreaker:
    return CircuitBreaker(ticks)


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        assert breaker.allow()
        breaker.record_failure()


def test_a_new_breaker_is_closed(breaker: CircuitBreaker) -> None:
    # given a new breaker

    # when its state is read, then calls go through
    assert breaker.state is CircuitState.CLOSED
    assert breaker.allow()


def test_four_failures_in_a_row_leave_the_circuit_closed(breaker: CircuitBreaker) -> None:
    # given a breaker

    # when four calls fail in a row
    fail(breaker, 4)

    # then calls still go through
    assert breaker.state is CircuitState.CLOSED
    assert breaker.allow()


def test_the_fifth_failure_in_a_row_opens_the_circuit(breaker: CircuitBreaker) -> None:
    # given a breaker

    # when five calls fail in a row
    fail(breaker, 5)

    # then no call goes through
    assert breaker.state is CircuitState.OPEN
    assert not breaker.allow()


def test_a_success_starts_the_count_of_failures_again(breaker: CircuitBreaker) -> None:
    # given four failures, then a success
    fail(breaker, 4)
    breaker.record_success()

    # when four more calls fail
    fail(breaker, 4)

    # then the circuit is still closed
    assert breaker.state is CircuitState.CLOSED


def test_the_circuit_stays_open_for_thirty_seconds(
    breaker: CircuitBreaker, ticks: Monotonic
) -> None:
    # given an open circuit
    fail(breaker, 5)

    # when almost thirty seconds pass
    ticks.now += 29.9

    # then no call goes through yet
    assert breaker.state is CircuitState.OPEN
    assert not breaker.allow()


def test_after_thirty_seconds_one_probe_goes_through(
    breaker: CircuitBreaker, ticks: Monotonic
) -> None:
    # given a circuit open for thirty seconds
    fail(breaker, 5)
    ticks.now += 30

    # when two calls ask to go through
    first, second = breaker.allow(), breaker.allow()

    # then the first is the probe and the second waits
    assert breaker.state is CircuitState.HALF_OPEN
    assert (first, second) == (True, False)


def test_a_probe_that_succeeds_closes_the_circuit(
    breaker: CircuitBreaker, ticks: Monotonic
) -> None:
    # given a half-open circuit and its probe
    fail(breaker, 5)
    ticks.now += 30
    assert breaker.allow()

    # when the probe succeeds
    breaker.record_success()

    # then calls go through again, and it takes five failures to open it again
    assert breaker.state is CircuitState.CLOSED
    fail(breaker, 4)
    assert breaker.allow()


def test_a_probe_that_fails_opens_the_circuit_for_thirty_seconds_more(
    breaker: CircuitBreaker, ticks: Monotonic
) -> None:
    # given a half-open circuit and its probe
    fail(breaker, 5)
    ticks.now += 30
    assert breaker.allow()

    # when the probe fails
    breaker.record_failure()

    # then the circuit is open again, for another thirty seconds
    assert breaker.state is CircuitState.OPEN
    ticks.now += 29
    assert not breaker.allow()
    ticks.now += 1
    assert breaker.allow()


def test_a_probe_that_never_reports_is_given_up_after_thirty_seconds(
    breaker: CircuitBreaker, ticks: Monotonic
) -> None:
    # given a probe that went through and never reported
    fail(breaker, 5)
    ticks.now += 30
    assert breaker.allow()

    # when thirty more seconds pass
    ticks.now += 30

    # then another probe goes through
    assert breaker.allow()


def test_failures_from_many_threads_are_all_counted(ticks: Monotonic) -> None:
    # given a breaker that opens after 1000 failures
    breaker = CircuitBreaker(ticks, failure_threshold=1000)

    def fail_a_hundred_times() -> None:
        for _ in range(100):
            breaker.record_failure()

    # when eight threads fail a hundred times each
    threads = [threading.Thread(target=fail_a_hundred_times) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)

    # then 800 failures are counted: 200 more open the circuit, 199 do not
    fail(breaker, 199)
    after_999 = breaker.state
    fail(breaker, 1)
    after_1000 = breaker.state
    assert (after_999, after_1000) == (CircuitState.CLOSED, CircuitState.OPEN)


def test_each_system_has_one_breaker_of_its_own(ticks: Monotonic) -> None:
    # given the breakers of a process
    breakers = Breakers(ticks)

    # when the fines system's circuit opens
    fail(breakers.for_system("fines"), 5)

    # then it stays open for fines and closed for the population register
    assert breakers.for_system("fines") is breakers.for_system("fines")
    assert breakers.states() == {"fines": CircuitState.OPEN}
    assert breakers.for_system("population-register").allow()


@pytest.mark.parametrize(("threshold", "seconds"), [(0, 30.0), (5, 0.0)])
def test_a_breaker_that_could_never_close_or_open_is_refused(
    threshold: int, seconds: float
) -> None:
    # given a threshold of zero or no open time

    # when a breaker is made with it, then it is refused
    with pytest.raises(ValueError, match="positive"):
        CircuitBreaker(failure_threshold=threshold, open_seconds=seconds)

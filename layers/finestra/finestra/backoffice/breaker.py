"""A circuit breaker per back-office system, kept in the memory of one process.

After a run of failures the circuit opens and lookups stop calling the system for a
while; then one probe is let through (half-open), and its outcome closes or reopens the
circuit. Each warm Lambda environment keeps its own breakers: that is enough to spare a
system that is down from a storm of calls, and needs no shared state.
"""

import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Final

FAILURE_THRESHOLD: Final = 5
OPEN_SECONDS: Final = 30.0

MonotonicClock = Callable[[], float]
"""Seconds from an arbitrary start that never go back, such as :func:`time.monotonic`."""


class CircuitState(StrEnum):
    """Whether calls go through."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after ``failure_threshold`` failures in a row, for ``open_seconds``.

    Parameters
    ----------
    clock
        A monotonic clock in seconds.
    failure_threshold
        How many failures in a row open the circuit.
    open_seconds
        How long the circuit stays open before one probe is let through. A probe that
        never reports is given up after as long again, and another one is let through.
    """

    def __init__(
        self,
        clock: MonotonicClock = time.monotonic,
        *,
        failure_threshold: int = FAILURE_THRESHOLD,
        open_seconds: float = OPEN_SECONDS,
    ) -> None:
        if failure_threshold < 1 or open_seconds <= 0:
            raise ValueError("a breaker needs a positive threshold and open time")
        self._clock = clock
        self._threshold = failure_threshold
        self._open_seconds = open_seconds
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_since: float | None = None

    @property
    def state(self) -> CircuitState:
        """The circuit's state now."""
        with self._lock:
            if self._opened_at is None:
                return CircuitState.CLOSED
            if self._clock() - self._opened_at < self._open_seconds:
                return CircuitState.OPEN
            return CircuitState.HALF_OPEN

    def allow(self) -> bool:
        """Whether a call may go through now; in half-open, only the first caller may.

        Returns
        -------
        bool
            True when the circuit is closed, or when this call is the half-open probe.
            Whoever is allowed must report with :meth:`record_success` or
            :meth:`record_failure`.
        """
        with self._lock:
            if self._opened_at is None:
                return True
            now = self._clock()
            if now - self._opened_at < self._open_seconds:
                return False
            if self._probe_since is not None and now - self._probe_since < self._open_seconds:
                return False
            self._probe_since = now
            return True

    def record_success(self) -> None:
        """A call went through and the system answered: close the circuit."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probe_since = None

    def record_failure(self) -> None:
        """A call failed: count it, open the circuit at the threshold, reopen after a probe."""
        with self._lock:
            now = self._clock()
            if self._opened_at is not None:
                if self._probe_since is not None:
                    self._opened_at = now
                    self._probe_since = None
                return
            self._failures += 1
            if self._failures >= self._threshold:
                self._opened_at = now


class Breakers:
    """One circuit breaker per system code, made on first use; safe across threads.

    Parameters
    ----------
    clock
        The monotonic clock every breaker reads.
    failure_threshold
        How many failures in a row open a circuit.
    open_seconds
        How long a circuit stays open before its probe.
    """

    def __init__(
        self,
        clock: MonotonicClock = time.monotonic,
        *,
        failure_threshold: int = FAILURE_THRESHOLD,
        open_seconds: float = OPEN_SECONDS,
    ) -> None:
        self._clock = clock
        self._threshold = failure_threshold
        self._open_seconds = open_seconds
        self._lock = threading.Lock()
        self._breakers: dict[str, CircuitBreaker] = {}

    def for_system(self, code: str) -> CircuitBreaker:
        """The breaker of the system with ``code``.

        Parameters
        ----------
        code
            A back-office system code.

        Returns
        -------
        CircuitBreaker
            The same breaker every time for the same code.
        """
        with self._lock:
            breaker = self._breakers.get(code)
            if breaker is None:
                breaker = CircuitBreaker(
                    self._clock,
                    failure_threshold=self._threshold,
                    open_seconds=self._open_seconds,
                )
                self._breakers[code] = breaker
            return breaker

    def states(self) -> dict[str, CircuitState]:
        """The state of every breaker made so far, by system code."""
        with self._lock:
            breakers = dict(self._breakers)
        return {code: breaker.state for code, breaker in breakers.items()}

"""One wrapper around every botocore API call: the CPU spent inside it, and its units.

``BaseClient._make_api_call`` is where every client method ends up, and where moto
answers in-process. Timing it with ``time.process_time`` separates the CPU of the AWS
call (botocore's serialisation and signing, and here moto's own work) from the
CPU of the code that makes the call.
"""

import cProfile
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from botocore.client import BaseClient

from tests.benchmarks.meter import UnitMeter


class ApiCallTap:
    """Times API calls while active; meters DynamoDB ones; pauses a profiler inside them."""

    def __init__(self) -> None:
        self.active = False
        self.inside_seconds = 0.0
        self.calls = 0
        self.meter: UnitMeter | None = None
        self.profiler: cProfile.Profile | None = None
        self.enclosing: set[tuple[str, int, str]] = set()
        """Functions (as cProfile names them) seen on the stack of a profiled API call."""
        self._original: Any = None
        self._depth = 0

    @contextmanager
    def installed(self) -> Iterator["ApiCallTap"]:
        """Wrap ``BaseClient._make_api_call`` for the duration of the block."""
        original = BaseClient._make_api_call  # type: ignore[attr-defined]
        self._original = original
        tap = self

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            return tap.call(client, operation, params)

        setattr(BaseClient, "_make_api_call", make_api_call)  # noqa: B010
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010

    def reset(self) -> None:
        """Start counting afresh."""
        self.inside_seconds = 0.0
        self.calls = 0

    def call(self, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        """Make one API call, timed and metered when the tap is active."""
        if not self.active or self._depth:
            return self._original(client, operation, params)
        self._depth = 1
        profiler = self.profiler
        if profiler is not None:
            profiler.disable()
            self._note_callers()
        start = time.process_time()
        try:
            meter = self.meter
            if meter is not None and client.meta.service_model.service_name == "dynamodb":
                return meter.observe(
                    operation, params, lambda: self._original(client, operation, params)
                )
            return self._original(client, operation, params)
        finally:
            self.inside_seconds += time.process_time() - start
            self.calls += 1
            self._depth = 0
            if profiler is not None:
                profiler.enable()

    def _note_callers(self) -> None:
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            code = frame.f_code
            self.enclosing.add((code.co_filename, code.co_firstlineno, code.co_name))
            frame = frame.f_back

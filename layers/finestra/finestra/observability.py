"""Logger, Tracer and Metrics for every function, built in one place.

Logs carry a fixed message and ids as fields; never names, phone numbers, emails,
document ids or message text. Tracebacks are written without the exception's own
message, which for an unexpected error may quote the input.
"""

import traceback
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import MetricUnit

from finestra.domain.errors import FinestraError

NAMESPACE = "Finestra"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class PrivateFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, with exception text reduced to type and frames."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's own name
        """The traceback frames and the exception's type; its message only if it is ours."""
        exc_type, exc, tb = ei
        frames = "".join(traceback.format_tb(tb))
        detail = f": {exc.message}" if isinstance(exc, FinestraError) else ""
        return f"Traceback (most recent call last):\n{frames}{exc_type.__name__}{detail}"


@dataclass
class Observability:
    """The Powertools utilities of one function; the tracer is built only when used.

    Building a Tracer imports the X-Ray SDK (a fifth of a cold start), so functions that
    trace nothing of their own do not pay for it; Lambda's active tracing still records
    every invocation and AWS call.
    """

    service: str
    logger: Logger
    metrics: Metrics
    _tracer: Tracer | None = None

    @property
    def tracer(self) -> Tracer:
        """The function's Tracer, built on first use."""
        if self._tracer is None:
            self._tracer = Tracer(service=self.service)
        return self._tracer

    def count(self, name: str, value: float = 1, **dimensions: str) -> None:
        """Add ``value`` to the count metric ``name`` with extra ``dimensions``."""
        if dimensions:
            single = single_metric(
                name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE
            )
            with single as metric:
                for key, dimension in dimensions.items():
                    metric.add_dimension(name=key, value=dimension)
            return
        self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)

    def reset(self) -> None:
        """Forget the previous invocation's appended keys and correlation id."""
        self.logger.clear_state()
        self.logger.set_correlation_id(None)


def build(service: str) -> Observability:
    """Logger, Tracer and Metrics for ``service``, logging at the level Powertools reads."""
    logger = Logger(service=service, logger_formatter=PrivateFormatter())
    metrics = Metrics(service=service, namespace=NAMESPACE)
    return Observability(service=service, logger=logger, metrics=metrics)

"""Whether one value of a dimension differs from the rest of the city more than chance would.

Every test here compares one value (a district, a neighbourhood, a theme) with the rest
of the city, both taken as independent samples, and gives a two-sided p-value from the
normal distribution: large samples are what the counters hold, and below
:data:`MIN_SAMPLE` on either side no test is made at all. Comparing the 73
neighbourhoods one by one would flag some by chance alone, so the p-values of one
dimension are adjusted together with :func:`benjamini_hochberg` (false discovery rate)
before a difference is called significant.
"""

import math
from collections.abc import Sequence
from typing import Final

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ALPHA",
    "MIN_SAMPLE",
    "Sums",
    "ZTest",
    "benjamini_hochberg",
    "mean_test",
    "normal_p_value",
    "proportion_test",
]

MIN_SAMPLE: Final = 30
"""The fewest observations on each side for a test: fewer is "not enough data"."""
ALPHA: Final = 0.05
"""The false discovery rate a dimension's differences are held to."""


class ZTest(BaseModel):
    """The outcome of one z-test: the statistic and its two-sided p-value."""

    model_config = ConfigDict(frozen=True)

    z: float
    p_value: float


def normal_p_value(z: float) -> float:
    """The two-sided p-value of a standard normal statistic ``z``."""
    return math.erfc(abs(z) / math.sqrt(2))


def proportion_test(hits: float, total: float, rest_hits: float, rest_total: float) -> ZTest | None:
    """Two-proportion z-test (pooled variance) of ``hits / total`` against the rest's share.

    Parameters
    ----------
    hits, total
        Successes and trials of the value tested (counts; a fractional count is allowed).
    rest_hits, rest_total
        The same for the rest of the city.

    Returns
    -------
    ZTest | None
        ``None`` when either side has fewer than :data:`MIN_SAMPLE` trials. A positive
        ``z`` means the value's share is higher; when both shares are 0 or both 1 the
        difference is none (``z`` 0, p-value 1).
    """
    if total < MIN_SAMPLE or rest_total < MIN_SAMPLE:
        return None
    pooled = (hits + rest_hits) / (total + rest_total)
    variance = pooled * (1 - pooled) * (1 / total + 1 / rest_total)
    if variance <= 0:
        return ZTest(z=0.0, p_value=1.0)
    z = (hits / total - rest_hits / rest_total) / math.sqrt(variance)
    return ZTest(z=z, p_value=normal_p_value(z))


class Sums(BaseModel):
    """What a mean and its variance are computed from: a count, a sum, a sum of squares."""

    model_config = ConfigDict(frozen=True)

    count: int = 0
    total: float = 0.0
    squares: float = 0.0

    @property
    def mean(self) -> float | None:
        """The mean, ``None`` without observations."""
        return self.total / self.count if self.count else None

    def variance(self) -> float:
        """The sample variance (``n - 1``); zero for fewer than two observations."""
        if self.count < 2:
            return 0.0
        return max(0.0, (self.squares - self.total * self.total / self.count) / (self.count - 1))

    def __sub__(self, other: "Sums") -> "Sums":
        return Sums(
            count=self.count - other.count,
            total=self.total - other.total,
            squares=self.squares - other.squares,
        )


def mean_test(value: Sums, rest: Sums) -> ZTest | None:
    """z-test of a value's mean against the rest's, each variance from its own sums.

    Returns
    -------
    ZTest | None
        ``None`` when either side has fewer than :data:`MIN_SAMPLE` observations. A
        positive ``z`` means the value's mean is higher.
    """
    if value.count < MIN_SAMPLE or rest.count < MIN_SAMPLE:
        return None
    difference = value.total / value.count - rest.total / rest.count
    error = value.variance() / value.count + rest.variance() / rest.count
    if error <= 0:
        return ZTest(z=0.0, p_value=1.0 if difference == 0 else 0.0)
    z = difference / math.sqrt(error)
    return ZTest(z=z, p_value=normal_p_value(z))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """The Benjamini-Hochberg adjusted p-values (q-values), in the order given.

    A difference whose q-value is at most :data:`ALPHA` is significant with the share
    of false discoveries among the flagged values kept at :data:`ALPHA`.
    """
    tests = len(p_values)
    order = sorted(range(tests), key=lambda index: p_values[index])
    adjusted = [1.0] * tests
    smallest = 1.0
    for rank in range(tests, 0, -1):
        index = order[rank - 1]
        smallest = min(smallest, p_values[index] * tests / rank)
        adjusted[index] = smallest
    return adjusted

"""Pass rates with their uncertainty: Wilson score intervals, and whether two rates differ
beyond what chance alone would give (a two-proportion z-test), both at 95 %.

A suite has tens of cases per perspective, so a pass rate of 7/10 says little on its own:
the interval says how far the rate could be from the model's true one, and a comparison of
two runs says a change is real only when the test rejects "no difference".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054
"""The two-sided 95 % quantile of the standard normal distribution."""


@dataclass(frozen=True)
class Interval:
    """A 95 % Wilson score interval for a pass rate."""

    low: float
    high: float


def wilson(passed: int, total: int, z: float = Z95) -> Interval | None:
    """The Wilson score interval of ``passed`` of ``total`` (None when ``total`` is 0).

    Raises:
        ValueError: counts out of range.
    """
    if total < 0 or not 0 <= passed <= total:
        raise ValueError(f"{passed} passed of {total} is not a count")
    if total == 0:
        return None
    rate = passed / total
    denominator = 1 + z * z / total
    centre = (rate + z * z / (2 * total)) / denominator
    half = z * math.sqrt(rate * (1 - rate) / total + z * z / (4 * total * total)) / denominator
    low = 0.0 if passed == 0 else max(0.0, centre - half)
    high = 1.0 if passed == total else min(1.0, centre + half)
    return Interval(low, high)


def differs(passed_a: int, total_a: int, passed_b: int, total_b: int, z: float = Z95) -> bool:
    """Whether two pass rates differ beyond chance at 95 % (pooled two-proportion z-test);
    False when either run has no cases or both rates are 0 or 1 alike."""
    if total_a == 0 or total_b == 0:
        return False
    pooled = (passed_a + passed_b) / (total_a + total_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    if spread == 0:
        return False
    return abs(passed_a / total_a - passed_b / total_b) / spread > z

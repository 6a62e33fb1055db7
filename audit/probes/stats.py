"""Interval estimates shared by the probe kinds: the Wilson score interval for a binomial share.

Wilson intervals are a few lines of arithmetic over `statistics.NormalDist`, so no statistics
package is pulled in for them.

At n = 0 there is no estimate: `rate` is None and the interval is the whole unit interval
[0, 1], which is the limit of the Wilson bounds as n → 0 for any share (no data rules out no
rate). Callers that report a rate check `n` first; decision rules never decide on n = 0.
At k = 0 and k = n the bounds are exactly 0 and 1 (the formula reaches them only up to rounding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

__all__ = ["Interval", "wilson", "z_for"]


@dataclass(frozen=True)
class Interval:
    successes: int
    n: int
    rate: float | None  # None when n = 0
    low: float
    high: float

    def as_values(self, prefix: str) -> dict[str, float | int | None]:
        """The interval as finding values: `prefix`, `prefix_ci_low`, `_ci_high`, `_n`, `_k` (4 decimals);
        the bounds are None when there is no sample, as the rate is."""
        rnd = (lambda x: None if x is None or self.n == 0 else round(x, 4))
        return {f"{prefix}": rnd(self.rate), f"{prefix}_ci_low": rnd(self.low),
                f"{prefix}_ci_high": rnd(self.high), f"{prefix}_n": self.n, f"{prefix}_k": self.successes}


def z_for(confidence: float) -> float:
    """The two-sided normal quantile for a confidence level (0.95 → 1.96)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a binomial proportion at `confidence` (two-sided)."""
    if n == 0:
        return Interval(0, 0, None, 0.0, 1.0)
    z = z_for(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(successes, n, p, low, high)

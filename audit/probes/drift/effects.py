"""Effect sizes with 95% intervals: Wilson intervals for shares, stratified bootstrap otherwise."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["wilson", "stratified_bootstrap"]

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial share."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def stratified_bootstrap(groups: Sequence[tuple[np.ndarray, np.ndarray]],
                         statistic: Callable[[list[tuple[np.ndarray, np.ndarray]]], np.ndarray],
                         resamples: int, rng: np.random.Generator) -> tuple[float, float]:
    """Percentile 95% interval: resample baseline and current indices within each prompt.

    `groups` holds, per prompt, the baseline and current sample indices; `statistic` receives per
    prompt a pair of (resamples, n) index arrays and returns one value per resample.
    """
    draws = [(rng.choice(b, size=(resamples, len(b))), rng.choice(c, size=(resamples, len(c))))
             for b, c in groups]
    values = statistic(draws)
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)

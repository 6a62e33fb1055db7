"""Effect sizes with 95% intervals other than shares: the stratified bootstrap.

Shares get Wilson intervals from audit.probes.stats (shared with the identity kind)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["stratified_bootstrap"]


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

"""Mixed routing: a test with power against "a fraction p of the calls come from another model".

A plain two-sample test compares whole distributions, and a mixture moves the target's distribution
only by p times the difference, so its power collapses for small p. Here every call gets its own
outlier score against the reference instead: on a temperature-0 prompt, whether the target's answer
differs from the reference's most common answer to that prompt. A target that is the reference
gives such answers no more often than the reference does itself (its repeats are exchangeable with
the reference's); a target that routes a share p of its calls to another model gives about p·q of
them, q being the share of prompts on which the other model answers otherwise. The statistic is the
number of target calls unlike the reference's usual answer, recomputed under the same label
shuffles as every drift statistic (the reference's usual answer is taken from whichever answers a
shuffle labels as the reference's), so its p-value is exact and enters the min-p combination.

`detectable_fraction` states the smallest p the audit could have detected: the smallest p with
80% power, assuming the other model's answers differ on every prompt (q = 1; for q < 1 divide by
q) and a reference whose temperature-0 answers repeat. A shuffle leaves all k outlying calls on the
target's side with probability at most r^k (r = the target's share of each prompt's answers), so k
outliers give a raw p-value of at most r^k; with m component tests, raw p <= level/m alarms under
min-p whatever the others say. The detectable p is where Binomial(n target calls, p) reaches that k
with 80% probability.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["outlier_rows", "detectable_fraction", "binomial_tail"]


def outlier_rows(codes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per labelling row: how many calls labelled current differ from the most common answer among
    the calls labelled baseline (`codes`: answer ids of one prompt; `labels`: (rows, n) bool)."""
    codes = np.asarray(codes, dtype=np.int64)
    onehot = np.eye(int(codes.max()) + 1)[codes]
    usual = ((~labels).astype(float) @ onehot).argmax(axis=1)
    return (labels & (codes[None, :] != usual[:, None])).sum(axis=1)


def binomial_tail(n: int, p: float, k: int) -> float:
    """P(Binomial(n, p) >= k)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
             for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def detectable_fraction(groups: Sequence[tuple[int, int]], level: float, tests: int = 1,
                        power: float = 0.8) -> float | None:
    """The smallest routed share p detected with `power` (see the module docstring), or None when even
    p = 1 would not be (too few calls). `groups`: (reference answers, target answers) per prompt."""
    groups = [(b, c) for b, c in groups if b > 0 and c > 0]
    if not groups:
        return None
    n_current = sum(c for _, c in groups)
    ratio = max(c / (b + c) for b, c in groups)
    needed = math.ceil(math.log(level / max(tests, 1)) / math.log(ratio))
    if needed > n_current:
        return None
    low, high = 0.0, 1.0
    for _ in range(40):
        mid = (low + high) / 2
        if binomial_tail(n_current, mid, needed) >= power:
            high = mid
        else:
            low = mid
    return high

"""Prompt-stratified permutation tests and their Westfall–Young min-p combination.

Under the null hypothesis (the same model answered both runs) the baseline and current
completions of one prompt are exchangeable, so shuffling the run labels *within each prompt*
gives the exact null distribution of any statistic. Row 0 of every label matrix is the observed
labelling; rows 1..P are random shuffles. A p-value counts the observed row itself, so
p = (1 + #{shuffles at least as extreme}) / (1 + P) and P(p ≤ a) ≤ a for every a.

Several statistics share the same shuffles; the combined p-value is the permutation
distribution of the smallest per-statistic p-value (single-step min-p, Westfall & Young 1993).
It controls the chance of any false alarm at α whatever the dependence between the tests,
and is never more conservative than Bonferroni.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Stratum", "shuffled_labels", "paired_labels", "contrast", "mmd_rows", "column_pvalues",
           "min_p"]

_EPS = 1e-12


@dataclass(frozen=True)
class Stratum:
    """One prompt's samples: `current[i]` says sample i came from the run under test."""

    prompt_id: str
    current: np.ndarray  # bool, shape (n,)

    @property
    def testable(self) -> bool:
        k = int(self.current.sum())
        return 0 < k < len(self.current)


def shuffled_labels(stratum: Stratum, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """(1 + P, n) bool: the observed labels, then P within-prompt shuffles."""
    observed = stratum.current.astype(bool)
    rows = np.tile(observed, (permutations, 1))
    return np.vstack([observed, rng.permuted(rows, axis=1)])


def paired_labels(stratum: Stratum, pair_ids: np.ndarray, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """(1 + P, n) bool: the observed labels, then P shuffles that swap the labels within pairs.

    A pair is one baseline and one current sample with the same `pair_ids` value (the same call
    key, sent with the same seed to both endpoints). Under the null the two answers of a pair are
    exchangeable, so swapping each pair's labels with probability 1/2 gives the exact null
    distribution; samples without a partner keep their label. Answers that agree within a pair
    (the same seed on the same weights) then add nothing to the shuffles' spread, which is where
    the paired design gains its power.
    """
    observed = stratum.current.astype(bool)
    rows = np.tile(observed, (permutations + 1, 1))
    base = {int(pair_ids[i]): i for i in np.flatnonzero(~observed)}
    pairs = [(base[int(pair_ids[j])], j) for j in np.flatnonzero(observed) if int(pair_ids[j]) in base]
    if pairs:
        b, c = np.array(pairs).T
        flips = rng.random((permutations, len(pairs))) < 0.5
        rows[1:, b] = flips
        rows[1:, c] = ~flips
    return rows


def contrast(labels: np.ndarray) -> np.ndarray:
    """Weights a with a·x = mean(current x) − mean(baseline x), one row per labelling."""
    labels = labels.astype(float)
    n_current = labels.sum(axis=1, keepdims=True)
    n_base = labels.shape[1] - n_current
    return labels / n_current - (1.0 - labels) / n_base


def mmd_rows(weights: np.ndarray, gram: np.ndarray) -> np.ndarray:
    """Squared MMD (V-statistic) for every labelling row: aᵀ K a."""
    return np.einsum("pi,ij,pj->p", weights, gram, weights)


def column_pvalues(stat: np.ndarray) -> np.ndarray:
    """For every row, the share of rows whose statistic is at least as large (larger = more extreme)."""
    ordered = np.sort(stat)
    at_least = len(stat) - np.searchsorted(ordered, stat - _EPS * (1 + np.abs(stat)), side="left")
    return at_least / len(stat)


def min_p(stats: Mapping[str, np.ndarray]) -> tuple[float, dict[str, float]]:
    """(combined p-value, raw p-value per statistic) from statistics over the same labelling rows."""
    if not stats:
        return 1.0, {}
    names: Sequence[str] = list(stats)
    pvals = np.column_stack([column_pvalues(np.asarray(stats[n], dtype=float)) for n in names])
    smallest = pvals.min(axis=1)
    combined = float(np.mean(smallest <= smallest[0] + _EPS))
    return combined, {n: float(pvals[0, i]) for i, n in enumerate(names)}

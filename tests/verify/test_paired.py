"""The paired permutation test of `audit verify`: same-seed call pairs swapped, never split."""

from __future__ import annotations

import numpy as np

from audit.probes.drift.compare import DriftSettings, compare
from audit.probes.drift.permutation import Stratum, paired_labels
from audit.probes.drift.samples import DriftSample


def _samples(answers, mode="open", pid="p"):
    return [DriftSample(pid, mode, text, 1, 5, "m", None, f"d/{mode}/{pid}/{r}") for r, text in enumerate(answers)]


def test_paired_labels_swap_within_pairs_only():
    current = np.array([False, False, False, True, True, True])
    pairs = np.array([0, 1, 2, 0, 1, 2])
    rows = paired_labels(Stratum("p", current), pairs, 200, np.random.default_rng(1))
    assert (rows[0] == current).all()
    assert (rows.sum(axis=1) == 3).all()
    for a, b in ((0, 3), (1, 4), (2, 5)):
        assert (rows[:, a] != rows[:, b]).all(), "the two answers of a pair always carry opposite labels"
    assert 0.3 < rows[1:, 0].mean() < 0.7


def test_identical_pairs_never_alarm_and_consistent_shifts_do():
    settings = DriftSettings(permutations=999, paired=True)
    same = [s for i in range(8) for s in _samples([f"w{(i * r) % 3} x" for r in range(10)], pid=f"p{i}")]
    report = compare(same, same, settings)
    assert report.p_value == 1.0 and report.verdict == "stable"
    # the same seeds give the same word except where the change moved mass from "a" to "b"
    base = [s for i in range(8) for s in _samples(["a x"] * 6 + ["c x"] * 4, pid=f"p{i}")]
    moved = [s for i in range(8) for s in _samples(["b x"] * 3 + ["a x"] * 3 + ["c x"] * 4, pid=f"p{i}")]
    shifted = compare(base, moved, settings)
    assert shifted.verdict == "drift" and shifted.method.startswith("paired permutation test")


def test_paired_null_false_alarm_rate_is_at_most_alpha():
    """Pairs drawn independently from one distribution: alarms at 5% in at most about 5% of runs."""
    rng = np.random.default_rng(7)
    alarms = 0
    for run in range(100):
        def draw():
            return [s for i in range(4) for s in _samples([f"w{k} y" for k in rng.integers(0, 3, 8)], pid=f"p{i}")]
        alarms += compare(draw(), draw(), DriftSettings(permutations=199, paired=True, seed=run)).p_value <= 0.05
    assert alarms <= 12, alarms  # binomial(100, 0.05): P(X > 12) < 0.001

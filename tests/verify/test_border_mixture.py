"""Border-input discovery and the mixed-routing test (pure: recorded exchanges in, numbers out)."""

from __future__ import annotations

import numpy as np

from audit.probes.drift.border import DISCOVERY_ID, monitoring_definition, select_border
from audit.probes.drift.compare import DriftSettings, compare
from audit.probes.drift.kind import DriftParams
from audit.probes.drift.mixture import binomial_tail, detectable_fraction, outlier_rows
from audit.probes.drift.samples import DriftSample

from drift_support import exchange

CANDIDATES = [{"id": f"c{i}", "prompt": f"prompt {i}"} for i in range(4)]


def _discovery(answers: dict[str, list[str]]):
    return [exchange(DISCOVERY_ID, f"open/{pid}/{r}", text) for pid, texts in answers.items()
            for r, text in enumerate(texts)]


def test_select_border_keeps_nearly_tied_prompts_in_tie_order():
    found = select_border(_discovery({
        "c0": ["Tea"] * 5 + ["coffee"] * 5,          # tied
        "c1": ["Tea"] * 9 + ["coffee"],              # second seen once: not a border
        "c2": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],  # top two take 20%: not a border
        "c3": ["yes"] * 6 + ["no"] * 4,
    }), CANDIDATES, count=5)
    assert [c.prompt_id for c in found] == ["c0", "c3"]
    assert found[0].tie == 1.0 and found[0].counts == (5, 5)
    battery = monitoring_definition(found, fixed_repeats=12, open_repeats=8)
    params = DriftParams.model_validate(battery.parameters)
    assert params.fixed.max_tokens == params.open.max_tokens == 1
    assert [p.id for p in params.fixed.prompts] == ["c0", "c3"]


def test_binomial_tail_and_detectable_fraction():
    assert abs(binomial_tail(10, 0.5, 5) - 0.623046875) < 1e-9
    assert binomial_tail(10, 0.5, 0) == 1.0 and binomial_tail(5, 0.5, 6) == 0.0
    balanced = detectable_fraction([(12, 12)] * 16, 0.05, tests=7)
    bigger = detectable_fraction([(24, 24)] * 16, 0.05, tests=7)
    assert 0.01 < bigger < balanced < 0.1
    assert detectable_fraction([(1, 1)], 0.05, tests=7) is None  # two calls can never reach the level


def test_outlier_rows_count_current_calls_unlike_the_baseline_usual_answer():
    codes = np.array([0, 0, 0, 0, 1, 0])
    labels = np.array([[False, False, False, True, True, True],   # observed: one outlier among current
                       [True, True, True, False, False, False]])  # swapped: the outlier is baseline's
    assert outlier_rows(codes, labels).tolist() == [1, 0]


def _fixed(pid, answers, prefix):
    return [DriftSample(pid, "fixed", a, 1, 5, "m", None, f"{prefix}/fixed/{pid}/{r}") for r, a in enumerate(answers)]


def test_mixture_component_catches_ten_percent_of_calls_routed_elsewhere():
    rng = np.random.default_rng(3)
    base = [s for i in range(16) for s in _fixed(f"p{i}", [f"a{i}"] * 12, "d")]
    mixed = [s for i in range(16) for s in _fixed(f"p{i}", [f"b{i}" if rng.random() < 0.1 else f"a{i}"
                                                           for _ in range(12)], "d")]
    settings = DriftSettings(permutations=1999, mixture=True)
    report = compare(base, mixed, settings)
    assert report.test("outliers") is not None and report.test("outliers").p_value < 0.01
    assert report.verdict == "drift" and 0.01 < report.detectable_fraction < 0.1
    same = compare(base, base, settings)
    assert same.verdict == "stable" and same.test("outliers").p_value == 1.0
    plain = compare(base, mixed, DriftSettings(permutations=999))
    assert plain.test("outliers") is None and plain.detectable_fraction is None

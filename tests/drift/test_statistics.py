"""The drift statistics: valid p-values, power against real shifts, effect sizes and intervals."""

from __future__ import annotations

import numpy as np
import pytest

from audit.probes.drift.alarm import audit_level, permutations_for, rule_text
from audit.probes.drift.compare import DriftSettings, compare, fingerprint_check
from audit.probes.stats import wilson
from audit.probes.drift.kernels import exact_kernel, hamming_kernel
from audit.probes.drift.permutation import column_pvalues, min_p
from audit.probes.drift.samples import DriftSample, is_refusal, normalise_answer, split_key

FAST = DriftSettings(permutations=199, bootstrap=100)


def test_false_alarm_rate_is_at_most_alpha(toy_run):
    """Same model twice, 200 times: alarms at level 0.05 stay within a binomial bound of 5%."""
    alarms = sum(compare(toy_run(2 * k), toy_run(2 * k + 1), DriftSettings(permutations=99, bootstrap=20, seed=k)
                         ).verdict == "drift" for k in range(200))
    # Binomial(200, 0.05): mean 10, P(X >= 19) < 0.01.
    assert alarms <= 18


def test_a_shifted_distribution_is_detected(toy_run):
    report = compare(toy_run(1), toy_run(2, shift=0.2), FAST)
    assert report.verdict == "drift"
    assert report.p_value <= 0.01
    mmd = report.test("open_mmd")
    assert mmd.p_value <= 0.01 and mmd.ci_low > 0


def test_changed_temperature_zero_answers_are_detected(toy_run):
    report = compare(toy_run(1), toy_run(2, fixed_changed=8), FAST)
    assert report.verdict == "drift"
    agreement = report.test("fixed_agreement")
    assert agreement.effect == pytest.approx(0.8)
    assert agreement.ci_low < 0.8 < agreement.ci_high


def test_prompt_token_overhead_change_alone_is_detected(toy_run):
    report = compare(toy_run(1), toy_run(1, prompt_tokens=27), FAST)
    assert report.verdict == "drift"
    overhead = report.test("overhead")
    assert overhead.p_value <= 0.01 and overhead.effect == pytest.approx(7)
    assert report.test("open_mmd").p_value == 1.0  # identical samples


def test_identical_runs_are_stable_and_deterministic(toy_run):
    a, b = toy_run(5), toy_run(6)
    first, second = compare(a, b, FAST), compare(a, b, FAST)
    assert first == second
    assert compare(a, a, FAST).verdict == "stable"


def test_period_level_is_used_for_the_verdict(toy_run):
    settings = DriftSettings(permutations=999, bootstrap=50, level=audit_level(0.05, 52), rule=rule_text(0.05, 52))
    report = compare(toy_run(1), toy_run(2, shift=0.04), settings)
    assert report.level == pytest.approx(0.05 / 52)
    assert "52 audits" in report.rule


def test_no_common_prompts_is_inconclusive():
    a = [DriftSample("p", "open", "x", 1, 1, None, None, "e1")]
    b = [DriftSample("q", "open", "y", 1, 1, None, None, "e2")]
    assert compare(a, b, FAST).verdict == "inconclusive"


def test_fingerprint_check_flags_new_values_only():
    def s(model, fp):
        return DriftSample("p", "open", "x", 1, 1, model, fp, "e")
    same = fingerprint_check([s("m", "fp1"), s("m", "fp2")], [s("m", "fp2")])
    assert not same.changed
    new_fp = fingerprint_check([s("m", "fp1")], [s("m", "fp9")])
    assert new_fp.fingerprint_changed and not new_fp.model_changed
    new_model = fingerprint_check([s("m", None)], [s("m-2", None)])
    assert new_model.model_changed


def test_permutation_pvalues_count_the_observed_row():
    stat = np.array([5.0, 1.0, 2.0, 5.0])
    assert list(column_pvalues(stat)) == [0.5, 1.0, 0.75, 0.5]
    combined, raw = min_p({"a": stat, "b": np.zeros(4)})
    assert raw == {"a": 0.5, "b": 1.0} and combined == 0.5


def test_kernels():
    gram = hamming_kernel(["a b c", "a b d", "x y z"], length=3, decay=1.0)
    assert gram[0, 0] == pytest.approx(1) and gram[0, 1] == pytest.approx(2 / 3) and gram[0, 2] == 0
    assert np.all(np.linalg.eigvalsh(gram) > -1e-9)
    assert exact_kernel(["a", "b", "a"]).tolist() == [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def test_answer_normalisation_and_refusals():
    assert normalise_answer("  Ottawa. ") == normalise_answer("ottawa")
    assert is_refusal("I'm sorry, but I can't help with that.")
    assert is_refusal("I cannot do that")
    assert not is_refusal("The answer is 42. I cannot stress this enough.")
    assert split_key("open/p1/3") == ("open", "p1", 3) and split_key("other") is None


def test_wilson_interval():
    ci = wilson(8, 10)
    assert 0.49 < ci.low < 0.5 and 0.94 < ci.high < 0.95
    assert (wilson(0, 0).low, wilson(0, 0).high) == (0.0, 1.0)  # no data: the whole unit interval


def test_alarm_rule():
    assert audit_level(0.05, 1) == 0.05
    assert audit_level(0.05, 52) == pytest.approx(0.05 / 52)
    assert permutations_for(0.05 / 52) >= 10 / (0.05 / 52)
    with pytest.raises(ValueError):
        audit_level(0.05, 0)

"""The drift probe kind and the shipped battery."""

from __future__ import annotations

import pytest

from audit.core.errors import InputError
from audit.probes.base import ProbeDefinition, TargetContext
from audit.probes.registry import build_probe, find_probe, load_probe_file
from audit.schema.disclosure import DeclaredFacts, ModelIdentity

from drift_support import SMALL_BATTERY  # noqa: E402  (tests/drift/conftest.py)


def _target(extra=None) -> TargetContext:
    identity = ModelIdentity.model_construct(vendor="v", name="m")
    return TargetContext(provider="openai", model="m", identity=identity,
                         declared=DeclaredFacts.model_construct(), extra=extra or {})


def test_shipped_battery_fits_the_budget():
    probe = find_probe("drift-core")
    calls = probe.next_calls(_target(), {})
    assert len(calls) == probe.max_calls() <= 250
    assert all(c.request.max_tokens <= 50 for c in calls)
    fixed = [c for c in calls if c.key.startswith("fixed/")]
    assert fixed and all(c.request.temperature == 0 for c in fixed)
    open_ = [c for c in calls if c.key.startswith("open/")]
    assert open_ and all(c.request.temperature == 1.0 for c in open_)
    assert len({c.key for c in calls}) == len(calls)


def test_next_calls_skip_recorded_ones(make_exchange):
    probe = load_probe_file(SMALL_BATTERY)
    first = probe.next_calls(_target(), {})
    done = {c.key: make_exchange(probe.id, c.key, "x") for c in first[:10]}
    assert [c.key for c in probe.next_calls(_target(), done)] == [c.key for c in first[10:]]


def test_sampled_calls_get_their_own_seed_per_run_and_call():
    probe = find_probe("drift-core")
    run_a = {c.key: c.request.seed for c in probe.next_calls(_target({"run_id": "run-a"}), {})}
    run_b = {c.key: c.request.seed for c in probe.next_calls(_target({"run_id": "run-b"}), {})}
    open_keys = [k for k in run_a if k.startswith("open/")]
    assert all(run_a[k] is None for k in run_a if k.startswith("fixed/"))  # greedy: a seed means nothing
    assert len({run_a[k] for k in open_keys}) == len(open_keys)  # repeats are independent draws
    assert all(run_a[k] != run_b[k] for k in open_keys)  # so are the baseline's and the audit's
    assert all(0 <= run_a[k] < 2 ** 31 for k in open_keys)
    assert run_a == {c.key: c.request.seed for c in probe.next_calls(_target({"run_id": "run-a"}), {})}  # resume
    assert all(c.request.seed is None for c in probe.next_calls(_target(), {}))  # no run id: the server's policy
    off = build_probe(ProbeDefinition(id="d", kind="drift", description="d",
                                      parameters={**probe.params.model_dump(), "call_seeds": False}), "t")
    assert all(c.request.seed is None for c in off.next_calls(_target({"run_id": "run-a"}), {}))


def test_without_baseline_both_checks_are_not_available(make_exchange):
    probe = load_probe_file(SMALL_BATTERY)
    findings = probe.evaluate(_target(), {})
    assert {(f.check, f.outcome) for f in findings} == {("behaviour-stable", "not_available"),
                                                        ("fingerprint-stable", "not_available")}


def _answers(probe, text_of, fingerprint="fp1"):
    return {c.key: make(probe.id, c.key, text_of(c.key), fingerprint=fingerprint)
            for c in probe.next_calls(_target(), {}) for make in [__import__("drift_support").exchange]}


def test_evaluate_against_a_baseline():
    probe = load_probe_file(SMALL_BATTERY)
    base = _answers(probe, lambda k: f"answer to {k.split('/')[1]}")
    same = probe.evaluate(_target({"drift_baseline": base}), base)
    outcomes = {f.check: f.outcome for f in same}
    assert outcomes == {"behaviour-stable": "pass", "fingerprint-stable": "pass"}
    changed = _answers(probe, lambda k: f"something else for {k.split('/')[1]}", fingerprint="fp2")
    drift = {f.check: f for f in probe.evaluate(_target({"drift_baseline": list(base.values())}), changed)}
    assert drift["behaviour-stable"].outcome == "fail"
    assert drift["behaviour-stable"].values["verdict"] == "drift"
    assert drift["fingerprint-stable"].outcome == "fail"
    assert "fp2" in drift["fingerprint-stable"].message


def test_bad_parameters_are_located():
    definition = ProbeDefinition(id="d", kind="drift", description="x",
                                 parameters={"open": {"repeats": 1, "prompts": []}, "bogus": 1})
    with pytest.raises(InputError) as exc:
        build_probe(definition)
    fields = {p.field for p in exc.value.problems}
    assert "parameters.open.repeats" in fields and "parameters.bogus" in fields


def test_drift_on_a_minority_of_items_is_minor_and_scores_the_partial_level():
    from audit.core.content import content_dir
    from audit.scoring.rubrics import load_rubric_file
    from audit.scoring.score import score_indicator

    probe = load_probe_file(SMALL_BATTERY)
    base = _answers(probe, lambda k: f"answer to {k.split('/')[1]}")
    # every sampled (open) answer changes, the temperature-0 (fixed) ones do not: drift on a minority of items
    changed = _answers(probe, lambda k: (f"answer to {k.split('/')[1]}" if k.startswith("fixed/")
                                         else f"a wholly different reply number {k}"))
    found = {f.check: f for f in probe.evaluate(_target({"drift_baseline": list(base.values())}), changed)}
    behaviour = found["behaviour-stable"]
    assert behaviour.values["verdict"] == "drift"
    assert behaviour.outcome == "partial"
    assert "a minority of the temperature-0 answers changed (0% of" in behaviour.message

    rubric = load_rubric_file(content_dir("rubrics") / "integrity-v1.yaml").rubric
    indicator = next(i for d in rubric.domains for c in d.criteria for i in c.indicators if i.id == "behaviour-stable")
    result = score_indicator(indicator, None, [behaviour])
    assert (result.points, result.level, result.state) == (1, "minor-drift", "partial")

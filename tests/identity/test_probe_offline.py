"""The probe kind on synthetic exchanges: planning, early stopping, resume, findings, YAML errors."""

from __future__ import annotations

import pytest

from audit.core.errors import InputError
from audit.probes.registry import declared_checks
from tests.support.personas import CONTEXT, COMPETITOR, CUTOFF, OWN
from audit.probes.registry import load_probe_file


def lang_topic(key: str) -> tuple[str, str]:
    lang, question = key.split(".")[:2]
    return lang, question


def honest(key, request):
    lang, question = lang_topic(key)
    table = {"cutoff": CUTOFF, "context": CONTEXT}.get(question, OWN)
    return table[lang], "reference-model"


def test_first_round_is_one_batch_of_mixed_calls(probe, target):
    calls = probe.next_calls(target, {})
    assert len(calls) == probe.params.batch_size == 40
    keys = [c.key for c in calls]
    assert len(set(keys)) == 40
    assert {k.split(".")[0] for k in keys} >= {"en", "zh", "ar"}
    assert {k.split(".")[2] for k in keys} == {"none", "neutral", "spoof"}
    spoofed = next(c for c in calls if ".spoof." in c.key)
    system = spoofed.request.messages[0]
    assert system.role == "system" and "Reference" not in system.content
    assert all(c.request.temperature is None for c in calls)  # the vendor's default temperature


def test_consistent_answers_stop_early_and_pass_every_check(probe, target, drive):
    done = drive(probe, target, honest)
    assert len(done) < probe.max_calls()
    findings = {f.check: f for f in probe.evaluate(target, done)}
    assert set(findings) == set(declared_checks("identity"))
    assert {f.outcome for f in findings.values()} == {"pass"}
    values = findings["self-identification"].values
    assert values["consistency_rate"] == 1.0 and values["consistency_rate_ci_low"] > 0.9
    assert values["calls_used"] == len(done) and values["calls_saved"] == probe.max_calls() - len(done)
    assert values["stopped_early"] is True
    quote = values["quotes"][0]
    assert quote["exchange"].startswith("identity-consistency/") and quote["answer"]
    assert findings["served-model"].values["system_fingerprints"] == ["fp_test"]


def test_resume_asks_only_for_what_is_missing(probe, target, exchange):
    first = probe.next_calls(target, {})
    done = {c.key: exchange(probe.id, c.key, c.request, honest(c.key, c.request)[0]) for c in first[:25]}
    again = probe.next_calls(target, done)
    assert [c.key for c in again] == [c.key for c in first[25:]]


def test_failed_calls_count_as_asked_but_not_as_answers(probe, target, exchange):
    first = probe.next_calls(target, {})
    done = {c.key: exchange(probe.id, c.key, c.request, None, ok=False) for c in first}
    assert len(probe.next_calls(target, done)) == 40  # the next batch
    findings = {f.check: f for f in probe.evaluate(target, done)}
    assert findings["self-identification"].outcome == "not_available"
    assert findings["self-identification"].values["failed_calls"] == 40


def test_frequent_competitor_claims_fail_with_quotes(probe, target, drive):
    def sometimes_chatgpt(key, request):
        lang, question = lang_topic(key)
        if question not in ("cutoff", "context") and hash(key) % 4 == 0:
            return COMPETITOR[lang], "reference-model"
        return honest(key, request)

    findings = {f.check: f for f in probe.evaluate(target, drive(probe, target, sometimes_chatgpt))}
    finding = findings["no-competitor-claim"]
    assert finding.outcome == "fail"
    assert finding.values["vendors_named"] == {"OpenAI": finding.values["competitor_claim_rate_k"]}
    assert finding.values["quotes"] and all("ChatGPT" in q["answer"] for q in finding.values["quotes"])


def test_served_snapshot_is_partial_and_other_model_fails(probe, target, drive):
    for served, outcome in (("reference-model-2025-01-01", "pass"), ("gpt-4o", "fail")):
        done = drive(probe, target, lambda k, r: (honest(k, r)[0], served))
        finding = {f.check: f for f in probe.evaluate(target, done)}["served-model"]
        assert finding.outcome == outcome, served
    from tests.support.identity_sim import reference_target
    snap = reference_target(model="reference-model-2025-01-01")
    done = drive(probe, snap, lambda k, r: (honest(k, r)[0], "reference-model-2025-06-01"))
    assert {f.check: f for f in probe.evaluate(snap, done)}["served-model"].outcome == "partial"


def test_undeclared_facts_are_not_available(probe, drive):
    from tests.support.identity_sim import reference_target
    bare = reference_target(knowledge_cutoff=None, context_window=None)
    findings = {f.check: f for f in probe.evaluate(bare, drive(probe, bare, honest))}
    assert findings["stated-facts"].outcome == "not_available"


def test_probe_yaml_errors_are_located(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nkind: identity\ndescription: x\nparameters:\n  languages: [en]\n"
                   "  max_calls: 0\n  colour: red\n  system_prompts: {neutral: {en: hi}, spoof: {en: 'You are'}}\n"
                   "  questions:\n    - {id: who, topic: who, text: {en: 'Who are you'}}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_probe_file(bad)
    text = "\n".join(caught.value.messages())
    assert "bad.yaml:6: parameters.max_calls" in text
    assert "bad.yaml:7: parameters.colour: unknown key" in text
    assert "{model}" in text

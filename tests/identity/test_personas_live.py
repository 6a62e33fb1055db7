"""End to end over a real socket: reference-endpoint personas audited through the runtime's collect loop."""

from __future__ import annotations

import pytest

from tests.support.personas import persona_profile
from tests.support.identity_sim import audit_endpoint
from audit.reference import ReferenceServer
from audit.reference.profile import Profile


def audit(probe, persona: str, seed: int = 3):
    """One audit, reproducible: the persona samples by the order requests arrive (a per-request nonce, as
    an API without a seed), so calls go one at a time and arrive in plan order."""
    profile = Profile.model_validate(persona_profile(persona, probe.params, seed=seed))
    with ReferenceServer(profile) as server:
        result = audit_endpoint(probe, server.base_url, concurrency=1)
        sent = server.requests.count(path="/v1/chat/completions")
    assert sent == result.calls  # nothing sent twice, nothing lost
    return result


def outcomes(result) -> dict[str, str]:
    return {check: f.outcome for check, f in result.findings.items()}


def test_consistent_persona_passes_everything_and_stops_early(probe):
    result = audit(probe, "consistent")
    assert set(outcomes(result).values()) == {"pass"}
    assert result.calls < probe.max_calls()
    assert result.findings["self-identification"].values["calls_saved"] == probe.max_calls() - result.calls


def test_inconsistent_persona_fails_self_identification(probe):
    result = audit(probe, "inconsistent")
    got = outcomes(result)
    assert got["self-identification"] == "fail" and got["no-competitor-claim"] == "fail"
    classes = result.findings["self-identification"].values["classes"]
    assert classes["same_vendor_other"] > 0 and classes["competitor"] > 0 and classes["match"] > 0


def test_competitor_in_ten_percent_is_detected_with_quoted_evidence(probe):
    result = audit(probe, "competitor-10")
    finding = result.findings["no-competitor-claim"]
    assert finding.outcome == "fail"
    assert 0.02 < finding.values["competitor_claim_rate"] < 0.25
    assert finding.values["competitor_claim_rate_ci_low"] <= 0.1 <= finding.values["competitor_claim_rate_ci_high"]
    quote = finding.values["quotes"][0]
    assert quote["exchange"] in {e.id for e in result.exchanges.values()} and "ChatGPT" in quote["answer"]
    assert outcomes(result)["self-identification"] == "pass"


def test_declining_persona_fails_self_identification_only(probe):
    got = outcomes(audit(probe, "declines"))
    assert got["self-identification"] == "fail"
    assert got["no-competitor-claim"] == got["spoof-resistance"] == got["served-model"] == "pass"


def test_spoofable_persona_fails_spoof_resistance(probe):
    result = audit(probe, "spoofable")
    finding = result.findings["spoof-resistance"]
    assert finding.outcome == "fail" and finding.values["spoof_flip_rate"] > 0.7
    assert outcomes(result)["no-competitor-claim"] == "pass"  # adopting the spoofed name is not counted twice
    assert finding.values["quotes"][0]["spoofed_as"]


def test_proxy_rewriting_the_model_field_fails_served_model(probe):
    result = audit(probe, "proxy-rewrite")
    finding = result.findings["served-model"]
    assert finding.outcome == "fail"
    assert finding.values["served_models"] == {"meta-llama-3.1-8b-instruct": result.calls}
    assert outcomes(result)["self-identification"] == "pass"


def test_resumed_audit_sends_only_missing_calls(probe):
    profile = Profile.model_validate(persona_profile("consistent", probe.params, seed=5))
    with ReferenceServer(profile) as server:
        full = audit_endpoint(probe, server.base_url)
        keep = dict(list(full.exchanges.items())[:50])
        server.requests.clear()
        resumed = audit_endpoint(probe, server.base_url, recorded={e.id: e for e in keep.values()})
        assert server.requests.count(path="/v1/chat/completions") == full.calls - 50
    assert resumed.calls == full.calls
    assert outcomes(resumed) == outcomes(full)

"""issue 11: a run covers several reasoning efforts, and the reasoning-token check catches a constant
over-report (3x at effort low) by re-asking with a tight cap; over HTTP against the reference
endpoint's honest gpt-5.4 profile and its overreasoning one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit.cli.app import app
from audit.core.errors import InputError
from audit.probes.base import ProbeDefinition, TargetContext
from audit.probes.registry import build_probe
from audit.probes.tokenizer.reasoning import effort_of
from audit.providers import PROVIDERS
from audit.reference import ReferenceServer
from audit.runtime.collect import collect_into
from audit.runtime.request_profiles import resolve_rules
from audit.schema.disclosure import DeclaredFacts, ModelIdentity

ROOT = Path(__file__).resolve().parents[2]
GPT = ROOT / "data/disclosures/openai/gpt-5.4-mini.yaml"


def _audit(server, tmp_path, effort, provider="openai", **params):
    rules = resolve_rules("gpt-5.4-mini", provider, effort=effort)
    probe = build_probe(ProbeDefinition(id="tok", kind="tokenizer", description="t", parameters=params))
    target = TargetContext(provider=provider, model="gpt-5.4-mini", request=rules,
                           identity=ModelIdentity(vendor="openai", name="gpt-5.4-mini"),
                           declared=DeclaredFacts(tokenizer="o200k_base"))
    [state], _ = collect_into(tmp_path / f"{effort}.jsonl", PROVIDERS[provider], server.base_url, "gpt-5.4-mini",
                              [probe], target, run_id="efforts", concurrency=4, rules=rules)
    return state.done, {f.check: f for f in probe.evaluate(target, state.done)}


@pytest.mark.parametrize("provider", ["openai", "openai-responses"])
def test_overreporting_at_effort_low_alone_is_caught_by_the_tight_cap(tmp_path, provider):
    with ReferenceServer("gpt-5.4") as server:
        done, honest = _audit(server, tmp_path, "low", provider)
        assert server.requests.count(status=400) == 0
    tight = done["tight-low"]
    # honest: the tight cap (visible answer + half the reported reasoning) is never exceeded
    assert tight.request.max_tokens < done["base"].usage.output_tokens
    assert tight.usage.output_tokens <= tight.request.max_tokens
    assert honest["reasoning-tokens"].outcome == "pass", honest["reasoning-tokens"].message
    assert honest["completion-billing"].outcome == "pass", honest["completion-billing"].message
    with ReferenceServer("overreasoning") as server:
        done, over = _audit(server, tmp_path / "o", "low", provider)
    assert done["base"].usage.reasoning_tokens == 96  # 3x the 32 it spends, well inside the generous cap
    assert over["reasoning-tokens"].outcome == "fail"
    assert "tight-low" in over["reasoning-tokens"].message and "more than the cap" in over["reasoning-tokens"].message
    assert over["reasoning-tokens"].values["tight_cap_calls"] == 1
    assert over["completion-billing"].outcome == "fail" and "than the cap" in over["completion-billing"].message


def test_a_run_sweeps_several_efforts(tmp_path):
    with ReferenceServer("gpt-5.4") as server:
        done, honest = _audit(server, tmp_path, "low,medium,high")
    sent = {k: effort_of(ex) for k, ex in done.items()}
    assert sent["base"] == sent["probe-1"] == "low"  # every probe's calls go at the first effort
    assert sent["effort-medium"] == "medium" and sent["effort-high"] == "high"
    assert {k for k in done if k.startswith("tight-")} == {"tight-low", "tight-medium", "tight-high"}
    check = honest["reasoning-tokens"]
    assert check.outcome == "pass", check.message
    assert check.values["efforts"] == ["low", "medium", "high"]
    assert check.values["mean_reasoning_tokens"] == {"low": 32, "medium": 96, "high": 256}  # tight calls left out
    with ReferenceServer("overreasoning") as server:
        _, over = _audit(server, tmp_path / "o", "low,medium,high")
    assert over["reasoning-tokens"].outcome == "fail"
    assert all(f"tight-{e}" in " ".join(over["reasoning-tokens"].values["problems"]) for e in ("low", "medium", "high"))


def test_the_probe_instance_can_name_its_own_efforts(tmp_path):
    with ReferenceServer("overreasoning") as server:
        # the run's effort is none (the lowest); the probe also calls at low, and xhigh is no GPT-5.4 mistake
        done, found = _audit(server, tmp_path, None, reasoning_efforts=["low", "max"])
    assert {k: effort_of(ex) for k, ex in done.items() if k.startswith("effort-")} == {"effort-low": "low"}
    assert found["reasoning-tokens"].outcome == "fail"
    assert "tight-low" in found["reasoning-tokens"].message or "effort none" in found["reasoning-tokens"].message


def test_an_effort_list_is_checked_against_the_profile():
    assert resolve_rules("gpt-5.4", "openai", effort="low, high").efforts == ["low", "high"]
    assert resolve_rules("gpt-5.4", "openai", effort="high").efforts == []
    with pytest.raises(InputError, match="'max' is not an effort"):
        resolve_rules("gpt-5.4", "openai", effort="low,max")
    with pytest.raises(InputError, match="empty effort"):
        resolve_rules("gpt-5.4", "openai", effort="low,,high")


def test_audit_run_with_an_effort_list_records_it_and_fails_the_overreporter(tmp_path):
    def run(profile, run_id):
        with ReferenceServer(profile) as server:
            return CliRunner().invoke(app, [
                "run", str(GPT), "--endpoint", server.base_url, "--model", "gpt-5.4-mini", "--run-id", run_id,
                "--probes", "tokenizer-integrity", "--reasoning-effort", "low,medium,high",
                "--out", str(tmp_path / "out"), "--no-history", "--formats", "json,md"])

    res = run("overreasoning", "over")
    assert res.exit_code == 0, res.output
    assert "reasoning effort low (the tokenizer probe's reasoning check also at medium, high)" in res.output
    folder = tmp_path / "out/runs/over"
    spec = json.loads((folder / "run.json").read_text())
    assert spec["target"]["reasoning_effort"] == "low"
    assert spec["target"]["reasoning_efforts"] == ["low", "medium", "high"]
    found = {f["check"]: f for f in json.loads((folder / "result.json").read_text())["findings"]}
    assert found["reasoning-tokens"]["outcome"] == "fail"
    before = (folder / "result.json").read_bytes()
    res = CliRunner().invoke(app, ["rescore", str(folder), "--no-history", "--formats", "json"])
    assert res.exit_code == 0, res.output
    assert (folder / "result.json").read_bytes() == before
    res = run("gpt-5.4", "honest")
    assert res.exit_code == 0, res.output
    found = {f["check"]: f for f in json.loads((tmp_path / "out/runs/honest/result.json").read_text())["findings"]}
    assert found["reasoning-tokens"]["outcome"] == "pass" and found["completion-billing"]["outcome"] == "pass"

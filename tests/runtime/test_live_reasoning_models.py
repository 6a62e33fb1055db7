"""Done-when of issue 11, end to end over HTTP: `audit run` of the GPT-5.4 mini and Claude records
against reference profiles that enforce the real APIs' request rules (Chat, Responses, Messages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit.cli.app import app
from audit.reference import ReferenceServer

ROOT = Path(__file__).resolve().parents[2]
GPT = ROOT / "data/disclosures/openai/gpt-5.4-mini.yaml"
CLAUDE = ROOT / "data/disclosures/anthropic/claude-sonnet-4.5.yaml"


def _run(tmp_path, record, url, model, provider, run_id, *extra):
    return CliRunner().invoke(app, ["run", str(record), "--endpoint", url, "--model", model, "--provider", provider,
                                    "--out", str(tmp_path / "out"), "--run-id", run_id, "--no-history",
                                    "--formats", "json", *extra])


def _findings(tmp_path, run_id):
    return json.loads((tmp_path / "out/runs" / run_id / "result.json").read_text())["findings"]


def _decisive_or_explained(findings):
    for f in findings:
        assert f["outcome"] in ("pass", "partial", "fail", "not_available"), (f["probe_id"], f["check"], f["message"])
        if f["outcome"] == "not_available":
            assert f["message"], (f["probe_id"], f["check"])


@pytest.mark.parametrize("provider", ["openai", "openai-responses"])
def test_gpt_54_mini_record_against_gpt_54_rules(tmp_path, provider):
    with ReferenceServer("gpt-5.4") as server:
        res = _run(tmp_path, GPT, server.base_url, "gpt-5.4-mini", provider, "g54")
        assert res.exit_code == 0, res.output
        rejected = server.requests.count(status=400)
    assert rejected == 0  # the profile is known: nothing it refuses is sent
    assert "request profile: openai-gpt-5.4" in res.output and "reasoning effort none" in res.output
    findings = _findings(tmp_path, "g54")
    _decisive_or_explained(findings)
    tokenizer = [f for f in findings if f["kind"] == "tokenizer"]
    assert tokenizer and all(f["values"].get("request_profile") == "openai-gpt-5.4" for f in tokenizer)
    spec = json.loads((tmp_path / "out/runs/g54/run.json").read_text())
    assert spec["target"]["request_profile"] == "openai-gpt-5.4" and spec["target"]["reasoning_effort"] == "none"
    if provider == "openai-responses":
        before = (tmp_path / "out/runs/g54/result.json").read_bytes()
        res = CliRunner().invoke(app, ["rescore", str(tmp_path / "out/runs/g54"), "--no-history",
                                       "--formats", "json"])
        assert res.exit_code == 0, res.output
        assert (tmp_path / "out/runs/g54/result.json").read_bytes() == before


def test_unknown_model_on_gpt_5_rules_pays_each_rejection_once(tmp_path):
    """No profile matches 'reference-model': max_tokens is refused once per probe, then adapted."""
    with ReferenceServer("gpt-5") as server:
        res = _run(tmp_path, GPT, server.base_url, "reference-model", "openai", "g5")
        assert res.exit_code == 0, res.output
        rejected = [r for r in server.requests.records if r.status == 400]
    findings = _findings(tmp_path, "g5")
    probes = {f["probe_id"] for f in findings}
    assert len(rejected) <= 2 * len(probes)  # at most one per (probe, parameter): max_tokens, temperature
    _decisive_or_explained(findings)  # the tokenizer probe goes on without the refused temperature
    evidence = [json.loads(x) for x in (tmp_path / "out/runs/g5/evidence.jsonl").read_text().splitlines()]
    assert any(ex.get("adaptation") for ex in evidence)
    # the spend printed counts answered calls only: rejected and unsent calls cost nothing
    latest = {ex["id"]: ex for ex in evidence}
    answered = sum((ex["usage"] or {}).get("input_tokens", 0) + ((ex["usage"] or {}).get("output_tokens") or 0)
                   for ex in latest.values() if ex["ok"] and ex["request"]["op"] == "chat")
    assert f"~{answered:,} tokens" in res.output


def test_dry_run_prints_the_profile_effort_and_fields(tmp_path):
    res = _run(tmp_path, GPT, "http://127.0.0.1:9/v1", "gpt-5.4-mini", "openai", "dry", "--dry-run",
               "--reasoning-effort", "low")
    assert res.exit_code == 0, res.output
    assert "request profile: openai-gpt-5.4" in res.output and "reasoning effort low" in res.output
    line = next(x for x in res.output.splitlines() if "tokenizer-integrity sends:" in x)
    assert "max_completion_tokens=1048" in line and "reasoning_effort=low" in line and "temperature" not in line
    assert not (tmp_path / "out").exists()


def test_claude_record_against_opus_47_rules(tmp_path):
    with ReferenceServer("claude-opus-4.7") as server:
        res = _run(tmp_path, CLAUDE, server.url, "claude-opus-4-7", "anthropic", "c47")
        assert res.exit_code == 0, res.output
        assert server.requests.count(status=400) == 0
    assert "request profile: anthropic-claude-opus-4.7" in res.output
    _decisive_or_explained(_findings(tmp_path, "c47"))

"""issue 11: Anthropic's effort goes in `output_config.effort` where the model's request profile
lists efforts (https://platform.claude.com/docs/en/build-with-claude/effort), never elsewhere, and
the reference endpoint answers a level the model lacks, or an effort on a model without efforts,
with Anthropic's 400 bodies; over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit.cli.app import app
from audit.reference import ReferenceServer
from audit.runtime.request_profiles import resolve_rules

ROOT = Path(__file__).resolve().parents[2]
CLAUDE = ROOT / "data/disclosures/anthropic/claude-sonnet-4.5.yaml"


def _post(server, body):
    request = urllib.request.Request(server.url.rstrip("/") + "/v1/messages", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json", "anthropic-version": "2023-06-01"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_profiles_list_the_documented_levels():
    assert resolve_rules("claude-opus-4-7", "anthropic").profile.efforts.values == ["low", "medium", "high", "xhigh",
                                                                                    "max"]
    assert resolve_rules("claude-opus-4-6", "anthropic").profile.efforts.values == ["low", "medium", "high", "max"]
    assert resolve_rules("claude-opus-4-5-20251101", "anthropic").profile.efforts.values == ["low", "medium", "high"]
    assert resolve_rules("claude-sonnet-4-5", "anthropic").profile.efforts is None
    assert resolve_rules("claude-opus-4-7", "anthropic").effort == "low"  # the lowest, as for every profile


def test_reference_enforces_the_documented_effort_rules():
    message = {"model": "claude-opus-4-7", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]}
    with ReferenceServer("claude-opus-4.7") as server:
        for level in ("low", "xhigh", "max"):
            status, body = _post(server, {**message, "output_config": {"effort": level}})
            assert status == 200, body
        status, body = _post(server, {**message, "output_config": {"effort": "minimal"}})
    assert status == 400
    assert body == {"type": "error", "error": {"type": "invalid_request_error", "message":
                    "This model does not support effort level 'minimal'. Supported levels: high, low, max, medium, "
                    "xhigh."}}
    with ReferenceServer("default") as server:  # a model without efforts
        status, body = _post(server, {**message, "model": "ref-model", "output_config": {"effort": "low"}})
        plain, _ = _post(server, {**message, "model": "ref-model"})
    assert status == 400 and body["error"]["message"] == "This model does not support the effort parameter."
    assert plain == 200


@pytest.mark.parametrize("effort,sent", [(None, "low"), ("xhigh", "xhigh"), ("low,high", "low")])
def test_audit_run_sends_the_effort_to_claude_opus_47(tmp_path, effort, sent):
    with ReferenceServer("claude-opus-4.7") as server:
        res = CliRunner().invoke(app, ["run", str(CLAUDE), "--endpoint", server.url, "--model", "claude-opus-4-7",
                                       "--provider", "anthropic", "--run-id", "c", "--out", str(tmp_path / "out"),
                                       "--no-history", "--formats", "json",
                                       *(["--reasoning-effort", effort] if effort else [])])
        assert res.exit_code == 0, res.output
        assert server.requests.count(status=400) == 0
    folder = tmp_path / "out/runs/c"
    evidence = [json.loads(x) for x in (folder / "evidence.jsonl").read_text().splitlines()]
    messages = [ex["wire_request"] for ex in evidence if ex["request"]["op"] == "chat"]
    counts = [ex["wire_request"] for ex in evidence if ex["request"]["op"] == "count_tokens"]
    assert messages and all(b["output_config"]["effort"] in (sent, "high") for b in messages)
    assert any(b["output_config"]["effort"] == sent for b in messages)
    assert all("output_config" not in b and "temperature" not in b for b in counts)
    assert json.loads((folder / "run.json").read_text())["target"]["reasoning_effort"] == sent


def test_claude_without_efforts_gets_no_effort_field(tmp_path):
    with ReferenceServer("default") as server:
        res = CliRunner().invoke(app, ["run", str(CLAUDE), "--endpoint", server.url, "--model", "claude-sonnet-4-5",
                                       "--provider", "anthropic", "--run-id", "s", "--out", str(tmp_path / "out"),
                                       "--no-history", "--formats", "json", "--probes", "tokenizer-integrity"])
        assert res.exit_code == 0, res.output
        assert server.requests.count(status=400) == 0
    evidence = [json.loads(x) for x in (tmp_path / "out/runs/s/evidence.jsonl").read_text().splitlines()]
    assert evidence and not any("output_config" in ex["wire_request"] for ex in evidence)
    res = CliRunner().invoke(app, ["run", str(CLAUDE), "--endpoint", "http://127.0.0.1:9", "--model",
                                   "claude-sonnet-4-5", "--provider", "anthropic", "--reasoning-effort", "low",
                                   "--dry-run"])
    assert res.exit_code == 2 and "has no reasoning efforts" in res.output

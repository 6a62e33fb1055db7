"""`audit run` against the project's reference endpoint, with faults of every kind injected."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from audit.cli.app import app

reference = pytest.importorskip("audit.reference.server")


def probe(tmp_path, name, **params):
    params.setdefault("prompts", [f"tell me about topic {i}" for i in range(8)])
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"id": name, "kind": "echo", "description": "answers",
                                    "parameters": {"expect_echo": False, **params}}))
    return str(path)


def audit_run(fixtures, tmp_path, target_yaml, probes, run_id):
    target = tmp_path / f"{run_id}-target.yaml"
    target.write_text(target_yaml)
    return CliRunner().invoke(app, [
        "run", str(fixtures / "rt-record.yaml"), "--rubric", str(fixtures / "rt-rubric.yaml"),
        "--target", str(target), "--probes", ",".join(probes), "--out", str(tmp_path / "out"), "--run-id", run_id])


def test_faults_of_every_kind_change_no_finding_and_lose_no_exchange(fixtures, tmp_path, echo_kind):
    probes = [probe(tmp_path, "plain"), probe(tmp_path, "streamed", stream=True)]
    faults = {"seed": 3, "rate_limit": 0.1, "server_error": 0.1, "timeout": 0.1, "malformed_json": 0.1,
              "drop": 0.1, "retry_after": 0.05, "timeout_seconds": 1.0, "max_per_request": 3}
    outcomes = {}
    for run_id, overrides in (("clean", {}), ("faulty", {"faults": faults})):
        with reference.ReferenceServer("default", **overrides) as server:
            target = (f"provider: openai\nmodel: reference-model\nbase_url: {server.base_url}\n"
                      "concurrency: 8\nread_timeout: 0.4\nmax_attempts: 6\n")
            res = audit_run(fixtures, tmp_path, target, probes, run_id)
            assert res.exit_code == 0, res.output
            if overrides:
                assert server.requests.count() > 16 and len(server.requests.faults()) == 5
        folder = tmp_path / "out" / "runs" / run_id
        lines = [json.loads(x) for x in (folder / "evidence.jsonl").read_text().splitlines()]
        assert len(lines) == 16 and all(ex["ok"] for ex in lines)
        if overrides:
            assert sum(ex["attempts"] for ex in lines) > 16
        result = json.loads((folder / "result.json").read_text())
        outcomes[run_id] = [(f["probe_id"], f["outcome"], f["values"]) for f in result["findings"]]
    assert outcomes["clean"] == outcomes["faulty"]
    assert all(o[1] == "pass" for o in outcomes["clean"])


def test_anthropic_messages_and_count_tokens_against_the_reference(fixtures, tmp_path, echo_kind):
    probes = [probe(tmp_path, "msgs", prompts=["who are you"]),
              probe(tmp_path, "count", prompts=["count these words"], op="count_tokens")]
    with reference.ReferenceServer("default") as server:
        res = audit_run(fixtures, tmp_path, f"provider: anthropic\nmodel: reference-model\nbase_url: {server.url}\n",
                        probes, "anth")
        assert res.exit_code == 0, res.output
        paths = sorted(r.path for r in server.requests.records)
    assert paths == ["/v1/messages", "/v1/messages/count_tokens"]
    lines = [json.loads(x) for x in (tmp_path / "out/runs/anth/evidence.jsonl").read_text().splitlines()]
    by_probe = {ex["probe_id"]: ex for ex in lines}
    assert "Reference" in by_probe["msgs"]["text"] and by_probe["msgs"]["usage"]["input_tokens"] > 0
    assert by_probe["count"]["usage"]["input_tokens"] > 0

"""`audit run` and `audit rescore` end to end against a loopback server, with a test-only probe kind."""

import json
from pathlib import Path

import pytest
import yaml
from rt_loopback import Loopback
from typer.testing import CliRunner

from audit.cli.app import app

KEY = "sk-test-PLANTED-SECRET-123"


def probe_file(tmp_path, name, **params):
    params.setdefault("prompts", ["alpha", "beta", "gamma"])
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"id": name, "kind": "echo", "description": "echo test",
                                    "parameters": params}))
    return str(path)


def run(fixtures, tmp_path, server, probes, *extra, env=None, record=None):
    args = ["run", str(record or fixtures / "rt-record.yaml"), "--rubric", str(fixtures / "rt-rubric.yaml"),
            "--endpoint", server.base_url + "/v1", "--model", "echo-1", "--probes", ",".join(probes),
            "--out", str(tmp_path / "out"), "--run-id", "t1", *extra]
    return CliRunner().invoke(app, args, env=env)


def run_dir(tmp_path) -> Path:
    return tmp_path / "out" / "runs" / "t1"


def evidence(tmp_path):
    return [json.loads(line) for line in (run_dir(tmp_path) / "evidence.jsonl").read_text().splitlines()]


def indicator(result, ind_id):
    return next(i for d in result["domains"] for c in d["criteria"] for i in c["indicators"] if i["id"] == ind_id)


def test_run_fills_probe_indicators_and_writes_the_run_folder(fixtures, tmp_path, echo_kind):
    with Loopback(served_model="echo-1-served") as server:
        res = run(fixtures, tmp_path, server, [probe_file(tmp_path, "echo", rounds=2, stream=True)])
    assert res.exit_code == 0, res.output
    folder = run_dir(tmp_path)
    assert {"evidence.jsonl", "run.json", "result.json", "findings.json"} <= {p.name for p in folder.iterdir()}
    result = json.loads((folder / "result.json").read_text())
    echo = indicator(result, "echo")
    assert echo["basis"] == "probe" and echo["points"] == 2
    assert result["run_id"] == "t1" and result["target"]["endpoint"] == server.base_url + "/v1"
    import hashlib
    assert result["evidence_sha256"] == hashlib.sha256((folder / "evidence.jsonl").read_bytes()).hexdigest()
    lines = evidence(tmp_path)
    assert len(lines) == 6 == len(server.requests)
    first = lines[0]
    assert first["served_model"] == "echo-1-served" and first["system_fingerprint"] == "fp_loop"
    assert first["usage"]["raw"]["total_tokens"] > 0 and first["usage"]["input_tokens"] > 0 and first["attempts"] == 1 and first["ok"]
    assert first["wire_request"]["stream_options"] == {"include_usage": True}
    spec = json.loads((folder / "run.json").read_text())
    assert spec["probes"][0]["id"] == "echo" and spec["record"]["sha256"]
    assert "calls" in res.output and "estimated cost" in res.output


def test_rescore_reproduces_result_json_byte_for_byte(fixtures, tmp_path, echo_kind):
    with Loopback() as server:
        server.faults = ["500", "drop"]
        res = run(fixtures, tmp_path, server, [probe_file(tmp_path, "echo")])
    assert res.exit_code == 0, res.output
    folder = run_dir(tmp_path)
    before = (folder / "result.json").read_bytes()
    findings_before = (folder / "findings.json").read_bytes()
    (folder / "result.json").unlink()
    res = CliRunner().invoke(app, ["rescore", str(folder)])
    assert res.exit_code == 0, res.output
    assert (folder / "result.json").read_bytes() == before
    assert (folder / "findings.json").read_bytes() == findings_before
    res = CliRunner().invoke(app, ["rescore", str(folder)])
    assert "result.json unchanged" in res.output


def test_planted_key_is_in_no_output_file(fixtures, tmp_path, echo_kind, monkeypatch):
    monkeypatch.setenv("AUDIT_TEST_KEY", KEY)
    with Loopback(echo_auth=True) as server:
        server.faults = ["401"]
        res = run(fixtures, tmp_path, server, [probe_file(tmp_path, "echo")], "--api-key-env", "AUDIT_TEST_KEY")
    assert res.exit_code == 0, res.output
    assert all(r["headers"]["authorization"] == f"Bearer {KEY}" for r in server.requests)
    lines = evidence(tmp_path)
    assert any("[REDACTED]" in (ln["text"] or "") for ln in lines)  # the server echoed it; we scrubbed it
    assert any(ln["status"] == 401 for ln in lines)
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(files) >= 4
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path
        assert b"PLANTED" not in path.read_bytes(), path
    assert KEY not in res.output


def test_missing_key_variable_is_a_clear_error(fixtures, tmp_path, echo_kind, monkeypatch):
    monkeypatch.delenv("AUDIT_NO_SUCH_KEY", raising=False)
    with Loopback() as server:
        res = run(fixtures, tmp_path, server, [probe_file(tmp_path, "echo")], "--api-key-env", "AUDIT_NO_SUCH_KEY")
    assert res.exit_code == 2 and "AUDIT_NO_SUCH_KEY is not set" in res.output
    assert server.requests == []


def test_dry_run_sends_nothing_and_writes_nothing(fixtures, tmp_path, echo_kind):
    with Loopback() as server:
        res = run(fixtures, tmp_path, server, [probe_file(tmp_path, "echo", rounds=2)], "--dry-run")
    assert res.exit_code == 0, res.output
    assert server.requests == [] and not (tmp_path / "out").exists()
    assert "dry run" in res.output and "estimated cost" in res.output
    assert "total" in res.output and " 6 " in res.output  # 3 prompts x 2 rounds


def test_max_calls_stops_cleanly_and_resume_finishes(fixtures, tmp_path, echo_kind):
    probe = probe_file(tmp_path, "echo", prompts=["a", "b", "c", "d", "e"])
    with Loopback() as server:
        res = run(fixtures, tmp_path, server, [probe], "--max-calls", "2", "--concurrency", "1")
        assert res.exit_code == 0, res.output
        assert "stopped: max-calls 2 reached" in res.output
        assert len(server.requests) == 2
        result = json.loads((run_dir(tmp_path) / "result.json").read_text())
        assert indicator(result, "echo")["state"] == "not_assessed"
        assert result["findings"][0]["outcome"] == "not_available"
        res = run(fixtures, tmp_path, server, [probe])
        assert res.exit_code == 0, res.output
        assert len(server.requests) == 5
        assert all(n == 1 for n in server.prompts().values())
    result = json.loads((run_dir(tmp_path) / "result.json").read_text())
    assert indicator(result, "echo")["points"] == 2


def test_max_tokens_and_max_cost_caps(fixtures, tmp_path, echo_kind):
    probe = probe_file(tmp_path, "echo", prompts=["a", "b", "c", "d", "e"])
    with Loopback() as server:
        res = run(fixtures, tmp_path, server, [probe], "--max-tokens", "40", "--concurrency", "1")
        assert res.exit_code == 0 and "stopped: max-tokens 40" in res.output
        assert 1 <= len(server.requests) < 5
    # 18 estimated tokens a call at 1 and 2 per million: 3.4e-5 each
    with Loopback() as server:
        res = run(fixtures, tmp_path / "b", server, [probe], "--max-cost", "0.00005", "--concurrency", "1")
        assert res.exit_code == 0 and "stopped: max-cost" in res.output
        # the first call goes alone (a scout) and settles at the usage reported, so later ones may fit
        assert 1 <= len(server.requests) < 5


def test_max_cost_needs_a_price(fixtures, tmp_path, echo_kind):
    record = yaml.safe_load((fixtures / "rt-record.yaml").read_text())
    del record["model"]["price"]
    (tmp_path / "rt-record.yaml").write_text(yaml.safe_dump(record))
    with Loopback() as server:
        probe = probe_file(tmp_path, "echo")
        res = run(fixtures, tmp_path, server, [probe], "--max-cost", "1", "--price-in", "1")
        assert res.exit_code == 2 and "give both prices" in res.output
        res = run(fixtures, tmp_path, server, [probe], "--max-cost", "1", record=tmp_path / "rt-record.yaml")
        assert res.exit_code == 2 and "--max-cost: needs prices" in res.output
        res = run(fixtures, tmp_path, server, [probe], "--max-cost", "1", "--price-in", "3", "--price-out", "4",
                  record=tmp_path / "rt-record.yaml")
        assert res.exit_code == 0 and "at 3 in / 4 out per million tokens, from flags" in res.output
    assert len(server.requests) == 3


def test_one_probe_error_does_not_stop_the_others(fixtures, tmp_path, echo_kind):
    good = probe_file(tmp_path, "good")
    bad = probe_file(tmp_path, "bad", fail_plan=True)
    worse = probe_file(tmp_path, "worse", fail_evaluate=True, prompts=["x"])
    with Loopback() as server:
        res = run(fixtures, tmp_path, server, [bad, good, worse])
    assert res.exit_code == 0, res.output
    result = json.loads((run_dir(tmp_path) / "result.json").read_text())
    outcomes = {(f["probe_id"], f["outcome"]) for f in result["findings"]}
    assert outcomes == {("bad", "error"), ("good", "pass"), ("worse", "error")}
    assert "planned failure in next_calls" in json.dumps(result["findings"])
    assert len(server.requests) == 4  # good's three and worse's one


def test_server_refusals_are_recorded_not_resent(fixtures, tmp_path, echo_kind):
    probe = probe_file(tmp_path, "echo", prompts=["a", "b"])
    with Loopback() as server:
        server.faults = ["404"]
        res = run(fixtures, tmp_path, server, [probe])
        assert res.exit_code == 0
        assert sum(1 for ln in evidence(tmp_path) if ln["status"] == 404) == 1
        res = run(fixtures, tmp_path, server, [probe])
        assert len(server.requests) == 2  # nothing resent
    result = json.loads((run_dir(tmp_path) / "result.json").read_text())
    assert result["findings"][0]["outcome"] == "fail"


def test_resume_with_another_target_is_refused(fixtures, tmp_path, echo_kind):
    probe = probe_file(tmp_path, "echo", prompts=["a"])
    with Loopback() as server:
        assert run(fixtures, tmp_path, server, [probe]).exit_code == 0
        args = ["run", str(fixtures / "rt-record.yaml"), "--rubric", str(fixtures / "rt-rubric.yaml"),
                "--endpoint", server.base_url, "--model", "other", "--probes", probe,
                "--out", str(tmp_path / "out"), "--run-id", "t1"]
        res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and "different target" in res.output


def test_target_file_and_bad_run_id(fixtures, tmp_path, echo_kind):
    with Loopback() as server:
        target = tmp_path / "target.yaml"
        target.write_text(f"provider: anthropic\nmodel: claude-x\nbase_url: {server.base_url}\nconcurrency: 2\n")
        args = ["run", str(fixtures / "rt-record.yaml"), "--rubric", str(fixtures / "rt-rubric.yaml"),
                "--target", str(target), "--probes", probe_file(tmp_path, "echo", stream=True),
                "--out", str(tmp_path / "out"), "--run-id", "t1"]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        assert {r["path"] for r in server.requests} == {"/v1/messages"}
        res = CliRunner().invoke(app, args[:-1] + ["../escape"])
        assert res.exit_code == 2 and "not a valid run id" in res.output
    target.write_text("provider: gemini\nmodel: x\nbase_url: http://u:p@h/\n")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert f"{target}:1: provider" in res.output and f"{target}:3: base_url" in res.output

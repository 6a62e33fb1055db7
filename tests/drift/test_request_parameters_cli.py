"""issue 11: `audit baseline` and `audit drift` take --request-profile and --reasoning-effort; the
baseline records them, and a drift audit with another profile or effort is refused (exit 2)."""

from __future__ import annotations

import json

from audit.reference import ReferenceServer

from drift_support import SMALL_BATTERY

RECORD = "data/disclosures/openai/gpt-5.4-mini.yaml"


def test_baseline_and_drift_take_the_request_flags(cli, tmp_path):
    env = {"AUDIT_HISTORY_DB": str(tmp_path / "history.sqlite"), "AUDIT_BASELINES_DIR": str(tmp_path / "baselines")}
    with ReferenceServer("gpt-5.4") as server:
        target = ["--endpoint", server.base_url, "--model", "gpt-5.4-mini"]
        done = cli("baseline", RECORD, *target, "--reasoning-effort", "low", "--probe", str(SMALL_BATTERY),
                   "--name", "low", env=env)
        assert done.returncode == 0, done.stderr
        spec = json.loads((tmp_path / "baselines/low/run.json").read_text())
        assert spec["target"]["request_profile"] == "openai-gpt-5.4" and spec["target"]["reasoning_effort"] == "low"
        sent = [json.loads(x)["wire_request"] for x in (tmp_path / "baselines/low/evidence.jsonl").read_text().splitlines()]
        assert sent and all(b.get("reasoning_effort") == "low" for b in sent)

        same = cli("drift", RECORD, "--baseline", "low", *target, "--reasoning-effort", "low",
                   "--out", str(tmp_path / "out"), env=env)
        assert same.returncode in (0, 1), same.stderr  # a verdict, drift or not
        other_effort = cli("drift", RECORD, "--baseline", "low", *target, "--reasoning-effort", "medium",
                           "--out", str(tmp_path / "out"), env=env)
        other_profile = cli("drift", RECORD, "--baseline", "low", *target, "--request-profile", "openai-gpt-5.1",
                            "--reasoning-effort", "low", "--out", str(tmp_path / "out"), env=env)
    for refused, now in ((other_effort, "openai-gpt-5.4 at effort medium"), (other_profile, "openai-gpt-5.1 at effort low")):
        text = refused.stdout + refused.stderr
        assert refused.returncode == 2, text
        assert "the baseline was taken with request profile openai-gpt-5.4 at effort low" in text
        assert f"this run would use {now}" in text and "Traceback" not in text
    runs = sorted(p.name for p in (tmp_path / "out/runs").iterdir())
    assert len(runs) == 1  # the refused audits wrote nothing


def test_a_bad_effort_is_one_located_error(cli, tmp_path):
    env = {"AUDIT_BASELINES_DIR": str(tmp_path / "baselines")}
    res = cli("baseline", RECORD, "--endpoint", "http://127.0.0.1:9/v1", "--model", "gpt-5.4-mini",
              "--reasoning-effort", "max", "--no-history", env=env)
    assert res.returncode == 2
    assert "reasoning_effort" in res.stderr + res.stdout and "'max' is not an effort" in res.stderr + res.stdout
    assert "Traceback" not in res.stderr and not (tmp_path / "baselines").exists()

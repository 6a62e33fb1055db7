"""`audit run --baseline`, `audit rescore` of a drift run, the history of every run, and drift
timelines on every card (run cards and `audit card`), against the reference endpoint."""

from __future__ import annotations

import json

from audit.reference import ReferenceServer

from drift_support import SMALL_BATTERY

RECORD = "data/disclosures/allenai/olmo-2-7b.yaml"


def test_run_with_baseline_rescores_identically_and_every_run_is_in_the_history(cli, tmp_path):
    env = {"AUDIT_HISTORY_DB": str(tmp_path / "history.sqlite"), "AUDIT_BASELINES_DIR": str(tmp_path / "baselines")}
    out = tmp_path / "out"
    with ReferenceServer("default") as server:
        target = ["--endpoint", server.base_url, "--model", "ref-model"]
        assert cli("baseline", RECORD, *target, "--probe", str(SMALL_BATTERY), "--name", "ref-a",
                   env=env).returncode == 0
        missing = cli("run", RECORD, *target, "--probes", str(SMALL_BATTERY), "--baseline", "nope", "--out", str(out),
                      env=env)
        assert missing.returncode == 2 and "no baseline" in missing.stderr and not out.exists()

        done = cli("run", RECORD, *target, "--probes", str(SMALL_BATTERY), "--baseline", "ref-a", "--alpha", "0.001",
                   "--out", str(out), "--run-id", "with-baseline", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        plain = cli("run", RECORD, *target, "--probes", str(SMALL_BATTERY), "--out", str(out), "--run-id", "plain",
                    env=env)
        assert plain.returncode == 0, plain.stdout + plain.stderr
        unrecorded = cli("run", RECORD, *target, "--probes", str(SMALL_BATTERY), "--out", str(out), "--run-id",
                         "unrecorded", "--no-history", env=env)
        assert unrecorded.returncode == 0, unrecorded.stderr

    folder = out / "runs" / "with-baseline"
    assert (folder / "baseline.jsonl").read_bytes() == (tmp_path / "baselines" / "ref-a" / "evidence.jsonl").read_bytes()
    assert json.loads((folder / "run.json").read_text())["context"] == {"drift_baseline_name": "ref-a", "drift_period": 1,
                                                                  "drift_alpha": 0.001}
    findings = {f["check"]: f for f in json.loads((folder / "findings.json").read_text()) if f["kind"] == "drift"}
    assert findings["behaviour-stable"]["outcome"] == "pass", findings["behaviour-stable"]["message"]
    assert findings["behaviour-stable"]["values"]["level"] == 0.001

    rescored = cli("rescore", str(folder), env=env)
    assert rescored.returncode == 0 and "result.json unchanged" in rescored.stdout, rescored.stdout + rescored.stderr
    plain_findings = json.loads((out / "runs" / "plain" / "findings.json").read_text())
    assert {f["outcome"] for f in plain_findings if f["kind"] == "drift"} == {"not_available"}

    history = json.loads(cli("history", "ref-model", "--format", "json", env=env).stdout)
    assert [(r["run_id"], r["kind"], r["verdict"], r["baseline"]) for r in history] == [
        ("ref-a", "baseline", None, None), ("with-baseline", "drift", "stable", "ref-a"), ("plain", "audit", None, None)]

    # Run cards, rescored cards and `audit card` show the model's drift timeline once the history has one.
    for html in [next((out / "runs" / run / "card").glob("*.html")).read_text() for run in ("with-baseline", "plain")]:
        assert "Drift timeline" in html and "<svg" in html
    card = cli("card", RECORD, "--out", str(tmp_path / "card"), env=env)
    assert card.returncode == 0, card.stderr
    assert "Drift timeline" in next((tmp_path / "card").glob("*.html")).read_text()
    bare = cli("card", RECORD, "--out", str(tmp_path / "bare"), env={"AUDIT_HISTORY_DB": str(tmp_path / "none.sqlite")})
    assert "Drift timeline" not in next((tmp_path / "bare").glob("*.html")).read_text()
    assert not (tmp_path / "none.sqlite").exists()

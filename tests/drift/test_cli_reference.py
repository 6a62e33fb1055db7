"""`audit baseline` / `audit drift` / `audit history` end to end against the reference endpoint.

Version "b" of the reference profile is a silent update (other fingerprint, shorter and more
formal answers): the drift audit must exit 1 on it and 0 on the unchanged version "a".
"""

from __future__ import annotations

import pytest

from audit.reference import ReferenceServer

from drift_support import SMALL_BATTERY

RECORD = "data/disclosures/allenai/olmo-2-7b.yaml"


@pytest.fixture
def env(tmp_path):
    return {"AUDIT_HISTORY_DB": str(tmp_path / "history.sqlite"), "AUDIT_BASELINES_DIR": str(tmp_path / "baselines")}


def test_baseline_then_drift_exit_codes_summary_history_and_card(cli, env, tmp_path):
    with ReferenceServer("default") as server:
        target = ["--endpoint", server.base_url, "--model", "ref-model"]
        done = cli("baseline", RECORD, *target, "--probe", str(SMALL_BATTERY), "--name", "ref-a", env=env)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "baselines" / "ref-a" / "evidence.jsonl").is_file()

        again = cli("baseline", RECORD, *target, "--probe", str(SMALL_BATTERY), "--name", "ref-a", env=env)
        assert again.returncode == 2 and "already exists" in again.stderr

        # alpha 0.001: the unchanged model raises a (valid) false alarm in at most 0.1% of test runs.
        summary = tmp_path / "stable.md"
        stable = cli("drift", RECORD, "--baseline", "ref-a", *target, "--out", str(tmp_path / "out"),
                     "--summary", str(summary), "--alpha", "0.001", env=env)
        assert stable.returncode == 0, stable.stdout + stable.stderr
        assert "No drift detected" in summary.read_text()

        server.set_version("b")
        summary = tmp_path / "drift.md"
        drifted = cli("drift", RECORD, "--baseline", str(tmp_path / "baselines" / "ref-a"), *target,
                      "--out", str(tmp_path / "out"), "--summary", str(summary), "--alpha", "0.001", env=env)
        assert drifted.returncode == 1, drifted.stdout + drifted.stderr
        text = summary.read_text()
        assert "Drift detected" in text and "fp_ref_b7" in text and "| test | p-value |" in text

    history = cli("history", "ref-model", env=env)
    assert history.returncode == 0, history.stderr
    assert "baseline" in history.stdout and "drift trend: .X" in history.stdout

    cards = sorted((tmp_path / "out" / "runs").glob("*/card/*.html"))
    assert cards, "a card is written for each drift run"
    html = cards[-1].read_text()
    assert "Drift timeline" in html and "<svg" in html and "drift-timeline" in html


def test_errors_exit_2(cli, env, tmp_path):
    missing = cli("drift", RECORD, "--baseline", "nope", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m",
                  env=env)
    assert missing.returncode == 2 and "no baseline" in missing.stderr
    target = tmp_path / "target.yaml"
    target.write_text("model: m\nbase_url: http://127.0.0.1:9/v1\nmax_attempts: 1\n")
    unreachable = cli("baseline", RECORD, "--target", str(target), "--probe", str(SMALL_BATTERY), "--name", "x",
                      env=env)
    assert unreachable.returncode == 2
    assert not (tmp_path / "baselines" / "x").exists()
    assert cli("history", "m", "--db", str(tmp_path / "none.sqlite")).returncode == 2


def test_drift_refuses_a_baseline_taken_with_other_request_parameters(cli, env, tmp_path):
    """issue 11: a baseline records its request profile and effort; another effort is refused (exit 2)."""
    with ReferenceServer("gpt-5.4") as server:
        def target(effort):
            path = tmp_path / f"target-{effort}.yaml"
            path.write_text(f"provider: openai\nmodel: gpt-5.4-mini\nbase_url: {server.base_url}\n"
                            f"reasoning_effort: {effort}\n")
            return ["--target", str(path)]

        done = cli("baseline", RECORD, *target("none"), "--probe", str(SMALL_BATTERY), "--name", "g54", env=env)
        assert done.returncode == 0, done.stderr
        refused = cli("drift", RECORD, "--baseline", "g54", *target("low"), "--out", str(tmp_path / "out"), env=env)
    assert refused.returncode == 2
    assert "request profile openai-gpt-5.4 at effort none" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr

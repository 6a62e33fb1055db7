"""The SQLite history: runs, findings and drift statistics; concurrent writers lose nothing."""

from __future__ import annotations

import multiprocessing
import sqlite3

from audit.probes.drift.compare import DriftSettings, compare
from audit.history.store import History, default_history_path
from audit.scoring.pipeline import score_record
from audit.schema.finding import Finding

from drift_support import synthetic_run  # noqa: E402

RECORD = "data/disclosures/allenai/olmo-2-7b.yaml"


def _result(run_id="r1"):
    finding = Finding(probe_id="drift-core", kind="drift", check="behaviour-stable", outcome="pass", message="ok")
    return score_record(RECORD, findings=[finding], run_id=run_id)


def test_record_and_trend(tmp_path):
    report = compare(synthetic_run(1), synthetic_run(2, fixed_changed=9), DriftSettings(permutations=99, bootstrap=20))
    db = tmp_path / "h.sqlite"
    with History(db) as h:
        h.record(_result("b"), "baseline", baseline="base", requested_model="api-model")
        h.record(_result("d"), "drift", report, baseline="base", requested_model="api-model")
    with History(db) as h:
        rows = h.trend("api-model")
        assert [r.kind for r in rows] == ["baseline", "drift"]
        assert rows[1].verdict == "drift" and rows[1].baseline == "base"
        assert h.trend(rows[0].model) == rows  # the record's model name finds the same runs
        assert h.trend("unknown") == []
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == 2


def test_default_path_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIT_HISTORY_DB", str(tmp_path / "x.sqlite"))
    assert default_history_path() == tmp_path / "x.sqlite"
    monkeypatch.delenv("AUDIT_HISTORY_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_history_path() == tmp_path / "model-integrity-audit" / "history.sqlite"


def _writer(db: str, worker: int, count: int) -> None:
    result = _result()
    with History(db) as h:
        for i in range(count):
            h.record(result.model_copy(update={"run_id": f"w{worker}-{i}"}), "audit", requested_model="api-model")


def test_concurrent_processes_lose_nothing(tmp_path):
    db = str(tmp_path / "h.sqlite")
    workers, each = 4, 25
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(db, w, each)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with History(db) as h:
        assert h.count() == workers * each
        assert len({r.run_id for r in h.trend("api-model")}) == workers * each

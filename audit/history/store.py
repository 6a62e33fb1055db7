"""The audit history: every run's target, rubric, scores, findings and drift statistics in SQLite.

Where: `--db PATH`, else the environment variable AUDIT_HISTORY_DB, else
`$XDG_DATA_HOME/model-integrity-audit/history.sqlite` (`~/.local/share/...` when XDG_DATA_HOME is
unset) — one file per user that outlives output folders, so a weekly cron job builds one trend.

Concurrency: the database runs in WAL mode with a busy timeout, and each run is written in one
`BEGIN IMMEDIATE` transaction (run row, its findings, its drift statistics), so several audits
writing at once queue for the write lock instead of failing, and a reader never sees half a run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from audit.core.errors import OutputError
from audit.history.rows import HistoryRow
from audit.schema.result import AuditResult

if TYPE_CHECKING:
    from audit.probes.drift.report import DriftReport

__all__ = ["History", "HistoryRow", "default_history_path", "data_home", "ENV_VAR", "RunKind"]

ENV_VAR = "AUDIT_HISTORY_DB"
APP_DIR = "model-integrity-audit"
SCHEMA_VERSION = "1"
BUSY_TIMEOUT_MS = 60_000
RunKind = Literal["audit", "baseline", "drift"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    run_id TEXT,
    kind TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    vendor TEXT NOT NULL,
    model TEXT NOT NULL,
    api_id TEXT,
    requested_model TEXT,
    endpoint TEXT,
    rubric_id TEXT NOT NULL,
    rubric_version TEXT NOT NULL,
    rubric_sha256 TEXT NOT NULL,
    total INTEGER NOT NULL,
    max_total INTEGER NOT NULL,
    percent REAL NOT NULL,
    coverage REAL NOT NULL,
    grade TEXT,
    result_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_model ON runs (model, generated_at);
CREATE INDEX IF NOT EXISTS runs_by_api_id ON runs (api_id, generated_at);
CREATE INDEX IF NOT EXISTS runs_by_requested ON runs (requested_model, generated_at);
CREATE TABLE IF NOT EXISTS findings (
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    probe_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    check_slug TEXT NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT NOT NULL,
    values_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_by_run ON findings (run);
CREATE TABLE IF NOT EXISTS drift (
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    baseline TEXT NOT NULL,
    verdict TEXT NOT NULL,
    p_value REAL NOT NULL,
    level REAL NOT NULL,
    alpha REAL NOT NULL,
    rule TEXT NOT NULL,
    fingerprint_changed INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    report_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS drift_by_run ON drift (run);
"""


def data_home() -> Path:
    """The per-user data folder: $XDG_DATA_HOME/model-integrity-audit (~/.local/share/... by default)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR


def default_history_path() -> Path:
    """AUDIT_HISTORY_DB, else history.sqlite in the per-user data folder."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else data_home() / "history.sqlite"


class History:
    """A connection to the history database; use as a context manager."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_history_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            with self._write() as db:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open the history database {self.path}: {exc}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (waits up to the busy timeout)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def record(self, result: "AuditResult", kind: RunKind = "audit", drift: "DriftReport | None" = None,
               baseline: str | None = None, requested_model: str | None = None) -> int:
        """Store one run (its result, findings and drift statistics) atomically; returns its row id.

        A run recorded before under the same run id and creation time (a resumed or rescored run)
        is replaced, so each run appears once.
        """
        t, r = result.target, result.rubric
        now = dt.datetime.now(dt.timezone.utc).isoformat()
        try:
            with self._write() as db:
                if result.run_id is not None:
                    db.execute("DELETE FROM runs WHERE run_id = ? AND generated_at = ?",
                               (result.run_id, result.generated_at.isoformat()))
                cur = db.execute(
                    "INSERT INTO runs (run_id, kind, recorded_at, generated_at, vendor, model, api_id, requested_model,"
                    " endpoint, rubric_id, rubric_version, rubric_sha256, total, max_total, percent, coverage, grade,"
                    " result_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (result.run_id, kind, now, result.generated_at.isoformat(), t.vendor, t.model, t.api_id,
                     requested_model, t.endpoint, r.id, r.version, r.sha256, result.total, result.max_total, result.percent,
                     result.coverage, result.grade, result.model_dump_json()))
                run = cur.lastrowid
                db.executemany(
                    "INSERT INTO findings (run, probe_id, kind, check_slug, outcome, message, values_json)"
                    " VALUES (?,?,?,?,?,?,?)",
                    [(run, f.probe_id, f.kind, f.check, f.outcome, f.message, json.dumps(f.values))
                     for f in result.findings])
                if drift is not None:
                    db.execute(
                        "INSERT INTO drift (run, baseline, verdict, p_value, level, alpha, rule,"
                        " fingerprint_changed, calls, output_tokens, report_json) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (run, baseline or "", drift.verdict, drift.p_value, drift.level, drift.alpha, drift.rule,
                         int(drift.fingerprint.changed), drift.current_calls, drift.current_output_tokens,
                         drift.model_dump_json()))
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write to the history database {self.path}: {exc}") from None
        return int(run)

    def trend(self, model: str) -> list[HistoryRow]:
        """Every run of `model` (the record's model name, its API id, or the model requested), oldest first."""
        rows = self._db.execute(
            "SELECT runs.id, run_id, kind, generated_at, model, rubric_id, total, max_total, percent, grade,"
            " drift.verdict, drift.p_value, drift.level, drift.baseline, drift.fingerprint_changed,"
            " drift.report_json FROM runs LEFT JOIN drift ON drift.run = runs.id"
            " WHERE runs.model = ? OR runs.api_id = ? OR runs.requested_model = ? ORDER BY generated_at, runs.id",
            (model, model, model)).fetchall()
        return [_row(r) for r in rows]

    def models(self) -> list[str]:
        rows = self._db.execute("SELECT DISTINCT requested_model, model FROM runs ORDER BY model")
        return sorted({name for row in rows for name in row if name})

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])


def _row(r: tuple) -> HistoryRow:
    effect = label = None
    if r[15]:
        report = json.loads(r[15])
        tests = report.get("tests") or []
        if tests:
            top = min(tests, key=lambda t: t["p_value"])
            effect, label = top.get("effect"), top.get("name")
    return HistoryRow(id=r[0], run_id=r[1], kind=r[2], generated_at=r[3], model=r[4], rubric_id=r[5], total=r[6],
                      max_total=r[7], percent=r[8], grade=r[9], verdict=r[10], p_value=r[11], level=r[12],
                      baseline=r[13], fingerprint_changed=None if r[14] is None else bool(r[14]),
                      effect=effect, effect_label=label)

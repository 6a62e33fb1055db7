"""Record a scored run in the history database (with its drift report, when it has one)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from audit.core.errors import OutputError
from audit.history.store import History
from audit.schema.result import AuditResult
from audit.probes.drift.findings import report_of

__all__ = ["record_run"]


def record_run(db: str | Path, result: AuditResult, *, requested_model: str | None, kind: str | None = None,
               baseline: str | None = None, warn: Callable[[str], None] | None = None) -> int | None:
    """Store `result` as one history row; returns its id.

    The kind is "drift" when the result carries a drift verdict, else "audit" (unless given).
    With `warn`, a database that cannot be written is reported through it and None returned
    (the run's own files are written already); without, OutputError is raised.
    """
    report = report_of(result.findings)
    if report is not None and report.verdict == "inconclusive":
        report = None
    try:
        with History(db) as history:
            return history.record(result, kind or ("drift" if report else "audit"), report, baseline=baseline,
                                  requested_model=requested_model)
    except OutputError as exc:
        if warn is None:
            raise
        warn(f"{exc}; the run is not in the history")
        return None

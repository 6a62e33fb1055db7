"""What the commands need of the audit history database, opened here (the runtime) and nowhere above it."""

from __future__ import annotations

from pathlib import Path

from audit.core.errors import ContentNotFound
from audit.history.store import History, HistoryRow, default_history_path

__all__ = ["history_db", "model_trend"]


def history_db(db: Path | None, no_history: bool = False) -> Path | None:
    """The history database a command uses: `db`, else the default one; None with `no_history`."""
    return None if no_history else (db or default_history_path())


def model_trend(db: Path | None, model: str) -> list[HistoryRow]:
    """Every recorded run of `model`, oldest first; a clear error when there is no database or no run."""
    path = db or default_history_path()
    if not path.exists():
        raise ContentNotFound(f"no history database at {path}")
    with History(path) as history:
        rows = history.trend(model)
        known = history.models()
    if not rows:
        raise ContentNotFound(f"no runs of {model!r} in {path} (models there: {', '.join(known) or 'none'})")
    return rows

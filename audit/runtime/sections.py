"""The card's probe sections, assembled in one place so `audit run`, `rescore`, `drift` and `card` show the same card.

Order is fixed: each probe kind's sections from the result's findings (identity consistency, tokenizer
integrity, serving integrity), then the drift timeline, read from the audit history only when a database is named.
Rendering never reads the history itself: it gets these sections as view data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from audit.core.errors import OutputError
from audit.history.store import History
from audit.history.timeline import timeline_view
from audit.probes.identity.section import identity_sections
from audit.probes.serving.section import serving_sections
from audit.probes.tokenizer.section import tokenizer_sections
from audit.schema.result import AuditResult
from audit.schema.section import Section

__all__ = ["probe_sections", "drift_timeline"]


def drift_timeline(result: AuditResult, requested_model: str | None, db: str | Path) -> list[Section]:
    """[the drift timeline] when the history at `db` holds drift audits of the model (the first name with any
    wins: the model requested, then the record's API id and name), else []. A missing database is not created."""
    path = Path(db)
    if not path.is_file():
        return []
    names = [m for m in (requested_model, result.target.api_id, result.target.model) if m]
    with History(path) as history:
        for name in dict.fromkeys(names):
            view = timeline_view(history.trend(name))
            if view is not None:
                return [Section(title="Drift timeline", partial="drift.html", data=view)]
    return []


def probe_sections(result: AuditResult, *, model: str | None = None, history: str | Path | None = None,
                   warn: Callable[[str], None] = lambda message: None) -> list[Section]:
    """Every extra card section for `result`; `model` is the model name requested (for the history)."""
    findings = list(result.findings)
    sections = identity_sections(findings) + tokenizer_sections(findings) + serving_sections(findings)
    if history is not None:
        try:
            sections += drift_timeline(result, model, history)
        except OutputError as exc:
            warn(f"{exc}; the card has no drift timeline")
    return sections

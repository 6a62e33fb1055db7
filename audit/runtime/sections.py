"""The card's probe sections, collected in one place so `audit run` and `audit rescore` show the same card.

Order is fixed: identity consistency, tokenizer integrity (both from the result's findings), then the
drift timeline (from the audit history, only when a history database is given).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from audit.core.errors import OutputError
from audit.schema.result import AuditResult
from audit.schema.section import Section

__all__ = ["probe_sections"]


def probe_sections(result: AuditResult, *, model: str | None = None, history: str | Path | None = None,
                   warn: Callable[[str], None] = lambda message: None) -> list[Section]:
    """Every extra card section for `result`; `model` is the model name requested (for the history)."""
    from audit.history.timeline import card_sections
    from audit.probes.identity.section import identity_sections
    from audit.probes.tokenizer.section import tokenizer_sections

    findings = list(result.findings)
    sections = identity_sections(findings) + tokenizer_sections(findings)
    if history is not None:
        try:
            sections += card_sections(result, model, history)
        except OutputError as exc:
            warn(f"{exc}; the card has no drift timeline")
    return sections

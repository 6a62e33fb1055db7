"""One row per probe check, shared by the probe sections of a card (identity, tokenizer).

A row carries display-ready strings only: the check's title, its outcome (as CSS class and label),
what was measured and the finding's own message. `sections/check-table.html` and the Markdown
renderer both read these rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from audit.schema.finding import Finding
from audit.render.view import OUTCOME_LABELS

__all__ = ["CheckRow", "check_row", "exchange_ids", "by_probe"]


@dataclass(frozen=True)
class CheckRow:
    check: str
    title: str
    outcome: str
    outcome_label: str
    measure: str  # "94% (95% CI 87–97%), n = 82"
    message: str


def check_row(finding: Finding, title: str, measure: str) -> CheckRow:
    """The row for `finding`, titled `title`, with `measure` in the Measured column."""
    return CheckRow(finding.check, title, finding.outcome, OUTCOME_LABELS.get(finding.outcome, finding.outcome),
                    measure, finding.message)


def exchange_ids(findings: Iterable[Finding]) -> list[str]:
    """The exchange ids the findings cite, each once, in order of first citation."""
    return list(dict.fromkeys(ref for f in findings for ref in f.exchanges))


def by_probe(findings: Iterable[Finding], kind: str) -> dict[str, dict[str, Finding]]:
    """Findings of one probe kind, grouped by probe instance (in order of appearance), then by check."""
    grouped: dict[str, dict[str, Finding]] = {}
    for f in findings:
        if f.kind == kind:
            grouped.setdefault(f.probe_id, {})[f.check] = f
    return grouped

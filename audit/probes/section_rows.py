"""Helpers shared by the probe kinds' card sections: a `CheckRow` from a finding, findings grouped by probe, and
the plain facts-and-checks section data (summary, labelled facts, check rows, evidence ids)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from audit.schema.finding import Finding
from audit.schema.section import OUTCOME_LABELS, CheckRow

__all__ = ["check_row", "exchange_ids", "by_probe", "Fact", "FactsSection"]


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass
class FactsSection:
    """A section's view data: a summary line, labelled facts, one row per check, and the evidence ids."""

    summary: str
    facts: list[Fact] = field(default_factory=list)
    rows: list[CheckRow] = field(default_factory=list)
    exchanges: list[str] = field(default_factory=list)


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

"""Scoring: fill a rubric from disclosure assessments and probe findings. Pure and deterministic.

Rules, per indicator:
- disclosure evidence: `disclosed` earns the full points, `not_disclosed` none, `partial` and
  `third_party` the points of the level they name (none without a level); `not_assessed` (the
  assessor read no source that would decide it) leaves the indicator not assessed.
- probe evidence: the worst decisive finding for the indicator's check decides (`pass` full,
  `partial` the rubric's `on_partial` level, `fail` none). With no decisive finding the
  disclosure decides, capped at `disclosure_fallback`; without a fallback the indicator is
  not assessed. Not assessed is not zero: it lowers coverage, and counts 0 toward the total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from audit import __version__
from audit.schema.disclosure import IndicatorDisclosure
from audit.schema.finding import DECISIVE, Finding
from audit.schema.result import (AuditResult, CriterionResult, DomainResult, IndicatorResult, RubricStamp,
                            TargetInfo, ToolStamp)
from audit.schema.rubric import Criterion, Indicator, Rubric

__all__ = ["score", "score_indicator", "disclosure_points", "NOT_READ_REASON"]

# the reason a record's `not_assessed` entry gives; its note says which source was not read
NOT_READ_REASON = "Not assessed: the assessor did not read a source that would decide it."

_OUTCOME_RANK = {"fail": 0, "partial": 1, "pass": 2}


def disclosure_points(indicator: Indicator, entry: IndicatorDisclosure) -> int:
    """Points a disclosure entry earns on its own."""
    if entry.status == "disclosed":
        return indicator.points
    if entry.status in ("not_disclosed", "not_assessed") or entry.level is None:
        return 0
    level = indicator.level(entry.level)
    return level.points if level else 0


def _state(points: int | None, max_points: int) -> str:
    if points is None:
        return "not_assessed"
    if points >= max_points:
        return "awarded"
    return "partial" if points > 0 else "missed"


def _from_disclosure(indicator: Indicator, entry: IndicatorDisclosure, cap: int | None,
                     why_cap: str = "") -> IndicatorResult:
    points = disclosure_points(indicator, entry)
    reason = _disclosure_reason(indicator, entry, points)
    basis = "disclosure"
    if cap is not None:
        basis = "disclosure_fallback"
        if points > cap:
            reason += f" Capped at {cap} point{'s' if cap != 1 else ''}: {why_cap}"
            points = cap
        else:
            reason += f" {why_cap}"
    return IndicatorResult(
        id=indicator.id, title=indicator.title, max_points=indicator.points, points=points,
        state=_state(points, indicator.points), basis=basis, status=entry.status, level=entry.level,
        reason=reason.strip(), quote=entry.quote, note=entry.note, sources=list(entry.sources))


def _disclosure_reason(indicator: Indicator, entry: IndicatorDisclosure, points: int) -> str:
    if entry.status == "disclosed":
        return f"Disclosed: meets the threshold ({indicator.threshold.rstrip('.')})."
    if entry.status == "not_disclosed":
        return "Not disclosed."
    who = "Partly disclosed" if entry.status == "partial" else "Observed by a third party"
    level = indicator.level(entry.level) if entry.level else None
    if level is None:
        return f"{who}; meets no partial-credit level."
    return f"{who}: meets level '{level.id}' ({level.threshold.rstrip('.')})."


def score_indicator(indicator: Indicator, entry: IndicatorDisclosure | None,
                    findings: list[Finding]) -> IndicatorResult:
    """Decide one indicator from its disclosure entry and the findings for its probe check."""
    probe = indicator.probe
    if probe is None:
        if entry is None:
            return _not_assessed(indicator, "No disclosure assessment recorded.")
        if entry.status == "not_assessed":
            return _not_assessed(indicator, NOT_READ_REASON, entry)
        return _from_disclosure(indicator, entry, None)

    relevant = [f for f in findings if f.kind == probe.probe and f.check == probe.check]
    decisive = [f for f in relevant if f.outcome in DECISIVE]
    if decisive:
        worst = min(decisive, key=lambda f: _OUTCOME_RANK[f.outcome])
        if worst.outcome == "pass":
            points = indicator.points
        elif worst.outcome == "partial":
            level = indicator.level(probe.on_partial) if probe.on_partial else None
            points = level.points if level else 0
        else:
            points = 0
        reason = f"Probe {probe.probe}/{probe.check}: {worst.outcome}. {worst.message}"
        return IndicatorResult(
            id=indicator.id, title=indicator.title, max_points=indicator.points, points=points,
            state=_state(points, indicator.points), basis="probe",
            level=probe.on_partial if worst.outcome == "partial" else None,
            reason=reason, quote=entry.quote if entry else None, note=entry.note if entry else None,
            sources=list(entry.sources) if entry else [],
            findings=sorted({f"{f.probe_id}:{f.check}" for f in relevant}))

    inconclusive = "; ".join(f"{f.outcome}: {f.message}" for f in relevant)
    no_probe = (f"The {probe.probe} probe gave no decisive result ({inconclusive})." if relevant
                else f"The {probe.probe} probe has not run.")
    if entry is not None and entry.status == "not_assessed":
        return _not_assessed(indicator, f"{no_probe} {NOT_READ_REASON}", entry)
    if probe.disclosure_fallback is not None and entry is not None:
        return _from_disclosure(indicator, entry, probe.disclosure_fallback,
                                f"{no_probe} The disclosure alone earns at most {probe.disclosure_fallback}.")
    return _not_assessed(indicator, no_probe + (" Not assessed." if relevant else " Not assessed until it runs."),
                         entry)


def _not_assessed(indicator: Indicator, reason: str, entry: IndicatorDisclosure | None = None) -> IndicatorResult:
    return IndicatorResult(
        id=indicator.id, title=indicator.title, max_points=indicator.points, points=None,
        state="not_assessed", basis="none", status=entry.status if entry else None, reason=reason,
        quote=entry.quote if entry else None, note=entry.note if entry else None,
        sources=list(entry.sources) if entry else [])


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def justify(criterion: Criterion, results: list[IndicatorResult], points: int | None) -> str:
    """A readable paragraph: what earned points, what did not, and why, from the indicators' notes."""
    if points is None:
        lead = f"Not assessed: none of its {_plural(len(results), 'indicator')} could be decided."
    else:
        lead = f"{points} of {criterion.max_points} points."
    groups = [
        ("Met", [r for r in results if r.state == "awarded"]),
        ("Partly met", [r for r in results if r.state == "partial"]),
        ("Not met", [r for r in results if r.state == "missed"]),
        ("Not assessed", [r for r in results if r.state == "not_assessed"]),
    ]
    summary = "; ".join(f"{label}: {', '.join(r.title for r in rs)}" for label, rs in groups if rs)
    details = " ".join(_sentence(r.note or r.reason) for r in results)
    return " ".join(part for part in (lead, summary + "." if summary else "", details) if part)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def score(rubric: Rubric, rubric_sha256: str, assessments: Mapping[str, IndicatorDisclosure],
          findings: Iterable[Finding] = (), *, target: TargetInfo,
          generated_at: dt.datetime | None = None, audit_note: str | None = None,
          assessor: str | None = None, assessed_on: dt.date | None = None,
          evidence_sha256: str | None = None, run_id: str | None = None) -> AuditResult:
    """Score `assessments` and `findings` against `rubric`. Same inputs, same result."""
    findings = list(findings)
    domains: list[DomainResult] = []
    for domain in rubric.domains:
        criteria: list[CriterionResult] = []
        for criterion in domain.criteria:
            results = [score_indicator(ind, assessments.get(ind.id), findings) for ind in criterion.indicators]
            assessed = [r for r in results if r.points is not None]
            points = sum(r.points for r in assessed) if assessed else None
            criteria.append(CriterionResult(
                id=criterion.id, title=criterion.title, question=criterion.question,
                max_points=criterion.max_points, points=points,
                assessed_max_points=sum(r.max_points for r in assessed),
                justification=justify(criterion, results, points), indicators=results))
        domains.append(DomainResult(
            id=domain.id, title=domain.title, max_points=domain.max_points,
            points=sum(c.points or 0 for c in criteria),
            assessed_max_points=sum(c.assessed_max_points for c in criteria), criteria=criteria))

    total = sum(d.points for d in domains)
    max_total = rubric.max_points
    assessed_max = sum(d.assessed_max_points for d in domains)
    percent = round(100.0 * total / max_total, 2)
    band = rubric.grade_for(percent)
    return AuditResult(
        tool=ToolStamp(version=__version__),
        generated_at=generated_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        target=target,
        rubric=RubricStamp(id=rubric.id, version=rubric.version, title=rubric.title,
                           sha256=rubric_sha256, credit=rubric.credit, subject=rubric.subject),
        audit_note=audit_note, assessor=assessor, assessed_on=assessed_on,
        total=total, max_total=max_total, assessed_max=assessed_max, percent=percent,
        coverage=round(100.0 * assessed_max / max_total, 2),
        grade=band.grade if band else None, grade_label=band.label if band else None,
        domains=domains, findings=findings, evidence_sha256=evidence_sha256, run_id=run_id)

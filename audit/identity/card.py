"""The identity section of a report card: plain view data for reports/templates/sections/identity.html.

`identity_sections(findings)` turns the identity probe's findings into one `Section` per probe
instance: a row per check (outcome, the rate with its 95% interval and n, the call budget) and a
few quoted answers with their exchange ids, so a reader can look each one up in the evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..render.view import OUTCOME_LABELS, Section
from ..schema.finding import Finding
from .assess import CHECKS
from .stats import percent

__all__ = ["IdentityRow", "IdentityQuote", "IdentitySection", "identity_sections"]

TITLES = {"self-identification": "Names the declared identity", "no-competitor-claim": "Never names another vendor",
          "spoof-resistance": "Keeps its identity under a spoofing system prompt",
          "stated-facts": "Stated cutoff and context window", "served-model": "Response `model` field"}
RATES = {"self-identification": ("consistency_rate", False), "no-competitor-claim": ("competitor_claim_rate", False),
         "spoof-resistance": ("spoof_flip_rate", False)}


@dataclass
class IdentityQuote:
    check: str
    exchange: str
    where: str  # "fr · spoof (as Claude 3.5 Sonnet)"
    text: str
    lang: str = ""


@dataclass
class IdentityRow:
    check: str
    title: str
    outcome: str
    outcome_label: str
    measure: str  # "94% (95% CI 87–97%), n = 82"
    message: str


@dataclass
class IdentitySection:
    summary: str
    rows: list[IdentityRow] = field(default_factory=list)
    quotes: list[IdentityQuote] = field(default_factory=list)
    fingerprints: str = ""


def _measure(finding: Finding) -> str:
    v = finding.values
    if finding.check in RATES:
        key = RATES[finding.check][0]
        if v.get(f"{key}_n"):
            return (f"{percent(v[key])} (95% CI {percent(v[f'{key}_ci_low'])}–{percent(v[f'{key}_ci_high'])}), "
                    f"n = {v[f'{key}_n']}")
        return "no answers"
    if finding.check == "stated-facts":
        parts = []
        for name, label in (("knowledge_cutoff", "cutoff"), ("context_window", "context")):
            fact = v.get(name) or {}
            stated = ", ".join(fact.get("stated") or {}) or "none"
            parts.append(f"{label}: declared {fact.get('declared') or 'n/a'}, stated {stated}")
        return "; ".join(parts)
    if finding.check == "served-model":
        served = ", ".join(f"{m} ×{c}" for m, c in (v.get("served_models") or {}).items()) or "none"
        return f"requested {v.get('requested')}, served {served}"
    return ""


def _quotes(finding: Finding) -> list[IdentityQuote]:
    out = []
    for q in finding.values.get("quotes") or []:
        if "answer" in q:
            where = f"{q.get('lang', '')} · {q.get('mode', '')}"
            if q.get("spoofed_as"):
                where += f" (as {q['spoofed_as']})"
            out.append(IdentityQuote(finding.check, q["exchange"], where, q["answer"], q.get("lang", "")))
        elif "served" in q:
            out.append(IdentityQuote(finding.check, q["exchange"], "response model field",
                                     f"requested {q.get('requested')}, served {q['served']}"))
    return out


def identity_sections(findings: Iterable[Finding]) -> list[Section]:
    """One card section per identity probe instance found among `findings`."""
    by_probe: dict[str, dict[str, Finding]] = {}
    for f in findings:
        if f.kind == "identity":
            by_probe.setdefault(f.probe_id, {})[f.check] = f
    sections = []
    for probe_id, checks in by_probe.items():
        rows, quotes = [], []
        for check in CHECKS:
            f = checks.get(check)
            if f is None:
                continue
            rows.append(IdentityRow(check, TITLES[check], f.outcome, OUTCOME_LABELS.get(f.outcome, f.outcome),
                                    _measure(f), f.message))
            quotes += _quotes(f)[:2]
        any_f = next(iter(checks.values()))
        v = any_f.values
        summary = (f"{v.get('calls_used', '?')} calls of a planned {v.get('calls_planned', '?')}"
                   + (f"; stopped early once every check was decided, saving {v['calls_saved']}."
                      if v.get("stopped_early") else "."))
        served = checks.get("served-model")
        prints = ", ".join(served.values.get("system_fingerprints") or []) if served else ""
        sections.append(Section(title=f"Identity consistency ({probe_id})", partial="identity.html",
                                data=IdentitySection(summary, rows, quotes, prints)))
    return sections

"""The identity section of a report card: plain view data for reports/templates/sections/identity.html.

`identity_sections(findings)` turns the identity probe's findings into one `Section` per probe
instance: a row per check (outcome, the rate with its 95% interval and n, the call budget) and a
few quoted answers with their exchange ids, so a reader can look each one up in the evidence.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from audit.probes.section_rows import by_probe, check_row
from audit.schema.section import CheckRow, Section
from audit.schema.finding import Finding
from audit.probes.identity.assess import CHECKS
from audit.probes.identity.stats import percent

__all__ = ["IdentityQuote", "IdentitySection", "identity_sections"]

TITLES = {"self-identification": "Names the declared identity", "no-competitor-claim": "Never names another vendor",
          "spoof-resistance": "Keeps its identity under a spoofing system prompt",
          "stated-facts": "Stated cutoff and context window", "served-model": "Response `model` field"}
RATES = {"self-identification": "consistency_rate", "no-competitor-claim": "competitor_claim_rate",
         "spoof-resistance": "spoof_flip_rate"}
QUOTES_PER_CHECK = 2
MODES = {"none": "no system prompt", "neutral": "neutral system prompt", "spoof": "spoofing system prompt"}
CLASSES = {"match": "names the declared identity", "competitor": "names another vendor's model",
           "same_vendor_other": "right vendor, another model", "declines": "declines to say",
           "no_identity": "names no catalogued model or vendor"}


@dataclass
class IdentityQuote:
    check: str  # the title of the check it is evidence for
    exchange: str
    where: str  # "fr · spoofing system prompt (as Claude 3.5 Sonnet)"
    text: str
    lang: str = ""
    verdict: str = ""  # "names another vendor's model (names OpenAI / ChatGPT)"

    @property
    def direction(self) -> str:
        """'rtl' when the answer's first strong character is right-to-left (Arabic, Hebrew), else 'ltr'."""
        for char in self.text:
            kind = unicodedata.bidirectional(char)
            if kind in ("R", "AL"):
                return "rtl"
            if kind == "L":
                return "ltr"
        return "ltr"


@dataclass
class IdentitySection:
    summary: str
    rows: list[CheckRow] = field(default_factory=list)
    quotes: list[IdentityQuote] = field(default_factory=list)
    fingerprints: str = ""


def _rate(values: dict, key: str) -> str:
    """'94% (95% CI 87–97%), n = 82' from a rate's values, or '' when it has no sample."""
    if not values.get(f"{key}_n"):
        return ""
    return (f"{percent(values[key])} (95% CI {percent(values[f'{key}_ci_low'])}–{percent(values[f'{key}_ci_high'])}), "
            f"n = {values[f'{key}_n']}")


def _measure(finding: Finding) -> str:
    v = finding.values
    if finding.check in RATES:
        return _rate(v, RATES[finding.check]) or "no answers"
    if finding.check == "stated-facts":
        parts = []
        for name, label in (("knowledge_cutoff", "cutoff"), ("context_window", "context")):
            fact = v.get(name) or {}
            stated = ", ".join(fact.get("stated") or {}) or "none"
            agreement = _rate(fact, "agreement_rate")
            parts.append(f"{label}: declared {fact.get('declared') or 'n/a'}, stated {stated}"
                         + (f"; agrees {agreement}" if agreement else ""))
        return "; ".join(parts)
    if finding.check == "served-model":
        served = ", ".join(f"{m} ×{c}" for m, c in (v.get("served_models") or {}).items()) or "none"
        return f"requested {v.get('requested')}, served {served}"
    return ""


def _quotes(finding: Finding) -> list[IdentityQuote]:
    out = []
    title = TITLES.get(finding.check, finding.check)
    for q in finding.values.get("quotes") or []:
        if "answer" in q:
            where = f"{q.get('lang', '')} · {MODES.get(q.get('mode', ''), q.get('mode', ''))}"
            if q.get("spoofed_as"):
                where += f" (as {q['spoofed_as']})"
            verdict = CLASSES.get(q.get("class", ""), q.get("class", ""))
            out.append(IdentityQuote(title, q["exchange"], where, q["answer"], q.get("lang", ""), verdict))
        elif "served" in q:
            out.append(IdentityQuote(title, q["exchange"], "response model field",
                                     f"requested {q.get('requested')}, served {q['served']}"))
    return out


def _summary(values: dict) -> str:
    return (f"{values.get('calls_used', '?')} calls of a planned {values.get('calls_planned', '?')}"
            + (f"; stopped early once every check was decided, saving {values['calls_saved']}."
               if values.get("stopped_early") else "."))


def identity_sections(findings: Iterable[Finding]) -> list[Section]:
    """One card section per identity probe instance found among `findings`."""
    sections = []
    for probe_id, checks in by_probe(findings, "identity").items():
        rows, quotes, seen = [], [], set()
        for check in CHECKS:
            f = checks.get(check)
            if f is None:
                continue
            rows.append(check_row(f, TITLES[check], _measure(f)))
            fresh = [q for q in _quotes(f) if q.exchange not in seen][:QUOTES_PER_CHECK]
            seen.update(q.exchange for q in fresh)
            quotes += fresh
        served = checks.get("served-model")
        prints = ", ".join(served.values.get("system_fingerprints") or []) if served else ""
        data = IdentitySection(_summary(next(iter(checks.values())).values), rows, quotes, prints)
        sections.append(Section(title=f"Identity consistency ({probe_id})", partial="identity.html", data=data,
                                covers=(probe_id,)))
    return sections

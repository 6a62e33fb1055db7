"""The identity section of a report card: plain view data for reports/templates/sections/identity.html.

`identity_sections(findings)` turns the identity probe's findings into one `Section` per probe
instance: a row per check (outcome, the rate with its interval at the level the probe ran with and
n, the call budget) and a few quoted answers with their exchange ids, so a reader can look each one
up in the evidence. It reads findings only through their typed view (audit.probes.identity.values);
check titles come from def.yaml.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from audit.probes.identity.stats import percent
from audit.probes.identity.values import (RATE_OF, SERVED_MODEL, STATED_FACTS, IdentityView, Rate, StatedFact,
                                          identity_view)
from audit.probes.registry import check_title, declared_checks
from audit.probes.section_rows import by_probe, check_row
from audit.schema.finding import Finding
from audit.schema.section import CheckRow, Section

__all__ = ["IdentityQuote", "IdentitySection", "identity_sections"]

KIND = "identity"
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
    interval: str = "confidence interval"  # "95% confidence interval": the level the probe ran with


def level_label(confidence: float | None) -> str:
    """'95%' for 0.95 ('99.5%' where a whole percent would round); '' when the level is not recorded."""
    if confidence is None:
        return ""
    text = f"{100 * confidence:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _rate(rate: Rate | None, confidence: float | None) -> str:
    """'94% (95% CI 87–97%), n = 82' from a rate, or '' when it has no sample."""
    if rate is None or not rate.n:
        return ""
    level = level_label(confidence)
    return (f"{percent(rate.rate)} ({level + ' ' if level else ''}CI {percent(rate.low)}–{percent(rate.high)}), "
            f"n = {rate.n}")


def _fact(label: str, fact: StatedFact | None, confidence: float | None) -> str:
    fact = fact or StatedFact()
    stated = ", ".join(fact.stated) or "none"
    agreement = _rate(fact.agreement, confidence)
    return (f"{label}: declared {fact.declared or 'n/a'}, stated {stated}"
            + (f"; agrees {agreement}" if agreement else ""))


def _measure(view: IdentityView) -> str:
    if view.check in RATE_OF:
        return _rate(view.rate, view.confidence) or "no answers"
    if view.check == STATED_FACTS:
        return "; ".join((_fact("cutoff", view.knowledge_cutoff, view.confidence),
                          _fact("context", view.context_window, view.confidence)))
    if view.check == SERVED_MODEL:
        served = ", ".join(f"{m} ×{c}" for m, c in view.served_models.items()) or "none"
        return f"requested {view.requested}, served {served}"
    return ""


def _quotes(view: IdentityView) -> list[IdentityQuote]:
    out = []
    title = check_title(KIND, view.check)
    for q in view.quotes:
        if q.answer is not None:
            where = f"{q.lang} · {MODES.get(q.mode, q.mode)}"
            if q.spoofed_as:
                where += f" (as {q.spoofed_as})"
            out.append(IdentityQuote(title, q.exchange, where, q.answer, q.lang, CLASSES.get(q.category, q.category)))
        elif q.served is not None:
            out.append(IdentityQuote(title, q.exchange, "response model field",
                                     f"requested {q.requested}, served {q.served}"))
    return out


def _summary(view: IdentityView) -> str:
    return (f"{'?' if view.calls_used is None else view.calls_used} calls of a planned "
            f"{'?' if view.calls_planned is None else view.calls_planned}"
            + (f"; stopped early once every check was decided, saving {view.calls_saved}."
               if view.stopped_early else "."))


def identity_sections(findings: Iterable[Finding]) -> list[Section]:
    """One card section per identity probe instance found among `findings`."""
    sections = []
    for probe_id, checks in by_probe(findings, KIND).items():
        views = {check: identity_view(f) for check, f in checks.items() if check in declared_checks(KIND)}
        rows, quotes, seen = [], [], set()
        for check in declared_checks(KIND):
            if check not in views:
                continue
            rows.append(check_row(checks[check], check_title(KIND, check), _measure(views[check])))
            fresh = [q for q in _quotes(views[check]) if q.exchange not in seen][:QUOTES_PER_CHECK]
            seen.update(q.exchange for q in fresh)
            quotes += fresh
        served = views.get(SERVED_MODEL)
        prints = ", ".join(served.system_fingerprints) if served else ""
        first = identity_view(next(iter(checks.values())))  # every identity finding carries the budget
        level = level_label(first.confidence)
        data = IdentitySection(_summary(first), rows, quotes, prints,
                               f"{level} confidence interval" if level else "confidence interval")
        sections.append(Section(title=f"Identity consistency ({probe_id})", partial="identity.html", data=data,
                                covers=(probe_id,)))
    return sections

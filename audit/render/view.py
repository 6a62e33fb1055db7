"""Plain view data for a report card: display-ready strings and numbers, no markup.

Every renderer (HTML, PDF, Markdown) reads a `CardView`, so templates stay free of logic:
bars arrive as percentages, states as CSS class names and labels, dates formatted, and
sources as link-or-text (only http(s) URLs ever become links).

Extra sections (identity rates, tokenizer overhead, a drift timeline, ...) plug in through
`CardView.sections`: each names a partial template under `reports/templates/sections/` and
carries the data that partial reads. The list is empty by default.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from audit.core.slug import slugify
from audit.render.coverage import assessed_on, assessed_part, is_low_coverage
from audit.schema.disclosure import Source
from audit.schema.section import OUTCOME_LABELS, Section
from audit.schema.finding import Finding
from audit.schema.result import AuditResult, CriterionResult, DomainResult, IndicatorResult, SnapshotStamp

__all__ = ["CardView", "DomainView", "CriterionView", "IndicatorView", "Segment", "FindingView",
           "SourceView", "SourceRef", "Stamp", "build_view", "card_slug",
           "format_value", "endpoint_host", "STATE_LABELS", "BASIS_LABELS", "OUTCOME_LABELS"]

STATE_LABELS = {"awarded": "Awarded", "partial": "Partial", "missed": "Missed", "not_assessed": "Not assessed"}
BASIS_LABELS = {
    "disclosure": "Disclosure",
    "probe": "Live probe",
    "disclosure_fallback": "Disclosure (probe fallback)",
    "none": "—",
}
DEFAULT_RUBRIC = "integrity-v1"


@dataclass
class SourceView:
    """One cited source, listed once however many indicators cite it."""

    ref: str  # "S1", "S2", ... in order of first citation
    anchor: str
    title: str
    url: str | None  # set only for http(s) URLs: the one thing a template may turn into a link
    text_url: str | None  # any other locator, shown as plain text
    retrieved: str | None  # only from an archived snapshot or an assessor's `retrieved:`
    cited_by: list[str] = field(default_factory=list)  # indicator titles
    snapshot: str | None = None  # "archived snapshot, sha256 …" when one is named
    via: SourceRef | None = None  # a secondary citation: the listed document the quote was read in

    @property
    def cited_by_text(self) -> str:
        return ", ".join(self.cited_by)


@dataclass(frozen=True)
class SourceRef:
    ref: str
    anchor: str


@dataclass(frozen=True)
class Segment:
    """One indicator's slice of a criterion bar: `width` of the bar, `fill` of the slice (percent)."""

    width: float
    fill: float
    state: str
    label: str


@dataclass(frozen=True)
class IndicatorView:
    id: str
    title: str
    state: str
    state_label: str
    points: str  # "2", or "—" when not assessed
    max_points: int
    basis: str
    basis_label: str
    reason: str
    detail: str | None  # the reason, unless the criterion's justification already says it
    level: str | None
    quote: str | None
    note: str | None  # unless the justification already says it
    sources: list[SourceRef]
    findings: list[str]
    quote_check: str | None = None  # verified against which snapshot, or unverified


@dataclass(frozen=True)
class CriterionView:
    id: str
    anchor: str
    title: str
    question: str
    domain_title: str
    points: str  # "—" when nothing could be assessed
    max_points: int
    percent: float  # of max_points
    not_assessed_percent: float
    tone: str
    justification: str
    segments: list[Segment]
    indicators: list[IndicatorView]
    counts: dict[str, int]
    counts_text: str


@dataclass(frozen=True)
class DomainView:
    id: str
    title: str
    points: int
    max_points: int
    percent: float
    not_assessed_percent: float
    tone: str
    criteria: list[CriterionView]


@dataclass(frozen=True)
class FindingView:
    probe_id: str
    kind: str
    check: str
    outcome: str
    outcome_label: str
    message: str
    values: list[tuple[str, str]]  # the scalar values; structured ones are only in findings.json
    exchanges: str | None  # the first few exchange ids
    omitted_values: int = 0
    more_exchanges: int = 0
    section_title: str = ""  # the card section presenting this finding in full, if any
    section_anchor: str = ""


@dataclass(frozen=True)
class Stamp:
    """One line of the provenance small print (hashes in full, so a reader can check them)."""

    label: str
    value: str
    mono: bool = False


@dataclass
class CardView:
    title: str  # the document title
    vendor: str
    model: str
    api_id: str | None
    snapshot: str | None
    release_date: str | None
    audit_date: str
    assessor: str | None
    rubric_title: str
    rubric_id: str
    rubric_version: str
    rubric_credit: str | None
    total: int
    max_total: int
    percent: str  # "62%"
    percent_value: float
    grade: str | None
    grade_label: str | None
    tone: str  # good / fair / weak / poor: colour class of the grade badge and bars
    coverage: float
    coverage_text: str  # "100%"
    provisional: bool
    not_assessed_points: int
    score_note: str  # one sentence under the total
    audit_note: str | None
    domains: list[DomainView]
    findings: list[FindingView]
    sources: list[SourceView]
    stamps: list[Stamp]
    generated: str
    tool: str
    live_note: str = ""  # for a live audit: the probes run, their outcomes, the endpoint and run
    sections: list[Section] = field(default_factory=list)
    # the masthead, by what the rubric scores (a model, or an endpoint serving one)
    kicker: str = "Report card"
    over_label: str = "Vendor"  # what the line above the heading names
    over_title: str = ""        # the vendor; for an endpoint the model it serves
    heading: str = ""           # the model; for an endpoint the base URL's host
    facts: list[Stamp] = field(default_factory=list)  # the short facts under the heading
    not_assessed_text: str = "they are not a finding of non-disclosure"
    # below audit/render/coverage.LOW_COVERAGE the grade is shown with the share of points it rests on
    low_coverage: bool = False
    assessed_on: str = ""    # "assessed on 37% of points"
    assessed_part: str = ""  # "earned 4 of the 37 points assessed (11%)"

    @property
    def criteria(self) -> list[CriterionView]:
        return [c for d in self.domains for c in d.criteria]


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _tone(percent: float) -> str:
    if percent >= 80:
        return "good"
    if percent >= 60:
        return "fair"
    if percent >= 40:
        return "weak"
    return "poor"


def _grade_tone(grade: str | None, percent: float) -> str:
    """Colour by letter where the rubric uses A–F, else by the percentage."""
    letter = (grade or "").strip()[:1].upper()
    by_letter = {"A": "good", "B": "good", "C": "fair", "D": "weak", "E": "poor", "F": "poor"}
    return by_letter.get(letter, _tone(percent))


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def format_date(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return f"{value.day} {value:%B %Y}, {value:%H:%M} UTC"


def format_value(value: Any) -> str:
    """A finding value as short display text: numbers rounded, lists joined, mappings as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value != 0 and abs(value) < 0.001:
            return f"{value:.3g}"
        return f"{value:,.4g}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (str, int, float, bool)) or v is None for v in value):
            return ", ".join(format_value(v) for v in value) or "—"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


class _SourceIndex:
    """Numbers sources in order of first citation; the same source cited twice is listed once."""

    def __init__(self, snapshots: dict[str, SnapshotStamp] | None = None) -> None:
        self._by_key: dict[tuple, SourceView] = {}
        self.snapshots = snapshots or {}

    def cite(self, source: Source, by: str) -> SourceRef:
        key = (source.title, source.url, source.retrieved, source.snapshot, source.via)
        view = self._by_key.get(key)
        if view is None:
            n = len(self._by_key) + 1
            link = source.url if source.is_link else None
            stamp = self.snapshots.get(source.snapshot or "")
            view = SourceView(ref=f"S{n}", anchor=f"source-{n}", title=source.title, url=link,
                              text_url=None if link else source.url,
                              retrieved=format_date(stamp.retrieved_at if stamp else source.retrieved),
                              snapshot=_snapshot_text(source.snapshot, stamp))
            self._by_key[key] = view
            if source.via is not None:
                view.via = self.cite(source.via, by)
        if by not in view.cited_by:
            view.cited_by.append(by)
        return SourceRef(view.ref, view.anchor)

    @property
    def sources(self) -> list[SourceView]:
        return list(self._by_key.values())


def _snapshot_text(sha: str | None, stamp: SnapshotStamp | None) -> str | None:
    if not sha:
        return None
    if stamp is None:
        return f"snapshot sha256 {sha} (not in the archive)"
    kept = "" if stamp.copy_kept else "; no copy kept, only the quoted passages"
    return f"archived snapshot, sha256 {sha}{kept}"


def _quote_check(ind: IndicatorResult, snapshots: dict[str, SnapshotStamp]) -> str | None:
    if not ind.quote:
        return None
    stamp = snapshots.get(ind.quote_snapshot or "")
    if stamp is None:
        return "Unverified: not checked against an archived snapshot."
    return (f"Verified against the archived snapshot of {format_date(stamp.retrieved_at)}, "
            f"sha256 {ind.quote_snapshot[:16]}…")


def _unsaid(text: str | None, said: str) -> str | None:
    """`text`, unless `said` already contains it (justifications repeat indicator reasons and notes)."""
    if not text:
        return None
    return None if " ".join(text.split()).rstrip(".") in " ".join(said.split()) else text


def _segments(criterion: CriterionResult) -> list[Segment]:
    total = criterion.max_points
    segments = []
    for ind in criterion.indicators:
        fill = 0.0 if ind.points is None else _pct(ind.points, ind.max_points)
        label = f"{ind.title}: {STATE_LABELS[ind.state].lower()}"
        if ind.points is not None:
            label += f" ({ind.points}/{ind.max_points})"
        segments.append(Segment(width=_pct(ind.max_points, total), fill=fill, state=ind.state, label=label))
    return segments


def _counts_text(counts: dict[str, int]) -> str:
    return " · ".join(f"{n} {STATE_LABELS[s].lower()}" for s, n in counts.items() if n)


def _indicator_view(ind: IndicatorResult, justification: str, sources: _SourceIndex) -> IndicatorView:
    return IndicatorView(
        id=ind.id, title=ind.title, state=ind.state, state_label=STATE_LABELS[ind.state],
        points="—" if ind.points is None else str(ind.points), max_points=ind.max_points,
        basis=ind.basis, basis_label=BASIS_LABELS[ind.basis],
        reason=ind.reason, detail=_unsaid(ind.reason, justification),
        level=ind.level if ind.state == "partial" else None, quote=ind.quote,
        note=_unsaid(ind.note, justification), sources=[sources.cite(s, ind.title) for s in ind.sources],
        findings=list(ind.findings), quote_check=_quote_check(ind, sources.snapshots))


def _criterion_view(criterion: CriterionResult, domain: DomainResult, sources: _SourceIndex) -> CriterionView:
    indicators = [_indicator_view(ind, criterion.justification, sources) for ind in criterion.indicators]
    counts = {s: sum(1 for i in criterion.indicators if i.state == s) for s in STATE_LABELS}
    percent = _pct(criterion.points or 0, criterion.max_points)
    return CriterionView(
        id=criterion.id, anchor=f"criterion-{_anchor_part(criterion.id)}", title=criterion.title,
        question=criterion.question, domain_title=domain.title,
        points="—" if criterion.points is None else str(criterion.points), max_points=criterion.max_points,
        percent=percent,
        not_assessed_percent=_pct(criterion.max_points - criterion.assessed_max_points, criterion.max_points),
        tone=_tone(percent), justification=criterion.justification, segments=_segments(criterion),
        indicators=indicators, counts=counts, counts_text=_counts_text(counts))


def _domain_view(domain: DomainResult, sources: _SourceIndex) -> DomainView:
    percent = _pct(domain.points, domain.max_points)
    return DomainView(
        id=domain.id, title=domain.title, points=domain.points, max_points=domain.max_points,
        percent=percent,
        not_assessed_percent=_pct(domain.max_points - domain.assessed_max_points, domain.max_points),
        tone=_tone(percent), criteria=[_criterion_view(c, domain, sources) for c in domain.criteria])


CARD_EXCHANGES = 6  # exchange ids a finding lists on the card; findings.json has them all


def _is_scalar(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return len(value) <= 8 and all(isinstance(v, (str, int, float, bool)) or v is None for v in value)
    return not isinstance(value, dict)


def _finding_view(finding: Finding, section: Section | None = None) -> FindingView:
    """A finding as the card lists it: message, scalar values and the first exchange ids.

    Structured values (per-language tables, quotes, distances) and long id lists stay in
    findings.json beside the card. A finding that a probe section presents lists no values here,
    only a pointer to that section.
    """
    scalar = [] if section else [(str(k), format_value(v)) for k, v in finding.values.items() if _is_scalar(v)]
    shown = finding.exchanges[:CARD_EXCHANGES]
    return FindingView(
        probe_id=finding.probe_id, kind=finding.kind, check=finding.check, outcome=finding.outcome,
        outcome_label=OUTCOME_LABELS[finding.outcome], message=finding.message, values=scalar,
        exchanges=", ".join(shown) or None, omitted_values=len(finding.values) - len(scalar),
        more_exchanges=len(finding.exchanges) - len(shown),
        section_title=section.title if section else "", section_anchor=section.anchor if section else "")


def _stamps(result: AuditResult) -> list[Stamp]:
    r, t = result.rubric, result.target
    stamps = [Stamp("Rubric", f"{r.title} ({r.id}, version {r.version})"),
              Stamp("Rubric sha256", r.sha256, mono=True),
              Stamp("Tool", f"{result.tool.name} {result.tool.version}"),
              Stamp("Generated", result.generated_at.isoformat())]
    optional = [("Record", t.record), ("Record sha256", t.record_sha256), ("Endpoint", t.endpoint),
                ("Evidence sha256", result.evidence_sha256), ("Run id", result.run_id)]
    stamps += [Stamp(label, value, mono=True) for label, value in optional if value]
    stamps.append(Stamp("Result schema", f"version {result.schema_version}"))
    return stamps


def _score_note(result: AuditResult, not_assessed: int) -> str:
    if result.coverage >= 100:
        return "Every indicator was assessed."
    if result.rubric.subject == "endpoint":
        return (f"Provisional: {_number(result.coverage)}% of the points could be assessed; "
                f"{not_assessed} point{'s' if not_assessed != 1 else ''} the probes could not decide (each "
                "indicator says why: a check its request profile or model does not allow, or a call not "
                "answered) count as 0.")
    return (f"Provisional: {_number(result.coverage)}% of the points could be assessed; "
            f"{not_assessed} point{'s' if not_assessed != 1 else ''} not assessed count as 0 until evidence exists.")


def _live_note(result: AuditResult) -> str:
    """One sentence on page 1 of a live audit's card: which probes ran, what they found, against what."""
    if not result.run_id or not result.findings:
        return ""
    probes = sorted({f.probe_id for f in result.findings})
    counts = Counter(f.outcome for f in result.findings)
    found = ", ".join(f"{counts[o]} {OUTCOME_LABELS[o].lower()}" for o in OUTCOME_LABELS if counts[o])
    where = f" against {result.target.endpoint}" if result.target.endpoint else ""
    return (f"Live probes: {', '.join(probes)}{where} (run {result.run_id}); "
            f"{len(result.findings)} finding{'s' if len(result.findings) != 1 else ''}: {found}.")


DIALECTS = {"openai": "OpenAI Chat Completions", "openai-responses": "OpenAI Responses",
            "anthropic": "Anthropic Messages"}


def endpoint_host(endpoint: str | None) -> str | None:
    """The host (and port) of a recorded base URL: how a card and a comparison name a provider."""
    if not endpoint:
        return None
    return urlsplit(endpoint).netloc or endpoint


def _masthead(result: AuditResult, audit_date: str) -> dict[str, Any]:
    """Kicker, heading lines and facts: a model's card names the model, an endpoint's the endpoint."""
    t = result.target
    if result.rubric.subject == "endpoint":
        host = endpoint_host(t.endpoint)
        facts = [("Endpoint", t.endpoint, True), ("Model requested", t.requested_model, True),
                 ("API", DIALECTS.get(t.provider or "", t.provider), False), ("Developer", t.vendor, False),
                 ("Developer's API id", t.api_id if t.api_id != t.requested_model else None, True),
                 ("Audited", audit_date, False)]
        return {"kicker": "Provider card", "over_label": "Model served", "over_title": _full_name(t.vendor, t.model),
                "heading": host or "Endpoint not audited",
                "facts": [Stamp(label, value, mono) for label, value, mono in facts if value],
                "not_assessed_text": "they are not a finding against the endpoint"}
    facts = [("API id", t.api_id, True), ("Snapshot", t.snapshot, True),
             ("Released", format_date(t.release_date), False), ("Audited", audit_date, False),
             ("Assessor", result.assessor, False)]
    return {"over_title": t.vendor, "heading": t.model,
            "facts": [Stamp(label, value, mono) for label, value, mono in facts if value]}


def _title(result: AuditResult) -> str:
    t = result.target
    name = _full_name(t.vendor, t.model)
    if result.rubric.subject == "endpoint":
        host = endpoint_host(t.endpoint)
        return f"{name}{f' at {host}' if host else ''} — {result.rubric.title} provider card"
    return f"{name} — {result.rubric.title} report card"


def _full_name(vendor: str, model: str) -> str:
    """"Vendor Model", without repeating a vendor the model's name already starts with."""
    return model if model.lower().startswith(vendor.lower()) else f"{vendor} {model}"


def build_view(result: AuditResult, sections: list[Section] | None = None) -> CardView:
    """Everything a card shows, computed once from the result."""
    t = result.target
    sources = _SourceIndex(result.snapshots)
    domains = [_domain_view(d, sources) for d in result.domains]
    not_assessed = result.max_total - result.assessed_max
    audit_day = result.assessed_on or result.generated_at.date()
    sections = [s if s.anchor else replace(s, anchor="section-" + _anchor_part(s.title)) for s in sections or []]
    presented_in = {probe_id: section for section in sections for probe_id in section.covers}
    audit_date = format_date(audit_day) or ""
    return CardView(
        title=_title(result),
        vendor=t.vendor, model=t.model, api_id=t.api_id, snapshot=t.snapshot,
        release_date=format_date(t.release_date),
        audit_date=audit_date, assessor=result.assessor,
        rubric_title=result.rubric.title, rubric_id=result.rubric.id, rubric_version=result.rubric.version,
        rubric_credit=result.rubric.credit,
        total=result.total, max_total=result.max_total, percent=f"{_number(result.percent)}%",
        percent_value=result.percent, grade=result.grade, grade_label=result.grade_label,
        tone=_grade_tone(result.grade, result.percent), coverage=result.coverage,
        coverage_text=f"{_number(result.coverage)}%", provisional=result.coverage < 100,
        not_assessed_points=not_assessed, score_note=_score_note(result, not_assessed),
        low_coverage=is_low_coverage(result.coverage), assessed_on=assessed_on(result.coverage),
        assessed_part=assessed_part(result.total, result.assessed_max),
        live_note=_live_note(result),
        audit_note=result.audit_note, domains=domains,
        findings=[_finding_view(f, presented_in.get(f.probe_id)) for f in result.findings],
        sources=sources.sources, stamps=_stamps(result),
        generated=format_datetime(result.generated_at), tool=f"{result.tool.name} {result.tool.version}",
        sections=sections, **_masthead(result, audit_date))


def _anchor_part(text: str) -> str:
    """`text` as a fragment-safe slug for HTML anchors."""
    return slugify(text, ascii_only=False)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _file_part(text: str) -> str:
    return slugify(text, keep=".", fallback=_short_hash)


def card_slug(result: AuditResult) -> str:
    """File stem for a card: vendor-model, plus the rubric id when it is not the default rubric; an
    endpoint's card starts with the endpoint's host, so the cards of several providers do not collide.

    ASCII only; a name with no ASCII letters (say, Chinese) becomes a short hash of itself.
    """
    vendor, model = _file_part(result.target.vendor), _file_part(result.target.model)
    parts = [model] if model.startswith(vendor + "-") else [vendor, model]
    host = endpoint_host(result.target.endpoint) if result.rubric.subject == "endpoint" else None
    if host:
        parts.insert(0, _file_part(host))
    if result.rubric.id != DEFAULT_RUBRIC:
        parts.append(_file_part(result.rubric.id))
    return "-".join(parts)[:120].strip("-.")

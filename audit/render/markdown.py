"""The card as Markdown (GitHub flavoured): summary, criteria table, indicators, findings, probe
sections (identity, tokenizer, drift timeline; compact tables, no chart), evidence.

All text from records is escaped, so a quote or a name cannot inject markup or links; only
http(s) sources become links.
"""

from __future__ import annotations

from audit.core.mdtext import md_code, md_escape, md_url
from audit.schema.result import AuditResult
from audit.render.view import CardView, IndicatorView, SourceView, build_view

__all__ = ["result_markdown", "view_markdown", "md_escape"]


def _link(source: SourceView) -> str:
    title = md_escape(source.title)
    target = md_url(source.url) if source.url else None
    if target:
        text = f"[{title}]({target})"
    elif source.text_url:
        text = f"{title} ({md_escape(source.text_url)})"
    else:
        text = title
    text += f", retrieved {md_escape(source.retrieved)}" if source.retrieved else ""
    text += f"; {md_escape(source.snapshot)}" if source.snapshot else ""
    return text + (f"; secondary citation: as read in {md_escape(source.via.ref)}" if source.via else "")


def _bar(percent: float, width: int = 10) -> str:
    filled = round(percent / 100 * width)
    return "█" * filled + "░" * (width - filled)


def _header(v: CardView) -> list[str]:
    facts = [f"**{md_escape(v.over_label)}:** {md_escape(v.over_title)}"]
    facts += [f"**{md_escape(f.label)}:** {md_code(f.value) if f.mono else md_escape(f.value)}" for f in v.facts]
    score = f"**Total: {v.total} / {v.max_total}** ({v.percent})"
    if v.grade:
        score += f" · **Grade {md_escape(v.grade)}**"
        if v.grade_label:
            score += f" ({md_escape(v.grade_label)})"
    if v.low_coverage:
        score += f" **{md_escape(v.assessed_on)}**: {md_escape(v.assessed_part)}"
    score += f" · Coverage {v.coverage_text}"
    if v.provisional:
        score += " · **provisional**"
    lines = [f"# {md_escape(v.heading)}", "", f"{md_escape(v.rubric_title)} {md_escape(v.kicker.lower())} "
             f"(rubric {md_code(v.rubric_id)} v{md_escape(v.rubric_version)})", "", " · ".join(facts), "", score, ""]
    if v.provisional:
        lines += [f"> {md_escape(v.score_note)}", ""]
    if v.live_note:
        lines += [md_escape(v.live_note), ""]
    return lines


def _summary(v: CardView) -> list[str]:
    lines = ["## Domains", "", "| Domain | Points | |", "|---|---:|---|"]
    lines += [f"| {md_escape(d.title)} | {d.points} / {d.max_points} | {_bar(d.percent)} |" for d in v.domains]
    lines += ["", "## Criteria", "", "| Domain | Criterion | Points | Indicators |", "|---|---|---:|---|"]
    for c in v.criteria:
        lines.append(f"| {md_escape(c.domain_title)} | {md_escape(c.title)} | {c.points} / {c.max_points} "
                     f"| {md_escape(c.counts_text)} |")
    return lines + [""]


def _indicator_detail(i: IndicatorView) -> str:
    parts = [md_escape(i.detail)] if i.detail else []
    if i.quote:
        parts.append(f"“{md_escape(i.quote)}”")
    if i.quote_check:
        parts.append(f"({md_escape(i.quote_check)})")
    if i.note:
        parts.append(md_escape(i.note))
    if i.sources:
        parts.append("Sources: " + ", ".join(md_escape(r.ref) for r in i.sources))
    return " ".join(parts)


def _details(v: CardView) -> list[str]:
    lines = ["## Criteria in detail", ""]
    for c in v.criteria:
        lines += [f"### {md_escape(c.title)} — {c.points} / {c.max_points}", "", f"*{md_escape(c.question)}*", "",
                  md_escape(c.justification), "",
                  "| Indicator | Result | Points | Decided by | Evidence |", "|---|---|---:|---|---|"]
        for i in c.indicators:
            result = i.state_label + (f" (level {md_escape(i.level)})" if i.level else "")
            lines.append(f"| {md_escape(i.title)} | {result} | {i.points} / {i.max_points} "
                         f"| {i.basis_label} | {_indicator_detail(i)} |")
        lines.append("")
    return lines


def _findings(v: CardView) -> list[str]:
    if not v.findings:
        return []
    lines = ["## Probe findings", ""]
    for f in v.findings:
        lines += [f"- **{f.outcome_label}** — {md_code(f.kind)} · {md_escape(f.probe_id)} · {md_code(f.check)}: "
                  f"{md_escape(f.message)}"]
        lines += [f"  - {md_escape(k)}: {md_escape(val)}" for k, val in f.values]
        if f.section_title:
            lines.append(f"  - presented in {md_escape(f.section_title)}")
        if f.exchanges:
            more = f" and {f.more_exchanges} more" if f.more_exchanges else ""
            lines.append(f"  - exchanges: {md_escape(f.exchanges)}{more}")
        if f.omitted_values or f.more_exchanges:
            lines.append("  - every value and exchange id: findings.json")
    return lines + [""]


def _check_table(rows) -> list[str]:
    lines = ["| Check | Outcome | Measured |", "|---|---|---|"]
    lines += [f"| {md_escape(r.title)} | {r.outcome_label} | {md_escape(r.measure)}"
              + (f"<br>{md_escape(r.message)}" if r.message else "") + " |" for r in rows]
    return lines + [""]


def _identity_md(data) -> list[str]:
    lines = [md_escape(data.summary + f" Rates with their {data.interval} (Wilson) and n."), ""]
    lines += _check_table(data.rows)
    if data.quotes:
        lines += ["Quoted answers:", ""]
        lines += [f"- “{md_escape(q.text)}” — " + (f"**{md_escape(q.verdict)}** · " if q.verdict else "")
                  + f"{md_escape(q.where)} · for “{md_escape(q.check)}” · evidence {md_code(q.exchange)}"
                  for q in data.quotes]
        lines.append("")
    if data.fingerprints:
        lines += [md_escape(f"system_fingerprint values seen: {data.fingerprints}"), ""]
    return lines


def _tokenizer_md(data) -> list[str]:
    lines = [md_escape(data.summary), ""]
    if data.facts:
        lines += [f"- **{md_escape(f.label)}:** {md_escape(f.value)}" for f in data.facts] + [""]
    lines += _check_table(data.rows)
    if data.exchanges:
        lines += ["Evidence (exchange ids in evidence.jsonl): " + ", ".join(md_code(x) for x in data.exchanges), ""]
    return lines


def _drift_md(data) -> list[str]:
    lines = [md_escape(data.summary), "", "| Audit | Verdict | p | Level | Fingerprint | Score | Baseline |",
             "|---|---|---:|---:|---|---:|---|"]
    lines += [f"| {md_escape(r.date)} | {md_escape(r.verdict)} | {md_escape(r.p_value)} | {md_escape(r.level)} "
              f"| {md_escape(r.fingerprint)} | {md_escape(r.score)} | {md_escape(r.baseline)} |" for r in data.rows]
    return lines + [""]


# the serving section (audit/probes/serving/section.py) has the tokenizer section's shape: summary, facts, rows
_SECTION_MARKDOWN = {"identity.html": _identity_md, "tokenizer.html": _tokenizer_md, "serving.html": _tokenizer_md,
                     "drift.html": _drift_md}


def _sections(v: CardView) -> list[str]:
    """Each extra section under its title; a section with no Markdown form shows its title only."""
    lines = []
    for section in v.sections:
        lines += [f"## {md_escape(section.title)}", ""]
        render = _SECTION_MARKDOWN.get(section.partial)
        if render is not None and section.data is not None:
            lines += render(section.data)
    return lines


def _sources(v: CardView) -> list[str]:
    if not v.sources:
        return []
    lines = ["## Sources", ""]
    lines += [f"- **{md_escape(s.ref)}** {_link(s)} — cited for: {md_escape(s.cited_by_text)}" for s in v.sources]
    return lines + [""]


def _provenance(v: CardView) -> list[str]:
    lines = ["## Provenance", ""]
    if v.rubric_credit:
        lines += [md_escape(v.rubric_credit), ""]
    lines += [f"- {md_escape(s.label)}: {md_code(s.value)}" if s.mono else f"- {md_escape(s.label)}: {md_escape(s.value)}"
              for s in v.stamps]
    return lines + [""]


def view_markdown(v: CardView) -> str:
    parts = [_header(v), _summary(v)]
    if v.audit_note:
        parts.append(["## Audit note", "", md_escape(v.audit_note), ""])
    parts += [_details(v), _sections(v), _findings(v), _sources(v), _provenance(v)]
    return "\n".join(line for part in parts for line in part).rstrip("\n") + "\n"


def result_markdown(result: AuditResult) -> str:
    """The card for `result` as Markdown text."""
    return view_markdown(build_view(result))

"""The serving section of a report card: plain view data for reports/templates/sections/serving.html.

`serving_sections(findings)` turns the serving probe's findings into one `Section` per probe instance: a
summary (how many checks passed, which failed), facts (the context window served and the limit found,
the search's resolution and budget, whether the model could recall canaries, the request profile), one
row per check in def.yaml's order with its title and what was measured, and the exchange ids the findings
rest on. It reads findings only through their typed view (audit.probes.serving.values).
"""

from __future__ import annotations

from collections.abc import Iterable

from audit.probes.registry import check_title, declared_checks
from audit.probes.section_rows import Fact, FactsSection, by_probe, check_row, exchange_ids
from audit.probes.serving.values import (CONTEXT_WINDOW, OUTPUT_CAP, REASONING_EFFORT, SEED, SILENT_TRUNCATION,
                                         STREAM_AGREEMENT, TEMPERATURE, KIND, ServingView, serving_view)
from audit.schema.finding import Finding
from audit.schema.section import Section

__all__ = ["ServingSection", "Fact", "serving_sections"]

ServingSection = FactsSection  # the section's view data (summary, facts, check rows, evidence ids)


def _tokens(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _measure(v: ServingView) -> str:
    rate = v.rate()
    if rate is not None:
        value, low, high, n, k = rate
        if not n:
            return "no calls to judge"
        return f"{k}/{n} ({value:.0%}; 95% CI {low:.0%}–{high:.0%})"
    if v.check == CONTEXT_WINDOW:
        if v.declared_window is None:
            return "no window declared"
        parts = [f"declared {_tokens(v.declared_window)}"]
        if v.limit_low is not None:
            parts.append(f"served whole up to {_tokens(v.limit_low)}" +
                         (f", refused or cut from {_tokens(v.limit_high)}" if v.limit_high is not None else ""))
        return "; ".join(parts)
    if v.check == SILENT_TRUNCATION:
        if v.checked is None:
            return ""
        return f"{len(v.truncated)} of {v.checked} long prompts cut"
    if v.check == OUTPUT_CAP:
        if not v.answers:
            return "no answers"
        return f"cap {v.cap}: {v.over_cap or 0} over, {v.wrong_finish or 0} wrong finish_reason, of {len(v.answers)}"
    if v.check == TEMPERATURE:
        if v.greedy_n is None and v.sampled_n is None:
            return "not sent"
        return (f"temp 0: {v.greedy_distinct or 0} distinct of {v.greedy_n or 0}; temp 1: {v.sampled_distinct or 0} "
                f"of {v.sampled_n or 0}" + (f", word distance {v.sampled_distance:.2f}" if v.sampled_distance is not None
                                              else ""))
    if v.check == SEED:
        return "not sent" if v.n is None else f"seed {v.seed}: {v.distinct} distinct of {v.n}"
    if v.check == REASONING_EFFORT:
        if not v.mean_reasoning_tokens:
            return "no reasoning tokens reported"
        return ", ".join(f"{e}: {m:g}" for e, m in v.mean_reasoning_tokens.items())
    if v.check == STREAM_AGREEMENT:
        return "agree" if v.agree else ("differ" if v.agree is False else "not compared")
    return ""


def _facts(views: dict[str, ServingView]) -> list[Fact]:
    facts = []
    window = views.get(CONTEXT_WINDOW)
    if window is not None and window.declared_window is not None:
        facts.append(Fact("Declared context window", f"{_tokens(window.declared_window)} tokens"))
        if window.limit_low is not None:
            limit = (f"between {_tokens(window.limit_low)} and {_tokens(window.limit_high)} tokens"
                     if window.limit_high is not None else f"at least {_tokens(window.limit_low)} tokens")
            facts.append(Fact("Prompt served whole", limit))
        facts.append(Fact("Search", f"resolution {_tokens(window.resolution_tokens)} tokens, budget "
                                    f"{_tokens(window.search_budget_tokens)} tokens; {window.search_steps or 0} "
                                    f"prompts, {_tokens(window.search_tokens or 0)} tokens sent"))
        if window.recall_works is not None:
            facts.append(Fact("Canary recall", "the model lists the canaries of a short prompt" if window.recall_works
                              else "the model cannot list canaries (judged by prompt_tokens alone)"))
    first = next(iter(views.values()), None)
    if first is not None and first.request_profile:
        effort = f" at reasoning effort {first.reasoning_effort}" if first.reasoning_effort else ""
        facts.append(Fact("Request profile", first.request_profile + effort))
    return facts


def _summary(findings: list[Finding]) -> str:
    decided = [f for f in findings if f.outcome in ("pass", "partial", "fail")]
    failed = [f for f in findings if f.outcome == "fail"]
    text = f"{sum(f.outcome == 'pass' for f in decided)} of {len(decided)} decided checks passed"
    if failed:
        text += "; failed: " + ", ".join(check_title(KIND, f.check) for f in failed)
    skipped = len(findings) - len(decided)
    return text + (f"; {skipped} not assessed." if skipped else ".")


def serving_sections(findings: Iterable[Finding]) -> list[Section]:
    """One card section per serving probe instance found among `findings`."""
    sections = []
    for probe_id, checks in by_probe(findings, KIND).items():
        ordered = [checks[c] for c in declared_checks(KIND) if c in checks]
        views = {f.check: serving_view(f) for f in ordered}
        rows = [check_row(f, check_title(KIND, f.check), _measure(views[f.check])) for f in ordered]
        data = ServingSection(_summary(ordered), _facts(views), rows, exchange_ids(ordered))
        sections.append(Section(title=f"Serving integrity ({probe_id})", partial="serving.html", data=data,
                                covers=(probe_id,)))
    return sections

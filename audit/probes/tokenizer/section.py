"""The tokenizer section of a report card: plain view data for reports/templates/sections/tokenizer.html.

`tokenizer_sections(findings)` turns the tokenizer probe's findings into one `Section` per probe
instance: what was identified (the equivalence class and its members, the declared tokenizer, the
observed deltas against the design's gap, the nearest classes when nothing matched), one row per
check (declared vs observed, vocabulary, hidden overhead in tokens, completion billing in tokens and
%, served-model substitution) and the ids of the exchanges the findings rest on. It reads findings
only through their typed view (audit.probes.tokenizer.values); check order and titles come from def.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable

from audit.probes.registry import check_title, declared_checks
from audit.probes.section_rows import Fact, FactsSection, by_probe, check_row, exchange_ids
from audit.probes.tokenizer.values import (COMPLETION_BILLING, HIDDEN_OVERHEAD, PROMPT_BILLING, REASONING_TOKENS,
                                           SERVED_MODEL_SUBSTITUTION, TOKENIZER_MATCH, VOCAB_CONSISTENT, TokenizerView,
                                           tokenizer_view)
from audit.schema.section import Section
from audit.schema.finding import Finding

__all__ = ["TokenizerSection", "Fact", "tokenizer_sections"]

KIND = "tokenizer"


TokenizerSection = FactsSection  # the section's view data (summary, facts, check rows, evidence ids)


def _tokens(n: int) -> str:
    return f"{n:,} token{'s' if abs(n) != 1 else ''}"


def _nearest(view: TokenizerView, limit: int = 3) -> str:
    return ", ".join(f"{n.id} ({_tokens(n.distance)} off)" for n in view.nearest[:limit])


def _measure(v: TokenizerView) -> str:
    observed = v.observed_class or "unknown"
    if v.check == TOKENIZER_MATCH:
        if v.declared is None:
            return f"none declared; observed {observed}"
        declared = v.declared + (f" (class {v.declared_class})" if v.declared_class else " (not in the catalog)")
        return f"declared {declared}; observed {observed}"
    if v.check == VOCAB_CONSISTENT:
        if v.declared_vocabulary_size is None:
            return "none declared"
        sizes = " / ".join(f"{s:,}" for s in v.observed_vocab_sizes) or "unknown"
        return f"declared {v.declared_vocabulary_size:,}; observed class has {sizes}"
    if v.check == HIDDEN_OVERHEAD:
        if v.overhead_tokens is None:
            return "not measured"
        text = f"{_tokens(v.overhead_tokens)} per request"
        if v.matched_template is not None:
            known = v.known_template_overhead[v.matched_template]
            text += f"; {v.matched_template} template {known}, unexplained {v.excess_tokens:+,}"
        return text
    if v.check == COMPLETION_BILLING:
        if v.reported_completion_tokens is None:
            return "not checked"
        n = v.completions
        text = (f"reported {v.reported_completion_tokens:,}, counted {v.counted_completion_tokens:,} "
                f"over {n} completion{'s' if n != 1 else ''}: {v.billing_difference_tokens:+,} tokens "
                f"({v.billing_difference_pct:+.1f}%)")
        if v.reported_reasoning_tokens:
            text += f"; {v.reported_reasoning_tokens:,} of them reasoning"
        if v.most_completion_tokens is not None:
            text += f"; the text could take at most {v.most_completion_tokens:,}"
        if v.over_cap_completions:
            text += f"; {v.over_cap_completions} over the request's cap"
        return text
    if v.check == PROMPT_BILLING:
        factor = v.prompt_billing_factor
        return f"{factor:.2f}x the tokenizer's count" if factor is not None else "not checked"
    if v.check == REASONING_TOKENS:
        if not v.mean_reasoning_tokens:
            return "none reported" + (f" (effort {', '.join(v.efforts)})" if v.efforts else "")
        return "mean " + ", ".join(f"{e}: {m:g}" for e, m in v.mean_reasoning_tokens.items())
    if v.check == SERVED_MODEL_SUBSTITUTION:
        if not v.named_model:
            return "no model name to compare"
        named = f"{v.named_model} → {v.named_class}" if v.named_class else f"{v.named_model} (no catalog tokenizer)"
        return f"API named {named}; counts say {observed}"
    return ""


def _facts(v: TokenizerView) -> list[Fact]:
    """The identification itself, read from the values every tokenizer finding carries."""
    if v.observed_class is None:
        return []
    observed = v.observed_class if v.status == "match" or v.prompt_billing_factor or v.count_ratio else \
        ("ambiguous: more than one class fits" if v.status == "ambiguous" else "unknown: no catalog class fits")
    facts = [Fact("Observed tokenizer", observed)]
    if v.members:
        facts.append(Fact("Equivalence class", ", ".join(v.members) + " (count identically on every probe)"))
    gaps = v.design_gap
    deltas = "; ".join(f"{probe}: {_tokens(delta)}" + (f" (classes ≥ {gaps[probe]} apart)" if probe in gaps else "")
                       for probe, delta in v.deltas.items())
    if deltas:
        facts.append(Fact("Probe text counted", deltas))
    if v.nearest:
        facts.append(Fact("Nearest classes" if v.status == "match" else "Nearest classes (no match)", _nearest(v)))
    if v.request_profile:
        effort = f" at reasoning effort {v.reasoning_effort}" if v.reasoning_effort else ""
        facts.append(Fact("Request profile", v.request_profile + effort))
    if v.count_ratio:
        facts.append(Fact("Tokens per reference token", ", ".join(f"{k}: {r:g}" for k, r in v.count_ratio.items()
                                                                 if r is not None)))
    if v.calls:
        facts.append(Fact("Calls used", str(v.calls)))
    return facts


def _summary(first: Finding) -> str:
    v = tokenizer_view(first)
    if v.observed_class is None:
        return first.message
    gap = min(v.design_gap.values(), default=None)
    apart = f" The probe text keeps every catalog class at least {_tokens(gap)} apart." if gap else ""
    calls = "?" if v.calls is None else v.calls
    if v.prompt_billing_factor:
        return (f"The API counts tokens like {v.observed_class}, times {v.prompt_billing_factor:.2f} "
                f"(identified in {calls} calls).{apart}")
    if v.count_ratio:
        return (f"The API counts with {v.observed_class}, which matches no published tokenizer; the facts give "
                f"its counts per token of the nearest reference tokenizers.{apart}")
    if v.status == "match":
        return (f"The API counts tokens like {v.observed_class} (identified in {calls} calls from the "
                f"difference of two prompt token counts).{apart}")
    what = "more than one catalog class fits" if v.status == "ambiguous" else "no catalog tokenizer fits"
    near = f"; the nearest is {v.nearest[0].id}, {_tokens(v.nearest[0].distance)} off" if v.nearest else ""
    return f"After {calls} calls {what} the counts{near}.{apart}"


def tokenizer_sections(findings: Iterable[Finding]) -> list[Section]:
    """One card section per tokenizer probe instance found among `findings`."""
    sections = []
    for probe_id, checks in by_probe(findings, KIND).items():
        ordered = [checks[c] for c in declared_checks(KIND) if c in checks]
        views = [tokenizer_view(f) for f in ordered]
        rows = [check_row(f, check_title(KIND, f.check), _measure(v)) for f, v in zip(ordered, views)]
        data = TokenizerSection(_summary(next(iter(checks.values()))), _facts(views[0]) if views else [], rows,
                                exchange_ids(ordered))
        sections.append(Section(title=f"Tokenizer integrity ({probe_id})", partial="tokenizer.html", data=data,
                                covers=(probe_id,)))
    return sections

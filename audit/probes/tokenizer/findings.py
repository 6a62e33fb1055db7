"""Rubric checks from an identification (pure): declared tokenizer, vocabulary size, hidden overhead,
completion billing and served-model substitution. Each returns (outcome, message, values)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audit.probes.tokenizer.artifact import Design, DesignClass
from audit.probes.tokenizer.identify import Identification

__all__ = ["Verdict", "declared_class", "check_tokenizer_match", "check_vocab", "check_overhead",
           "check_billing", "check_substitution"]


@dataclass(frozen=True)
class Verdict:
    outcome: str
    message: str
    values: dict


def declared_class(design: Design, declared: str | None) -> DesignClass | None:
    """The class a declared tokenizer or model name belongs to, via catalog names and aliases."""
    if not declared:
        return None
    from audit.tokenizers.catalog import find_entry

    candidates = [declared, *declared.replace(",", " ").replace("(", " ").replace(")", " ").split()]
    for text in candidates:
        entry = find_entry(text) or _prefix_entry(text)
        if entry is not None:
            return design.class_of(entry.name)
    return None


def _prefix_entry(name: str):
    """An entry one of whose aliases prefixes `name` (e.g. gpt-4o-2024-08-06 -> gpt-4o); longest wins."""
    from audit.tokenizers.catalog import load_catalog

    wanted = name.strip().lower().rsplit("/", 1)[-1]
    best, best_len = None, 0
    for entry in load_catalog().tokenizers:
        for alias in (entry.name, *entry.aliases):
            a = alias.lower()
            if (wanted.startswith(a + "-") or wanted.startswith(a + ".") or wanted.startswith(a + ":")) \
                    and len(a) > best_len:
                best, best_len = entry, len(a)
    return best


def _observed(ident: Identification) -> str:
    return f"{ident.class_id} ({', '.join(ident.members)})" if ident.class_id else "an unknown tokenizer"


def check_tokenizer_match(design: Design, ident: Identification, declared: str | None) -> Verdict:
    if not declared:
        return Verdict("not_available", "no tokenizer declared", {})
    cls = declared_class(design, declared)
    values = {"declared": declared, "declared_class": cls.id if cls else None}
    if cls is None:
        return Verdict("not_available", f"declared tokenizer {declared!r} is not in the reference catalog", values)
    if ident.class_id == cls.id:
        return Verdict("pass", f"counts match the declared tokenizer {declared!r} ({cls.id})", values)
    return Verdict("fail", f"declared {declared!r} ({cls.id}) but counts match {_observed(ident)}", values)


def check_vocab(design: Design, ident: Identification, declared_size: int | None, tolerance_pct: float) -> Verdict:
    if declared_size is None:
        return Verdict("not_available", "no vocabulary size declared", {})
    cls = design.class_of(ident.class_id) if ident.class_id else None
    if cls is None:
        return Verdict("not_available", "tokenizer not identified; vocabulary size cannot be checked",
                       {"declared_vocabulary_size": declared_size})
    nearest = min(cls.vocab_sizes, key=lambda v: abs(v - declared_size))
    off_pct = abs(nearest - declared_size) / nearest * 100
    values = {"declared_vocabulary_size": declared_size, "observed_vocab_sizes": cls.vocab_sizes,
              "difference_pct": round(off_pct, 3)}
    if off_pct <= tolerance_pct:
        return Verdict("pass", f"declared vocabulary {declared_size} fits {cls.id} ({nearest})", values)
    return Verdict("fail", f"declared vocabulary {declared_size} but {cls.id} has {nearest} "
                           f"({off_pct:.1f}% off)", values)


def check_overhead(cls: DesignClass | None, overhead: int | None, *, pass_excess: int, fail_excess: int
                   ) -> Verdict:
    """Tokens a bare message costs beyond its own, against the class's known template overheads.

    A family has several official templates (Llama-3 vs Llama-3.1's dated system turn; ChatML vs Qwen2's
    default system prompt), so the excess is measured from the largest known template that does not
    exceed the observed overhead (or from the smallest, when every template is larger).
    """
    values = {"overhead_tokens": overhead}
    if cls is None:  # without the tokenizer the bare message's own count, hence the overhead, is unknown
        return Verdict("not_available", "tokenizer not identified, so the overhead cannot be measured", values)
    if overhead is None:
        return Verdict("not_available", "no prompt token count for the bare message", values)
    if not cls.chat_overhead:
        return Verdict("not_available", f"{overhead} tokens of per-request overhead; no known chat template "
                                        f"for {cls.id}", values)
    fitting = [(tokens, name) for name, tokens in cls.chat_overhead.items() if tokens <= overhead]
    known, template = max(fitting) if fitting else min((t, n) for n, t in cls.chat_overhead.items())
    excess = overhead - known
    values.update({"known_template_overhead": dict(cls.chat_overhead), "matched_template": template,
                   "excess_tokens": excess})
    if excess <= pass_excess:
        return Verdict("pass", f"{overhead} tokens of overhead, within the known {template} template ({known})",
                       values)
    outcome = "partial" if excess <= fail_excess else "fail"
    return Verdict(outcome, f"{overhead} tokens of overhead: {excess} beyond the {template} template ({known}); "
                            "a hidden prompt is likely injected", values)


def check_billing(pairs: Sequence[tuple[int, int]], *, slack_tokens: int, pass_pct: float,
                  partial_pct: float) -> Verdict:
    """pairs: (reported completion_tokens, tokens the identified tokenizer counts in the returned text)."""
    if not pairs:
        return Verdict("not_available", "no completion with both text and completion_tokens", {})
    reported = sum(p[0] for p in pairs)
    counted = sum(p[1] for p in pairs)
    diff = reported - counted
    pct = diff / counted * 100 if counted else (0.0 if diff == 0 else 100.0)
    values = {"reported_completion_tokens": reported, "counted_completion_tokens": counted,
              "billing_difference_tokens": diff, "billing_difference_pct": round(pct, 2), "completions": len(pairs)}
    allowed = slack_tokens * len(pairs)
    if abs(diff) <= allowed or abs(pct) <= pass_pct:
        return Verdict("pass", f"completion_tokens {reported} vs {counted} counted ({pct:+.1f}%)", values)
    outcome = "partial" if abs(pct) <= partial_pct else "fail"
    return Verdict(outcome, f"completion_tokens {reported} but the text counts {counted} ({pct:+.1f}%)", values)


def check_substitution(design: Design, ident: Identification, names: Sequence[str | None],
                       tolerance: int) -> Verdict:
    """Does the model name the API answers with (or was asked for) fit the counts?"""
    for name in names:
        cls = declared_class(design, name) if name else None
        if cls is None:
            continue
        values = {"named_model": name, "named_class": cls.id}
        if ident.class_id == cls.id:
            return Verdict("pass", f"counts fit {name!r} ({cls.id})", values)
        if ident.class_id is None:
            dist = max(abs(v - cls.expected[p]) for p, v in ident.observed.items())
            if dist <= tolerance:
                return Verdict("pass", f"counts fit {name!r} ({cls.id})", values)
        return Verdict("fail", f"the API says {name!r} ({cls.id} tokenizer) but the counts match "
                               f"{_observed(ident)}", values)
    return Verdict("not_available", "the model name maps to no catalog tokenizer", {"named_model": names[0]})

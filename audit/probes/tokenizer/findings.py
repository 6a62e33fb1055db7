"""Rubric checks from an identification (pure): declared tokenizer, vocabulary size, hidden overhead,
completion billing and served-model substitution. Each returns (outcome, message, values)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audit.probes.tokenizer.artifact import Design, DesignClass
from audit.probes.tokenizer.identify import Identification

__all__ = ["Verdict", "Completion", "declared_class", "check_tokenizer_match", "check_vocab", "check_overhead",
           "check_billing", "check_prompt_billing", "constant_factor", "check_substitution"]


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


def check_tokenizer_match(design: Design, ident: Identification, declared: str | None,
                          factor: float | None = None) -> Verdict:
    if not declared:
        return Verdict("not_available", "no tokenizer declared", {})
    cls = declared_class(design, declared)
    values = {"declared": declared, "declared_class": cls.id if cls else None}
    if cls is None:
        return Verdict("not_available", f"declared tokenizer {declared!r} is not in the reference catalog", values)
    if ident.class_id == cls.id:
        return Verdict("pass", f"counts match the declared tokenizer {declared!r} ({cls.id})", values)
    if factor is not None:
        return Verdict("pass", f"counts are the declared tokenizer {declared!r} ({cls.id}) times {factor:.2f}: "
                               "the same tokenizer, billed high (see prompt billing)",
                       {**values, "prompt_billing_factor": round(factor, 3)})
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


@dataclass(frozen=True)
class Completion:
    """One answered call as the billing check sees it.

    reported: output tokens the API billed; reasoning: the reasoning tokens it reported (None: not
    reported); cap: the request's output cap; canonical/most: the fewest and the most tokens the
    returned text (visible answer, plus returned reasoning text when no reasoning count is
    reported) can take in the identified tokenizer (`Tokenizer.most_tokens`: its UTF-8 bytes for
    byte-level BPE, its characters for SentencePiece, with byte fallback where a character is no piece).
    """

    reported: int
    reasoning: int | None
    cap: int | None
    canonical: int
    most: int


def check_billing(completions: Sequence[Completion], *, slack_tokens: int, pass_pct: float,
                  partial_pct: float) -> Verdict:
    """Reported output tokens against what the returned text can honestly have cost.

    Over-billing is shown only where it is provable from outside: a count above the cap the request
    set, or visible tokens (output − reported reasoning) above the most the text could take. Between
    the canonical count and that upper bound the counts are consistent; the values say how far above
    canonical they are. Generated text can also re-tokenize a little longer than it was generated,
    so counts up to `partial_pct` below canonical are consistent too. The factor is reported / canonical.
    """
    if not completions:
        return Verdict("not_available", "no completion with both text and output tokens", {})
    reported = sum(c.reported for c in completions)
    visible = sum(c.reported - (c.reasoning or 0) for c in completions)
    canonical = sum(c.canonical for c in completions)
    most = sum(c.most for c in completions)
    over_cap = [c for c in completions if c.cap is not None and c.reported > c.cap + slack_tokens]
    allowed = slack_tokens * len(completions)
    above = visible - canonical
    pct = above / canonical * 100 if canonical else (0.0 if above == 0 else 100.0)
    values = {"reported_completion_tokens": reported, "reported_visible_tokens": visible,
              "reported_reasoning_tokens": sum(c.reasoning or 0 for c in completions),
              "counted_completion_tokens": canonical, "most_completion_tokens": most,
              "billing_difference_tokens": above, "billing_difference_pct": round(pct, 2),
              "billing_factor": round(visible / canonical, 3) if canonical else None,
              "over_cap_completions": len(over_cap), "completions": len(completions)}
    factor = f"{visible / canonical:.2f}x the canonical count" if canonical else "no canonical count"
    if over_cap:
        worst = max(over_cap, key=lambda c: c.reported - c.cap)
        return Verdict("fail", f"over-billing: {len(over_cap)} of {len(completions)} completions report more "
                               f"completion_tokens than the cap the request set (e.g. {worst.reported} > {worst.cap}); "
                               f"visible counts are {factor}", values)
    if visible > most + allowed:
        return Verdict("fail", f"over-billing: {visible} visible completion_tokens reported, more than the returned "
                               f"text could take ({most} at most; {factor})", values)
    if above < -allowed and abs(pct) > partial_pct:
        # Re-tokenizing generated text can also come out longer (a real llama-server: 48 generated,
        # 52 canonical), so a count a little below canonical is consistent; far below is not.
        return Verdict("partial", f"completion_tokens {visible} well below the {canonical} the returned text counts "
                                  f"({pct:+.1f}%): under-reported or not this tokenizer", values)
    if abs(above) <= allowed or abs(pct) <= pass_pct:
        return Verdict("pass", f"completion_tokens {visible} vs {canonical} counted ({pct:+.1f}%)", values)
    if above < 0:
        return Verdict("pass", f"consistent: {visible} visible completion_tokens, a little below the canonical "
                               f"{canonical} ({pct:+.1f}%): generated text can re-tokenize longer than it was "
                               "generated", values)
    return Verdict("pass", f"consistent: {visible} visible completion_tokens lie between the canonical {canonical} "
                           f"and the most the text could take ({most}); {pct:+.1f}% above canonical, which "
                           "non-canonical generation explains", values)


def constant_factor(cls: DesignClass, observed: dict[str, int], tolerance: int) -> float | None:
    """The factor f when every observed delta is the class's expected delta times f (within rounding
    and `tolerance`), measured on at least two probes of different shape; None otherwise.

    A constant-factor inflation of the declared tokenizer's counts keeps the ratio between probes;
    a different tokenizer changes it, so two probes tell the two apart.
    """
    shared = [p for p in observed if cls.expected.get(p)]
    if len(shared) < 2:
        return None
    factor = sum(observed[p] for p in shared) / sum(cls.expected[p] for p in shared)
    if all(abs(observed[p] - factor * cls.expected[p]) <= 1 + tolerance for p in shared):
        return factor
    return None


def check_prompt_billing(ident: Identification, declared: DesignClass | None, factor: float | None) -> Verdict:
    """Are prompt tokens billed as the tokenizer counts them, or inflated by a constant factor?"""
    if factor is not None and declared is not None:
        values = {"prompt_billing_factor": round(factor, 3), "declared_class": declared.id}
        return Verdict("fail", f"prompt over-billing: prompt tokens are {factor:.2f}x what {declared.id} "
                               "counts (the same factor on every probe text)", values)
    if ident.class_id is not None:
        return Verdict("pass", f"prompt tokens are counted as {ident.class_id} counts them",
                       {"prompt_billing_factor": 1.0})
    return Verdict("not_available", "tokenizer not identified, so prompt counts cannot be checked", {})


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

"""The tokenizer probe kind: which tokenizer the API really counts with, what it adds unseen, and
whether its completion counts are honest.

Calls: `base` (a bare message) and `probe-1`, `probe-2` (the base text, a newline, a designed probe
text, a newline and the base text again) are planned together, so date-stamped templates cancel;
with `confirm: false` only `probe-1`, and `probe-2` when its delta leaves a near tie.
delta = prompt_tokens(probe) - prompt_tokens(base) is compared with the shipped design
(probes/tokenizer/_design.json), so evaluation needs no tokenizer and reruns identically offline;
only the billing check loads the identified tokenizer to count the returned text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import Field

from audit.schema.base import Strict
from audit.schema.evidence import ChatRequest, Exchange, Message
from audit.schema.finding import Finding
from audit.probes.tokenizer.artifact import Design, load_design
from audit.probes.tokenizer.findings import (Completion, Verdict, check_billing, check_overhead, check_prompt_billing,
                                             check_substitution, check_tokenizer_match, check_vocab, constant_factor,
                                             declared_class)
from audit.probes.tokenizer.reasoning import TIGHT_PREFIX, check_reasoning_tokens, swept_efforts, tight_cap
from audit.probes.tokenizer.identify import Identification, identify
from audit.probes.tokenizer.values import (COMPLETION_BILLING, HIDDEN_OVERHEAD, PROMPT_BILLING, REASONING_TOKENS,
                                           SERVED_MODEL_SUBSTITUTION, TOKENIZER_MATCH, VOCAB_CONSISTENT)
from audit.probes.base import PlannedCall, ProbeKind, TargetContext
from audit.probes.registry import register

__all__ = ["TokenizerParams", "TokenizerProbe", "prompt_tokens", "completion_tokens", "ANTHROPIC_TOKENIZER"]

ANTHROPIC_TOKENIZER = "Anthropic (unpublished)"


def _ratio(observed: Mapping[str, int], expected: Mapping[str, int]) -> float | None:
    """Observed tokens per token of a reference tokenizer, over the probes both have."""
    shared = [p for p in observed if expected.get(p)]
    total = sum(expected[p] for p in shared)
    return round(sum(observed[p] for p in shared) / total, 3) if total else None


def _as_match(ident: Identification, cls) -> Identification:
    """The identification read as the declared class (its counts are that class's times a constant)."""
    return Identification("match", cls.id, tuple(cls.members), ident.observed, ident.nearest)


class TokenizerParams(Strict):
    design: str = Field(default="_design.json", description="design file under probes/tokenizer/ (or a path)")
    tolerance: int = Field(default=0, ge=0, description="tokens a delta may differ from a class's and still match")
    tie_margin: int = Field(default=2, ge=0, description="a second class this close asks for the second probe")
    confirm: bool = Field(default=True, description=(
        "send every designed probe with the first calls: a class must fit each one, so a vocabulary outside "
        "the catalog that happens to count like a class on one probe reads unknown (one call more)"))
    count_with: Literal["auto", "chat", "count_tokens"] = Field(
        default="auto", description="auto: Anthropic's count_tokens endpoint for anthropic targets, else chat")
    max_tokens: int = Field(default=24, ge=1)
    temperature: float = Field(default=0.0, ge=0, le=2)
    seed: int | None = 7
    overhead_pass_excess: int = Field(default=3, description="tokens beyond the known template that still pass")
    overhead_fail_excess: int = Field(default=32, description="beyond this many extra tokens: fail (else partial)")
    billing_slack_tokens: int = Field(default=1, ge=0, description="per completion (stop tokens, joins)")
    billing_pass_pct: float = Field(default=5.0, ge=0)
    billing_partial_pct: float = Field(default=15.0, ge=0)
    vocab_tolerance_pct: float = Field(default=1.0, ge=0)
    reasoning_headroom: int = Field(default=1024, ge=0, description="cap tokens added on calls that may reason, "
                                                                    "so hidden reasoning does not starve the answer")
    reasoning_efforts: list[str] = Field(default_factory=list, description=(
        "efforts to call at besides the run's own (those the request profile lists), for the reasoning check"))


def prompt_tokens(exchange: Exchange | None) -> int | None:
    """Input tokens the API reported (cached and cache-write tokens included)."""
    if exchange is None or not exchange.ok or exchange.usage is None:
        return None
    return exchange.usage.input_tokens


def completion_tokens(exchange: Exchange) -> int | None:
    """Output tokens the API reported, hidden reasoning included."""
    return exchange.usage.output_tokens if exchange.usage is not None else None


@register
class TokenizerProbe(ProbeKind):
    kind = "tokenizer"
    Params = TokenizerParams

    _design: Design | None = None

    @property
    def design(self) -> Design:
        if self._design is None:
            self._design = load_design(self.params.design)
        return self._design

    def _op(self, target: TargetContext) -> str:
        if self.params.count_with == "auto":
            return "count_tokens" if target.provider == "anthropic" else "chat"
        return self.params.count_with

    def _request(self, text: str, op: str, target: TargetContext) -> ChatRequest:
        """Prompt counts do not depend on sampling, so fields the target refuses are left out."""
        if op == "count_tokens":
            return ChatRequest(op="count_tokens", messages=[Message(role="user", content=text)])
        p = self.params
        return ChatRequest(messages=[Message(role="user", content=text)],
                           max_tokens=target.output_cap(p.max_tokens, p.reasoning_headroom),
                           temperature=p.temperature if target.accepts("temperature", p.temperature) else None,
                           seed=p.seed if target.accepts("seed") else None)

    def _text(self, probe_id: str) -> str:
        return self.design.message(probe_id)

    def _call(self, key: str, text: str, op: str, target: TargetContext) -> PlannedCall:
        request = self._request(text, op, target)
        return PlannedCall(key, request, estimated_input_tokens=len(text),
                           estimated_output_tokens=0 if op == "count_tokens" else request.max_tokens,
                           droppable=frozenset({"temperature", "top_p", "seed"}))

    def _reasoning_calls(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[PlannedCall]:
        """The base message at each swept effort (the run's own is `base`), then, for each that
        reported reasoning, once more with a tight cap (reasoning.py says why)."""
        efforts = swept_efforts(target.request, self.params.reasoning_efforts)
        p, calls = self.params, []
        for number, effort in enumerate(efforts):
            full = "base" if number == 0 else f"effort-{effort}"
            if full not in done:
                if number:  # (`base` is the identification's first call)
                    cap = p.max_tokens + (p.reasoning_headroom if effort != "none" else 0)
                    calls.append(self._effort_call(full, effort, cap, target))
                continue
            cap = tight_cap(done[full])
            if cap is not None and f"{TIGHT_PREFIX}{effort}" not in done:
                calls.append(self._effort_call(f"{TIGHT_PREFIX}{effort}", effort, cap, target))
        return calls

    def _effort_call(self, key: str, effort: str, cap: int, target: TargetContext) -> PlannedCall:
        """The base message at `effort` (no sampling fields: the count, not the answer, is measured)."""
        request = ChatRequest(messages=[Message(role="user", content=self.design.base_text)], max_tokens=cap,
                              reasoning_effort=None if target.request and effort == target.request.effort
                              else effort)
        return PlannedCall(key, request, estimated_input_tokens=len(self.design.base_text),
                           estimated_output_tokens=cap)

    def _reasoning_keys(self, target: TargetContext) -> list[str]:
        efforts = swept_efforts(target.request, self.params.reasoning_efforts)
        return [*(f"effort-{e}" for e in efforts[1:]), *(f"{TIGHT_PREFIX}{e}" for e in efforts)]

    def _deltas(self, done: Mapping[str, Exchange]) -> dict[str, int]:
        base = prompt_tokens(done.get("base"))
        out = {}
        for probe in self.design.probes:
            value = prompt_tokens(done.get(probe.id))
            if base is not None and value is not None:
                out[probe.id] = value - base
        return out

    def _identify(self, done: Mapping[str, Exchange]) -> Identification | None:
        deltas = self._deltas(done)
        if not deltas:
            return None
        return identify(deltas, self.design.expected_classes(), [p.id for p in self.design.probes],
                        tolerance=self.params.tolerance, tie_margin=self.params.tie_margin)

    def next_calls(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[PlannedCall]:
        op = self._op(target)
        probes = [p.id for p in self.design.probes] if self.params.confirm else ["probe-1"]
        first = [("base", self.design.base_text), *((pid, self._text(pid)) for pid in probes)]
        if op == "count_tokens":
            first.append(("billing", self.design.base_text))
        missing = [self._call(key, text, "chat" if key == "billing" else op, target)
                   for key, text in first if key not in done]
        reasoning = [] if op == "count_tokens" else self._reasoning_calls(target, done)
        if missing:
            return missing + reasoning
        ident = self._identify(done)
        if ident is None:
            return reasoning
        remaining = [p.id for p in self.design.probes if p.id not in ident.observed]
        # No class fits, but the declared one may fit times a constant (inflated counts): one more probe
        # tells a constant factor from a different tokenizer.
        inflation_test = ident.class_id is None and remaining and \
            declared_class(self.design, target.declared.tokenizer) is not None
        if ident.needs_tiebreak and ident.next_probe not in done:
            return [self._call(ident.next_probe, self._text(ident.next_probe), op, target), *reasoning]
        if inflation_test:
            return [self._call(remaining[0], self._text(remaining[0]), op, target), *reasoning]
        return reasoning

    def max_calls(self) -> int:
        # (the efforts a run sweeps are the target's: their calls are planned as they become known)
        return 2 + len(self.design.probes) + 2 * len(self.params.reasoning_efforts)

    def evaluate(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[Finding]:
        used = [key for key in ("base", *[p.id for p in self.design.probes], "billing",
                                *self._reasoning_keys(target)) if key in done]
        refs = [done[key].id for key in used]
        ident = self._identify(done)
        reasoning = check_reasoning_tokens([done[k] for k in used])
        if ident is None:
            failed = [f"{k}: {done[k].error or 'no token usage reported'}" for k in used
                      if prompt_tokens(done[k]) is None]
            message = "no token counts to compare: " + ("; ".join(failed) or "calls missing")
            outcome = "error" if failed else "not_available"
            declared = {"declared": target.declared.tokenizer} if target.declared.tokenizer else {}
            findings = [self.finding(check, outcome, message, declared if check == TOKENIZER_MATCH else {}, refs)
                        for check in (TOKENIZER_MATCH, VOCAB_CONSISTENT, HIDDEN_OVERHEAD, COMPLETION_BILLING,
                                      PROMPT_BILLING, SERVED_MODEL_SUBSTITUTION)]
            if reasoning.outcome == "not_available":
                reasoning = Verdict(outcome, message, reasoning.values)
            return findings + [self.finding(REASONING_TOKENS, reasoning.outcome, reasoning.message,
                                            reasoning.values, refs)]
        common = self._common_values(ident, target)
        declared_cls = declared_class(self.design, target.declared.tokenizer)
        factor = None
        if declared_cls is not None and ident.class_id != declared_cls.id:
            fitted = constant_factor(declared_cls, ident.observed, self.params.tolerance)
            factor = fitted if fitted is not None and abs(fitted - 1) >= 0.02 else None
        cls = declared_cls if factor is not None else (self.design.class_of(ident.class_id) if ident.class_id
                                                       else None)
        seen = ident if factor is None else _as_match(ident, cls)
        if factor is not None:
            common.update(observed_class=cls.id, members=list(cls.members), prompt_billing_factor=round(factor, 3))
        base_prompt = prompt_tokens(done.get("base"))
        if base_prompt is not None and factor is not None:
            base_prompt = round(base_prompt / factor)
        overhead = base_prompt - cls.base_count if cls is not None and base_prompt is not None else None
        p = self.params
        served = next((done[k].served_model for k in used if done[k].served_model), None)
        verdicts = {
            TOKENIZER_MATCH: check_tokenizer_match(self.design, ident, target.declared.tokenizer, factor),
            VOCAB_CONSISTENT: check_vocab(self.design, seen, target.declared.vocabulary_size,
                                            p.vocab_tolerance_pct),
            HIDDEN_OVERHEAD: self._overhead(cls, overhead, done),
            COMPLETION_BILLING: self._billing(cls, done, used),
            PROMPT_BILLING: check_prompt_billing(ident, declared_cls, factor),
            SERVED_MODEL_SUBSTITUTION: check_substitution(self.design, seen, [served, target.model], p.tolerance),
            REASONING_TOKENS: reasoning,
        }
        if target.request is not None:
            common.update(request_profile=target.request.profile.id, reasoning_effort=target.request.effort)
        return [self.finding(check, v.outcome, v.message, {**common, **v.values}, refs)
                for check, v in verdicts.items()]

    def _overhead(self, cls, overhead: int | None, done: Mapping[str, Exchange]) -> Verdict:
        """Against the known template; on a count_tokens target, billed input_tokens against the count."""
        p = self.params
        base = done.get("base")
        counted, billed = prompt_tokens(base), prompt_tokens(done.get("billing"))
        if cls is None and base is not None and base.request.op == "count_tokens" \
                and counted is not None and billed is not None:
            excess = billed - counted
            values = {"overhead_tokens": excess, "counted_input_tokens": counted, "billed_input_tokens": billed,
                      "excess_tokens": excess}
            if excess <= p.overhead_pass_excess:
                return Verdict("pass", f"billed input_tokens {billed} vs count_tokens {counted}: no hidden "
                                       "overhead beyond the count", values)
            outcome = "partial" if excess <= p.overhead_fail_excess else "fail"
            return Verdict(outcome, f"billed input_tokens {billed} exceed count_tokens {counted} by {excess}: "
                                    "tokens are added unseen", values)
        return check_overhead(cls, overhead, pass_excess=p.overhead_pass_excess, fail_excess=p.overhead_fail_excess)

    def _billing(self, cls, done: Mapping[str, Exchange], used: list[str]) -> Verdict:
        if cls is None:
            return Verdict("not_available", "tokenizer not identified; completions cannot be recounted", {})
        from audit.tokenizers import TokenizerUnavailable, find_entry, load_entry

        tokenizer = None
        for member in cls.members:
            entry = find_entry(member)
            try:
                tokenizer = load_entry(entry) if entry else None
            except TokenizerUnavailable:
                continue
            if tokenizer is not None:
                break
        if tokenizer is None:
            return Verdict("not_available", f"no member of {cls.id} loads here to recount completions", {})
        completions = []
        for key in used:
            ex = done[key]
            usage = ex.usage
            if not ex.ok or ex.request.op != "chat" or usage is None or usage.output_tokens is None:
                continue
            texts = [ex.text or ""]
            if usage.reasoning_tokens is None and ex.reasoning_text:
                texts.append(ex.reasoning_text)  # visible reasoning is billed as output too
            if not any(texts):
                continue
            completions.append(Completion(usage.output_tokens, usage.reasoning_tokens, ex.request.max_tokens,
                                          sum(tokenizer.count(t) for t in texts),
                                          sum(tokenizer.most_tokens(t) for t in texts)))
        return check_billing(completions, slack_tokens=self.params.billing_slack_tokens,
                             pass_pct=self.params.billing_pass_pct, partial_pct=self.params.billing_partial_pct)

    def _common_values(self, ident: Identification, target: TargetContext) -> dict:
        gaps = {p.id: p.gap for p in self.design.probes}
        values = {
            "observed_class": ident.class_id or "unknown",
            "status": ident.status,
            "members": list(ident.members),
            "deltas": ident.observed,
            "design_gap": {k: v for k, v in gaps.items() if k in ident.observed},
            "nearest": [{"class": n.id, "members": list(n.members), "distance": n.distance} for n in ident.nearest],
            "calls": 1 + len(ident.observed),
        }
        if ident.class_id is None and target.provider == "anthropic":
            # Anthropic publishes no tokenizer: name it, and say how its counts compare with the known ones.
            values["observed_class"] = ANTHROPIC_TOKENIZER
            values["count_ratio"] = {n.id: _ratio(ident.observed, self.design.class_of(n.id).expected)
                                     for n in ident.nearest}
        return values

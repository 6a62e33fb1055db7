"""The tokenizer probe kind: which tokenizer the API really counts with, what it adds unseen, and
whether its completion counts are honest.

Calls: `base` (a bare message) and `probe-1` (the same message, a newline and the designed probe text)
are planned together, so date-stamped templates cancel; `probe-2` only when the first delta leaves a
near tie. delta = prompt_tokens(probe) - prompt_tokens(base) is compared with the shipped design
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
from audit.probes.tokenizer.findings import (Verdict, check_billing, check_overhead, check_substitution, check_tokenizer_match,
                                   check_vocab)
from audit.probes.tokenizer.identify import Identification, identify
from audit.probes.base import PlannedCall, ProbeKind, TargetContext
from audit.probes.registry import register

__all__ = ["TokenizerParams", "TokenizerProbe", "prompt_tokens", "completion_tokens"]


class TokenizerParams(Strict):
    design: str = Field(default="_design.json", description="design file under probes/tokenizer/ (or a path)")
    tolerance: int = Field(default=0, ge=0, description="tokens a delta may differ from a class's and still match")
    tie_margin: int = Field(default=2, ge=0, description="a second class this close asks for the second probe")
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


def prompt_tokens(exchange: Exchange | None) -> int | None:
    """Input tokens the API reported (OpenAI prompt_tokens; Anthropic input_tokens plus cache tokens)."""
    if exchange is None or not exchange.ok or not exchange.usage:
        return None
    usage = exchange.usage
    value = usage.get("prompt_tokens", usage.get("input_tokens"))
    if not isinstance(value, int):
        return None
    if "input_tokens" in usage:  # Anthropic counts cached prompt tokens apart
        value += sum(v for k in ("cache_read_input_tokens", "cache_creation_input_tokens")
                     if isinstance(v := usage.get(k), int))
    return value


def completion_tokens(exchange: Exchange) -> int | None:
    usage = exchange.usage or {}
    value = usage.get("completion_tokens", usage.get("output_tokens"))
    return value if isinstance(value, int) else None


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

    def _request(self, text: str, op: str) -> ChatRequest:
        if op == "count_tokens":
            return ChatRequest(op="count_tokens", messages=[Message(role="user", content=text)])
        return ChatRequest(messages=[Message(role="user", content=text)], max_tokens=self.params.max_tokens,
                           temperature=self.params.temperature, seed=self.params.seed)

    def _text(self, probe_id: str) -> str:
        d = self.design
        return d.base_text + d.separator + d.probe(probe_id).text

    def _call(self, key: str, text: str, op: str) -> PlannedCall:
        return PlannedCall(key, self._request(text, op), estimated_input_tokens=len(text),
                           estimated_output_tokens=0 if op == "count_tokens" else self.params.max_tokens)

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
        first = [("base", self.design.base_text), ("probe-1", self._text("probe-1"))]
        if op == "count_tokens":
            first.append(("billing", self.design.base_text))
        missing = [self._call(key, text, "chat" if key == "billing" else op)
                   for key, text in first if key not in done]
        if missing:
            return missing
        ident = self._identify(done)
        if ident is not None and ident.needs_tiebreak and ident.next_probe not in done:
            return [self._call(ident.next_probe, self._text(ident.next_probe), op)]
        return []

    def max_calls(self) -> int:
        return 2 + len(self.design.probes)

    def evaluate(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[Finding]:
        used = [key for key in ("base", *[p.id for p in self.design.probes], "billing") if key in done]
        refs = [done[key].id for key in used]
        ident = self._identify(done)
        if ident is None:
            failed = [f"{k}: {done[k].error or 'no token usage reported'}" for k in used
                      if prompt_tokens(done[k]) is None]
            message = "no token counts to compare: " + ("; ".join(failed) or "calls missing")
            return [self.finding(check, "error" if failed else "not_available", message, {}, refs)
                    for check in ("tokenizer-match", "vocab-consistent", "hidden-overhead", "completion-billing",
                                  "served-model-substitution")]
        common = self._common_values(ident)
        cls = self.design.class_of(ident.class_id) if ident.class_id else None
        base_prompt = prompt_tokens(done.get("base"))
        overhead = base_prompt - cls.base_count if cls is not None and base_prompt is not None else None
        p = self.params
        served = next((done[k].served_model for k in used if done[k].served_model), None)
        verdicts = {
            "tokenizer-match": check_tokenizer_match(self.design, ident, target.declared.tokenizer),
            "vocab-consistent": check_vocab(self.design, ident, target.declared.vocabulary_size,
                                            p.vocab_tolerance_pct),
            "hidden-overhead": check_overhead(cls, overhead, pass_excess=p.overhead_pass_excess,
                                              fail_excess=p.overhead_fail_excess),
            "completion-billing": self._billing(cls, done, used),
            "served-model-substitution": check_substitution(self.design, ident, [served, target.model],
                                                            p.tolerance),
        }
        return [self.finding(check, v.outcome, v.message, {**common, **v.values}, refs)
                for check, v in verdicts.items()]

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
        pairs = [(completion_tokens(done[k]), tokenizer.count(done[k].text)) for k in used
                 if done[k].ok and done[k].request.op == "chat" and done[k].text
                 and completion_tokens(done[k]) is not None]
        return check_billing(pairs, slack_tokens=self.params.billing_slack_tokens,
                             pass_pct=self.params.billing_pass_pct, partial_pct=self.params.billing_partial_pct)

    def _common_values(self, ident: Identification) -> dict:
        gaps = {p.id: p.gap for p in self.design.probes}
        return {
            "observed_class": ident.class_id or "unknown",
            "status": ident.status,
            "members": list(ident.members),
            "deltas": ident.observed,
            "design_gap": {k: v for k, v in gaps.items() if k in ident.observed},
            "nearest": [{"class": n.id, "members": list(n.members), "distance": n.distance} for n in ident.nearest],
            "calls": 1 + len(ident.observed),
        }


"""The serving probe kind: is the model served as the endpoint's API promises?

Sixteen checks in four groups (def.yaml; docs/serving.md): the context window (served at 95%, refused just
past it, the real limit found by bisection within a stated token budget; silent truncation), the output cap,
sampling parameters and reasoning effort, tool calls, and stream integrity. The first round sends every
short call and the two calibration prompts together; the long prompts then go one at a time, each planned
from the evidence so far (a resumed run asks for exactly what is missing). Evaluation reads only the
recorded exchanges.
"""

from __future__ import annotations

import math

from collections.abc import Mapping

from pydantic import Field

from audit.probes.base import PlanNote, PlannedCall, ProbeKind, TargetContext
from audit.probes.registry import register
from audit.probes.serving.context import ContextParams, ContextPlan, canaries, context_calls, context_verdicts
from audit.probes.serving.sampling import (CapParams, SamplingParams, cap_verdict, effort_verdict, sampling_calls,
                                           seed_verdict, temperature_verdict)
from audit.probes.serving.streams import StreamParams, stream_calls, stream_verdicts
from audit.probes.serving.tools import ToolParams, tool_calls_planned, tool_verdicts
from audit.probes.serving.values import (CONTEXT_WINDOW, OUTPUT_CAP, REASONING_EFFORT, SEED, SILENT_TRUNCATION,
                                         TEMPERATURE)
from audit.probes.serving.verdict import Verdict
from audit.probes.registry import declared_checks
from audit.schema.base import Strict
from audit.schema.evidence import Exchange
from audit.schema.finding import Finding

__all__ = ["ServingParams", "ServingProbe", "LongContextCost"]


class ServingParams(Strict):
    plan_seed: int = Field(default=0, description="picks the canary codes")
    context: ContextParams = Field(default_factory=ContextParams)
    cap: CapParams = Field(default_factory=CapParams)
    sampling: SamplingParams = Field(default_factory=SamplingParams)
    tools: ToolParams = Field(default_factory=ToolParams)
    stream: StreamParams = Field(default_factory=StreamParams)


class LongContextCost(Strict):
    """What the long prompts may cost at most, for the plan: the two window prompts and the search."""

    window: int
    limit: int
    calls: int
    input_tokens: int
    output_tokens: int
    resolution_tokens: int
    search_budget_tokens: int


@register
class ServingProbe(ProbeKind):
    kind = "serving"
    Params = ServingParams
    run_by_default = False  # long prompts cost by the window: run when --probes or the rubric asks

    @property
    def codes(self) -> tuple[str, str, str]:
        return canaries(self.params.plan_seed, self.id)

    def _short_calls(self, target: TargetContext) -> list[PlannedCall]:
        p = self.params
        return (sampling_calls(p.cap, p.sampling, target) + tool_calls_planned(p.tools, target)
                + stream_calls(p.stream, target))

    def next_calls(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[PlannedCall]:
        short = [c for c in self._short_calls(target) if c.key not in done]
        return short + context_calls(self.params.context, target, done, self.codes)

    def max_calls(self) -> int:
        """Short calls and the two calibration prompts; the long prompts are counted by `long_context_cost`."""
        p = self.params
        n = (p.cap.calls + 1) * p.cap.enabled + (2 * p.sampling.repeats + 2 + 2 * 2 * p.sampling.effort_repeats) \
            * p.sampling.enabled + len(p.tools.battery) * len(p.tools.modes) * p.tools.enabled + 2 * p.stream.enabled
        return n + 2 * p.context.enabled

    def long_context_cost(self, target: TargetContext, done: Mapping[str, Exchange]) -> LongContextCost | None:
        """The most the long prompts still to send may cost: the near-window and just-past prompts (unless
        recorded) and the search, up to its token budget and step count."""
        p = self.params.context
        plan = ContextPlan.of(p, target)
        if plan is None or plan.problem is not None or not p.enabled:
            return None
        calls, tokens = 0, 0
        if "ctx.accept" not in done:
            calls, tokens = calls + 1, tokens + math.ceil(plan.accept_tokens(p.accept_fraction))
        if "ctx.past" not in done:
            calls, tokens = calls + 1, tokens + plan.past_tokens(p) + p.past_margin_tokens  # a block or so over
        searched = [k for k in done if k.startswith("ctx.search.")]
        spent = sum((ex.usage.input_tokens or 0) for k in searched for ex in [done[k]] if ex.usage is not None)
        steps = max(0, plan.max_search_steps - len(searched))
        calls += steps
        tokens += max(0, plan.budget - spent) if steps else 0
        return LongContextCost(window=plan.window, limit=plan.limit, calls=calls, input_tokens=tokens, output_tokens=calls * plan.cap,
                               resolution_tokens=plan.resolution, search_budget_tokens=plan.budget)

    def plan_notes(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[PlanNote]:
        cost = self.long_context_cost(target, done)
        if cost is None or not cost.calls:
            return []
        limit = f"window {cost.window:,}" if cost.limit == cost.window else \
            f"prompt limit {cost.limit:,} of the {cost.window:,} window"
        label = (f"long-context prompts ({limit}: 95% and just past it, then a search within "
                 f"{cost.search_budget_tokens:,} tokens to a resolution of {cost.resolution_tokens:,})")
        return [PlanNote(label, cost.calls, cost.input_tokens, cost.output_tokens)]

    def evaluate(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[Finding]:
        p = self.params
        window, truncation = context_verdicts(p.context, target, done, self.codes)
        temperature = temperature_verdict(p.sampling, target, done)
        verdicts: dict[str, Verdict] = {
            CONTEXT_WINDOW: window, SILENT_TRUNCATION: truncation,
            OUTPUT_CAP: cap_verdict(p.cap, target, done), TEMPERATURE: temperature,
            SEED: seed_verdict(p.sampling, target, done), REASONING_EFFORT: effort_verdict(p.sampling, target, done),
        }
        verdicts.update(tool_verdicts(p.tools, target, done))
        greedy = temperature.values.get("greedy_distinct")
        verdicts.update(stream_verdicts(p.stream, target, done, None if greedy is None else greedy == 1))
        common = {"dialect": target.provider,
                  "request_profile": target.request.profile.id if target.request else None,
                  "reasoning_effort": target.request.effort if target.request else None}
        findings = []
        for check in declared_checks(self.kind):
            v = verdicts[check]
            cited = [ref for ref in v.exchanges]
            by_id = {ex.id: ex for ex in done.values()}
            failed = sum(1 for ref in cited if ref in by_id and not by_id[ref].ok)
            findings.append(self.finding(check, v.outcome, v.message,
                                         {**common, "calls": len(cited), "failed_calls": failed, **v.values}, cited))
        return findings

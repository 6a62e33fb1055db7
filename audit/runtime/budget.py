"""Budgets: the plan printed before a live run, and the hard caps that stop it cleanly.

Estimates: a call's input is the probe's `estimated_input_tokens`, else about a token per four
characters plus a few per message; its output is `estimated_output_tokens`, else the request's
`max_tokens`, else 256. `count_tokens` calls spend no tokens. An adaptive probe's further
rounds (up to its `max_calls()`) are estimated at the average of its first round; calls a probe plans
only later from the answers (the serving probe's long-context prompts) come from its `plan_notes`, at
their most, and are printed apart.

While running, each call reserves its estimate before it is sent and settles with the usage the
server reports (the estimate when it reports none). A call that was not answered (rejected with
an error status, or never sent) is not billed: it settles at zero tokens and zero cost. A call that would take the run past a cap is
not sent; calls already in flight finish and are recorded. Caps count this invocation only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from audit.probes.base import PlanNote, PlannedCall, ProbeKind, TargetContext
from audit.schema.evidence import Exchange
from audit.schema.usage import Usage

__all__ = ["Prices", "Caps", "ProbePlan", "Plan", "Budget", "estimate_call", "plan_probe"]

DEFAULT_OUTPUT_TOKENS = 256
PER_MESSAGE_TOKENS = 4


@dataclass(frozen=True)
class Prices:
    input_per_million: float
    output_per_million: float
    currency: str = "USD"
    source: str = "flags"

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_million + output_tokens * self.output_per_million) / 1e6


@dataclass(frozen=True)
class Caps:
    max_calls: int | None = None
    max_tokens: int | None = None
    max_cost: float | None = None


def estimate_call(call: PlannedCall) -> tuple[int, int]:
    """(input, output) tokens a call is expected to spend."""
    if call.request.op == "count_tokens":
        return 0, 0
    chars = sum(len(m.content) for m in call.request.messages)
    est_in = call.estimated_input_tokens or math.ceil(chars / 4) + PER_MESSAGE_TOKENS * len(call.request.messages)
    est_out = call.estimated_output_tokens or call.request.max_tokens or DEFAULT_OUTPUT_TOKENS
    return est_in, est_out


@dataclass(frozen=True)
class ProbePlan:
    probe_id: str
    kind: str
    calls: int
    input_tokens: int
    output_tokens: int
    recorded: int = 0
    error: str | None = None
    notes: tuple[PlanNote, ...] = ()


def plan_probe(probe: ProbeKind, target: TargetContext, done: Mapping[str, Exchange]) -> ProbePlan:
    """What `probe` still needs, given the calls already recorded (a probe that fails to plan: none)."""
    try:
        first = [c for c in probe.next_calls(target, done) if c.key not in done]
    except Exception as exc:  # reported again, as an error finding, when the run is scored
        return ProbePlan(probe.id, probe.kind, 0, 0, 0, len(done), f"{type(exc).__name__}: {exc}")
    est = [estimate_call(c) for c in first]
    est_in, est_out = sum(e[0] for e in est), sum(e[1] for e in est)
    calls = len(first)
    more = max(0, probe.max_calls() - len(done) - calls) if first else 0
    if more:
        est_in += round(more * est_in / calls)
        est_out += round(more * est_out / calls)
        calls += more
    notes = tuple(probe.plan_notes(target, done))
    for note in notes:
        calls, est_in, est_out = calls + note.calls, est_in + note.input_tokens, est_out + note.output_tokens
    return ProbePlan(probe.id, probe.kind, calls, est_in, est_out, len(done), notes=notes)


@dataclass(frozen=True)
class Plan:
    probes: list[ProbePlan]
    prices: Prices | None = None

    @property
    def calls(self) -> int:
        return sum(p.calls for p in self.probes)

    @property
    def input_tokens(self) -> int:
        return sum(p.input_tokens for p in self.probes)

    @property
    def output_tokens(self) -> int:
        return sum(p.output_tokens for p in self.probes)

    @property
    def cost(self) -> float | None:
        return self.prices.cost(self.input_tokens, self.output_tokens) if self.prices else None


@dataclass
class Budget:
    """Tracks spending against the caps; `stopped` names the cap that stopped the run."""

    caps: Caps = field(default_factory=Caps)
    prices: Prices | None = None
    calls: int = 0
    tokens: int = 0
    cost: float = 0.0
    stopped: str | None = None

    def _cost(self, est_in: int, est_out: int) -> float:
        return self.prices.cost(est_in, est_out) if self.prices else 0.0

    def reserve(self, estimate: tuple[int, int]) -> bool:
        """Claim room for one call; False (and `stopped` set) when it would pass a cap."""
        if self.stopped:
            return False
        est_in, est_out = estimate
        caps = self.caps
        if caps.max_calls is not None and self.calls + 1 > caps.max_calls:
            self.stopped = f"max-calls {caps.max_calls} reached"
        elif caps.max_tokens is not None and self.tokens + est_in + est_out > caps.max_tokens:
            self.stopped = f"max-tokens {caps.max_tokens} would be passed"
        elif caps.max_cost is not None and self.cost + self._cost(est_in, est_out) > caps.max_cost:
            self.stopped = f"max-cost {caps.max_cost:g} would be passed"
        if self.stopped:
            return False
        self.calls += 1
        self.tokens += est_in + est_out
        self.cost += self._cost(est_in, est_out)
        return True

    def settle(self, estimate: tuple[int, int], usage: Usage | None, *, answered: bool = True) -> None:
        """Replace a call's reservation with what the server reports it used (nothing if unanswered)."""
        est_in, est_out = estimate
        real_in, real_out = (est_in, est_out) if answered else (0, 0)
        if answered and usage is not None:
            real_in = usage.input_tokens if usage.input_tokens is not None else est_in
            real_out = usage.output_tokens if usage.output_tokens is not None else est_out
        self.tokens += (real_in + real_out) - (est_in + est_out)
        self.cost += self._cost(real_in, real_out) - self._cost(est_in, est_out)

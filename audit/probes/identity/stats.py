"""Interval estimates and the sequential stopping rules of the identity probe.

Two rules, both with a stated error bound:

- **Rate checks** (self-identification, spoof resistance, stated facts) use a group-sequential
  design: the plan is cut into a fixed schedule of K looks (batches); at each look a Wilson interval
  at level 1 − α/K is computed (Bonferroni over the looks), and the check is decided when that
  interval lies wholly inside one outcome region (pass / partial / fail). By the union bound the
  chance that any look decides a region the true rate is not in is at most α. The card shows the
  ordinary Wilson interval of all the data at the probe's `confidence` (0.95 by default).
- **Competitor claims** are rare events, for which interval rules need hundreds of calls to pass a
  clean model. They use Wald's sequential probability ratio test of H0: p ≤ p0 (tolerated rate)
  against H1: p ≥ p1 (rate to detect), with type I error ≈ α and type II error ≈ β, checked after
  every answer; a clean model is accepted after ⌈log(β/(1−α)) / log((1−p1)/(1−p0))⌉ clean answers.

The Wilson interval itself lives in audit.probes.stats, shared with the drift kind.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from audit.probes.stats import wilson

__all__ = ["percent", "RateRule", "decide_rate", "rate_outcome", "Sprt", "SprtResult"]


def percent(x: float | None) -> str:
    """A rate for people: '94%', with one decimal below 10% ('4.1%'); 'n/a' for None."""
    if x is None:
        return "n/a"
    return f"{100 * x:.1f}%" if 0 < x < 0.1 else f"{100 * x:.0f}%"


@dataclass(frozen=True)
class RateRule:
    """Outcome regions for a rate where higher is better: pass ≥ pass_at > partial ≥ fail_below > fail."""

    pass_at: float
    fail_below: float


def rate_outcome(rate: float, rule: RateRule) -> str:
    """The region a point estimate falls in."""
    if rate >= rule.pass_at:
        return "pass"
    return "partial" if rate >= rule.fail_below else "fail"


def decide_rate(successes: int, n: int, rule: RateRule, confidence: float, min_n: int = 1) -> str | None:
    """The outcome whose region holds the whole interval at `confidence`, or None while undecided."""
    if n < max(1, min_n):
        return None
    ci = wilson(successes, n, confidence)
    if ci.low >= rule.pass_at:
        return "pass"
    if ci.high < rule.fail_below:
        return "fail"
    if ci.low >= rule.fail_below and ci.high < rule.pass_at:
        return "partial"
    return None


@dataclass(frozen=True)
class SprtResult:
    decision: str | None  # "accept" (H0: rate tolerable), "reject" (H1: rate too high) or None
    llr: float
    decided_after: int | None  # answers read when a boundary was crossed
    events: int
    n: int


@dataclass(frozen=True)
class Sprt:
    """Wald's SPRT for a Bernoulli rate, H0: p = p0 against H1: p = p1 (p1 > p0)."""

    p0: float
    p1: float
    alpha: float
    beta: float

    @property
    def upper(self) -> float:
        return math.log((1 - self.beta) / self.alpha)

    @property
    def lower(self) -> float:
        return math.log(self.beta / (1 - self.alpha))

    def run(self, outcomes: Iterable[bool]) -> SprtResult:
        """Walk the answers in order; the first boundary crossed decides."""
        step_hit = math.log(self.p1 / self.p0)
        step_miss = math.log((1 - self.p1) / (1 - self.p0))
        llr, decision, decided_after, events, n = 0.0, None, None, 0, 0
        for outcome in outcomes:
            n += 1
            events += bool(outcome)
            if decision is None:
                llr += step_hit if outcome else step_miss
                if llr >= self.upper:
                    decision, decided_after = "reject", n
                elif llr <= self.lower:
                    decision, decided_after = "accept", n
        return SprtResult(decision, llr, decided_after, events, n)

    def clean_answers_to_accept(self) -> int:
        return math.ceil(self.lower / math.log((1 - self.p1) / (1 - self.p0)))

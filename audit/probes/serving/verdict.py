"""What one serving check concluded, and the rate rule the tool and stream checks share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import Field

from audit.probes.stats import wilson
from audit.schema.base import Strict
from audit.schema.evidence import Exchange

__all__ = ["Verdict", "RateRule", "rate_verdict", "not_available", "answered", "unsent_reason"]


@dataclass
class Verdict:
    outcome: str
    message: str
    values: dict = field(default_factory=dict)
    exchanges: list[str] = field(default_factory=list)


class RateRule(Strict):
    """A rate passes at `pass_at` or above and fails below `fail_below` (partial between), read on the
    point estimate; the Wilson interval at `confidence` is reported with it."""

    pass_at: float = Field(default=0.95, ge=0, le=1)
    fail_below: float = Field(default=0.8, ge=0, le=1)
    confidence: float = Field(default=0.95, gt=0, lt=1)


def rate_verdict(rule: RateRule, key: str, k: int, n: int, what: str, refs: Iterable[str],
                 extra: dict | None = None, none_message: str | None = None) -> Verdict:
    """A rate check's verdict: `k` of `n` calls did right (`what` says what, for the message)."""
    interval = wilson(k, n, rule.confidence)
    values = {**interval.as_values(key), **(extra or {})}
    refs = list(refs)
    if n == 0:
        return Verdict("not_available", none_message or f"no calls to judge {what}", values, refs)
    rate = k / n
    shown = (f"{k}/{n} {what} ({rate:.0%}, {rule.confidence:.0%} CI "
             f"{interval.low:.0%}–{interval.high:.0%})")
    outcome = "pass" if rate >= rule.pass_at else ("fail" if rate < rule.fail_below else "partial")
    return Verdict(outcome, shown, values, refs)


def not_available(message: str, values: dict | None = None, refs: Iterable[str] = ()) -> Verdict:
    return Verdict("not_available", message, values or {}, list(refs))


def answered(exchange: Exchange | None) -> bool:
    return exchange is not None and exchange.ok


def unsent_reason(exchanges: Iterable[Exchange]) -> str | None:
    """Why calls were not sent or not answered (the first error), for a not_available message."""
    for ex in exchanges:
        if not ex.ok and ex.error:
            return ex.error
    return None

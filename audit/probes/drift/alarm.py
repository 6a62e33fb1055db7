"""The alarm rule for repeated periodic audits.

A single `audit drift` raises a false alarm with probability at most its level (the permutation
p-value is valid). Repeating the audit every week against the same baseline would, at a fixed
level α, raise a false alarm somewhere sooner or later. The rule here spends α evenly over a
stated period of N audits (Bonferroni alpha-spending): each audit is tested at α/N, so by the
union bound

    P(any false alarm among the N audits of the period | the model never changed) ≤ N · α/N = α.

The guarantee holds for any dependence between audits (they share the baseline). N = 1 is the
single-audit verdict. After N audits the period's budget is spent: start a new period (ideally
with a fresh baseline), and the guarantee applies again to the new period.
"""

from __future__ import annotations

import math

__all__ = ["audit_level", "rule_text", "permutations_for"]


def audit_level(alpha: float, period: int) -> float:
    """The level each audit of a period of `period` audits is tested at."""
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    if period < 1:
        raise ValueError("the period must hold at least one audit")
    return alpha / period


def rule_text(alpha: float, period: int) -> str:
    if period == 1:
        return f"single audit: false-alarm rate <= {alpha:g}"
    return (f"alpha spending over a period of {period} audits: each audit at {alpha:g}/{period} = "
            f"{audit_level(alpha, period):.3g}, so P(any false alarm in the period) <= {alpha:g}")


def permutations_for(level: float, minimum: int = 2000) -> int:
    """Enough shuffles that the smallest attainable p-value is well below the level (1/(P+1) ≤ level/10)."""
    return max(minimum, math.ceil(10 / level))

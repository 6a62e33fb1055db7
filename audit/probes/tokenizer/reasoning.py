"""The reasoning-token consistency check (pure): are the hidden reasoning tokens an API reports
consistent with what was asked?

Reported reasoning tokens cannot be verified from outside, so this is a consistency check only:
zero at effort `none`, never more than the output tokens they are part of or the cap the request
set, and (when calls at several efforts were made) not shrinking as the effort grows.

A constant over-report (say 3x at effort low) stays far under a generous cap, so each effort that
reported reasoning is asked once more with a **tight cap**: the visible tokens of its first answer
plus half the reasoning it reported. The cap bounds reasoning and answer together, so an honest
server reports at most the cap there (its answer cut short if it really reasons that much); one
that spends less than it reports answers in full and reports more than the cap, which no honest
count can. This catches over-reports of 2x and more; a smaller factor stays unprovable.
"""

from __future__ import annotations

from collections.abc import Sequence

from audit.probes.tokenizer.findings import Verdict
from audit.schema.evidence import Exchange
from audit.schema.request_profile import RequestRules

__all__ = ["EFFORT_ORDER", "TIGHT_PREFIX", "effort_of", "swept_efforts", "tight_cap", "check_reasoning_tokens"]

EFFORT_ORDER = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
TIGHT_PREFIX = "tight-"  # call keys of the tight-cap calls


def effort_of(exchange: Exchange) -> str | None:
    """The reasoning effort a call asked for, read from the body as sent (Chat `reasoning_effort`,
    Responses `reasoning.effort`, Anthropic `output_config.effort`)."""
    wire = exchange.wire_request or {}
    effort = wire.get("reasoning_effort")
    for holder in ("reasoning", "output_config"):
        if effort is None and isinstance(wire.get(holder), dict):
            effort = wire[holder].get("effort")
    return effort if isinstance(effort, str) else None


def swept_efforts(rules: RequestRules | None, extra: Sequence[str] = ()) -> list[str]:
    """The efforts a probe calls at: the run's (its first effort first), then `extra` (the probe's own
    list), those the profile lists only, in the profile's order after the first."""
    if rules is None or rules.profile.efforts is None:
        return []
    known = rules.profile.efforts.values
    covered = rules.covered
    wanted = set(covered) | {e for e in extra if e in known}
    return covered[:1] + [e for e in known if e in wanted and e not in covered[:1]]


def tight_cap(exchange: Exchange | None) -> int | None:
    """The tight cap for a call at the same effort: the answer's visible tokens plus half the reasoning
    it reported; None when the call reported no reasoning or was already cut by its cap."""
    if exchange is None or not exchange.ok or exchange.usage is None or exchange.finish_reason == "length":
        return None
    reasoning, output = exchange.usage.reasoning_tokens, exchange.usage.output_tokens
    if not reasoning or output is None or reasoning < 2:
        return None
    return max(1, output - reasoning) + reasoning // 2


def check_reasoning_tokens(exchanges: Sequence[Exchange]) -> Verdict:
    answered = [ex for ex in exchanges if ex.ok and ex.request.op == "chat" and ex.usage is not None]
    efforts = sorted({e for ex in answered if (e := effort_of(ex))}, key=_rank)
    reported = [ex for ex in answered if ex.usage.reasoning_tokens is not None]
    values: dict = {"efforts": efforts, "calls": len(answered), "calls_reporting_reasoning": len(reported),
                    "tight_cap_calls": sum(ex.key.startswith(TIGHT_PREFIX) for ex in answered)}
    if not reported:
        if efforts == ["none"]:
            return Verdict("pass", "consistency check: no reasoning tokens reported at effort none", values)
        why = f"at effort {', '.join(efforts)}" if efforts else "and no reasoning effort was asked"
        return Verdict("not_available", f"the API reports no reasoning tokens {why}", values)
    by_effort: dict[str, list[int]] = {}
    problems = []
    for ex in reported:
        r, out, cap = ex.usage.reasoning_tokens, ex.usage.output_tokens, ex.request.max_tokens
        effort = effort_of(ex) or "default"
        if not ex.key.startswith(TIGHT_PREFIX):  # a tight cap clamps honest reasoning: not a mean's sample
            by_effort.setdefault(effort, []).append(r)
        if out is not None and r > out:
            problems.append(f"{ex.key}: {r} reasoning tokens but only {out} output tokens in all")
        if cap is not None and r > cap:
            problems.append(f"{ex.key}: {r} reasoning tokens, more than the cap {cap}")
        elif cap is not None and out is not None and out > cap:
            problems.append(f"{ex.key}: {out} output tokens ({r} of them reasoning) at effort {effort}, more than "
                            f"the cap {cap} that bounds reasoning and answer together")
        if effort == "none" and r > 0:
            problems.append(f"{ex.key}: {r} reasoning tokens at effort none")
    means = {e: sum(v) / len(v) for e, v in by_effort.items()}
    values["mean_reasoning_tokens"] = {e: round(m, 1) for e, m in means.items()}
    ranked = [e for e in sorted(means, key=_rank) if e != "default"]
    shrinking = [(a, b) for a, b in zip(ranked, ranked[1:]) if means[b] < means[a]]
    if problems:
        values["problems"] = problems
        return Verdict("fail", "reasoning tokens inconsistent with the request: " + "; ".join(problems[:3])
                       + (f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""), values)
    if shrinking:
        a, b = shrinking[0]
        return Verdict("partial", f"reasoning tokens shrink as effort grows ({a}: {means[a]:.0f}, "
                                  f"{b}: {means[b]:.0f} on average)", values)
    summary = ", ".join(f"{e} {means[e]:.0f}" for e in sorted(means, key=_rank))
    return Verdict("pass", f"consistency check: reported reasoning tokens fit the efforts asked (mean {summary}); "
                           "they cannot be verified from outside", values)


def _rank(effort: str) -> int:
    return EFFORT_ORDER.index(effort) if effort in EFFORT_ORDER else len(EFFORT_ORDER)

"""The context-window checks: is the declared window served, and is nothing cut silently?

Prompts are one user message: a header, three canary lines (random codes XXXX-XXXX-XXXX at the start,
the middle and the end), identical filler lines between them, and the question asking for the codes
back. Identical lines tokenize identically, so a prompt's own token count is linear in its filler lines:

1. `ctx.recall` (2 filler lines) and `ctx.calibrate` (2 + `calibration_blocks`) give the server's count of
   the short prompt (P2, template included) and the tokens per line b; every longer prompt's own count is
   then P2 + (n - 2) b, exactly, whatever the tokenizer. The two short prompts are also the recall control:
   a model that cannot list the codes of a short prompt (a random-weight test model) is not asked to
   recall them from long ones, and truncation is then judged by token counts alone.
2. `ctx.accept`: a prompt whose own count plus the output cap is `accept_fraction` (95%) of the window must
   be answered, counted whole and (when recall works) recalled whole; `ctx.past`: a prompt just past the
   window (by `past_margin_pct`, at least `past_margin_tokens`) must be refused with an error. Where the
   request profile's context rule says the window holds the maximum output in reserve (OpenAI GPT-5), the
   limit tested is the window less the declared `max_output_tokens`, and the cap does not count against it.
3. When they disagree with the declared window, `ctx.search.<i>` prompts bisect between the largest prompt
   served whole and the smallest refused or cut, until the gap is at most `resolution_tokens` or the next
   prompt would pass `search_budget_tokens` (both printed with the plan). A search that starts above the
   window goes up to twice the window first.

A prompt answered with `prompt_tokens` below its own count (by more than the tolerance), or whose answer
lost a canary with no error, was truncated silently.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import Field

from audit.probes.base import PlannedCall, TargetContext
from audit.schema.base import NonEmpty, Strict
from audit.schema.evidence import ChatRequest, Exchange, Message

__all__ = ["ContextParams", "ContextPlan", "canaries", "prompt_text", "context_calls", "context_state",
           "ContextState", "LongPrompt"]

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECALL, CALIBRATE, ACCEPT, PAST, SEARCH = "ctx.recall", "ctx.calibrate", "ctx.accept", "ctx.past", "ctx.search"


class ContextParams(Strict):
    enabled: bool = True
    window: int | None = Field(default=None, ge=64, description="the window to test; default the record's "
                                                                "declared context_window")
    accept_fraction: float = Field(default=0.95, gt=0, lt=1)
    past_margin_pct: float = Field(default=2.0, ge=0)
    past_margin_tokens: int = Field(default=16, ge=1)
    resolution_tokens: int | None = Field(default=None, ge=1, description="default: window / 64, at least 32")
    search_budget_tokens: int | None = Field(default=None, ge=0, description="default: 4 x the window")
    max_tokens: int = Field(default=48, ge=8, description="answer cap (room to list three codes)")
    calibration_blocks: int = Field(default=32, ge=4)
    count_tolerance_pct: float = Field(default=1.0, ge=0)
    count_tolerance_tokens: int = Field(default=8, ge=0)
    header: NonEmpty = "Read the document below. Three codes of the form XXXX-XXXX-XXXX are hidden in it."
    filler: NonEmpty = "The archive notes list the harbor shipments, the weather and the tides for every week."
    question: NonEmpty = ("Now list every code of the form XXXX-XXXX-XXXX that appears in the document above, "
                          "in order, separated by commas, and nothing else.")


def canaries(seed: int, probe_id: str) -> tuple[str, str, str]:
    """Three random codes, fixed for a probe instance and plan seed (so a resumed run sends the same)."""
    rng = random.Random(f"canary:{probe_id}:{seed}")
    return tuple("-".join("".join(rng.choice(_ALPHABET) for _ in range(4)) for _ in range(3))  # type: ignore[return-value]
                 for _ in range(3))


def prompt_text(p: ContextParams, codes: tuple[str, str, str], blocks: int) -> str:
    first = blocks // 2
    line = p.filler + "\n"
    return (f"{p.header}\nCode: {codes[0]}.\n" + line * first + f"Code: {codes[1]}.\n" + line * (blocks - first)
            + f"Code: {codes[2]}.\n{p.question}")


@dataclass(frozen=True)
class ContextPlan:
    """The window under test, the prompt limit it gives, and the search's limits, as the plan prints them.

    `limit` is the longest prompt the endpoint should take: the window itself when the output cap counts
    against it (`counts_cap`: the near-window prompt leaves room for the cap), or the window less the
    model's maximum output where the request profile says the window holds that in reserve (GPT-5: 400,000
    less 128,000). `problem` says why no limit can be set (the rule needs a max_output_tokens not declared).
    """

    window: int
    limit: int
    counts_cap: bool
    basis: str
    resolution: int
    budget: int
    cap: int
    problem: str | None = None
    derivation: str | None = None  # how the limit follows from the window, when it is not the window

    @property
    def derived(self) -> str:
        """'; <derivation>' for a finding's message, or ''."""
        return f"; {self.derivation}" if self.derivation else ""

    @classmethod
    def of(cls, p: ContextParams, target: TargetContext) -> "ContextPlan | None":
        window = p.window or target.declared.context_window
        if window is None:
            return None
        rule = target.request.profile.context if target.request is not None else None
        limit, counts_cap, problem, derivation = window, True, None, None
        basis = f"declared {window:,}-token window"
        if rule is not None and rule.input_limit == "window_less_max_output":
            reserve = target.declared.max_output_tokens
            if reserve is None or reserve >= window:
                problem = (f"request profile {target.request.profile.id} reserves the model's maximum output from "
                           f"the window ({rule.source}), but the record declares "
                           + ("no max_output_tokens" if reserve is None else f"max_output_tokens {reserve:,} "
                                                                              f"not below the window"))
            else:
                limit, counts_cap = window - reserve, False
                basis = f"{window - reserve:,}-token prompt limit"
                derivation = (f"the limit is the declared {window:,}-token window less the {reserve:,} maximum "
                              f"output tokens it holds in reserve, as request profile "
                              f"{target.request.profile.id} says")
        return cls(window, limit, counts_cap, basis, p.resolution_tokens or max(32, limit // 64),
                   p.search_budget_tokens if p.search_budget_tokens is not None else 4 * limit,
                   target.output_cap(p.max_tokens), problem, derivation)

    def accept_tokens(self, fraction: float) -> float:
        """The near-window prompt's own count: `fraction` of the limit, less the cap where it counts."""
        return fraction * self.limit - (self.cap if self.counts_cap else 0)

    def past_tokens(self, p: ContextParams) -> int:
        """The least the just-past prompt's own count must reach: the limit plus its margin."""
        return self.limit + max(p.past_margin_tokens, math.ceil(self.limit * p.past_margin_pct / 100))

    @property
    def max_search_steps(self) -> int:
        """Bisection steps from the calibration prompt to the resolution (plus the doubling step)."""
        return max(1, math.ceil(math.log2(max(2, 2 * self.limit / self.resolution)))) + 1


@dataclass(frozen=True)
class LongPrompt:
    key: str
    blocks: int
    own: int  # its own prompt token count, from the calibration


@dataclass
class Served:
    """What became of one context prompt."""

    key: str
    own: int
    prompt_tokens: int | None
    outcome: str  # served | cut | refused | error | not_sent
    recalled: int | None
    error: str | None = None
    reason: str | None = None

    def as_value(self) -> dict:
        return {"key": self.key, "own_tokens": self.own, "prompt_tokens": self.prompt_tokens, "outcome": self.outcome,
                "recalled": self.recalled}


@dataclass
class ContextState:
    """The context prompts planned and answered so far, read again from the evidence at every step."""

    plan: ContextPlan | None
    p2: int | None = None           # the server's count of the 2-line prompt
    per_block: float | None = None  # tokens per filler line
    recall_works: bool | None = None
    prompts: list[LongPrompt] | None = None
    results: dict[str, Served] | None = None
    next_prompt: LongPrompt | None = None
    lo: LongPrompt | None = None
    hi: LongPrompt | None = None
    search_tokens: int = 0
    search_steps: int = 0
    problem: str | None = None      # why the window cannot be tested


def _request(p: ContextParams, plan: ContextPlan, codes, blocks: int, target: TargetContext) -> ChatRequest:
    return ChatRequest(messages=[Message(role="user", content=prompt_text(p, codes, blocks))], max_tokens=plan.cap,
                       temperature=0.0 if target.accepts("temperature", 0.0) else None)


def _call(key: str, p: ContextParams, plan: ContextPlan, codes, blocks: int, own: int | None,
          target: TargetContext) -> PlannedCall:
    request = _request(p, plan, codes, blocks, target)
    chars = len(request.messages[0].content)
    return PlannedCall(key, request, estimated_input_tokens=own or math.ceil(chars / 4) + 8,
                       estimated_output_tokens=plan.cap, droppable=frozenset({"temperature"}))


def _recalled(exchange: Exchange, codes) -> int:
    text = exchange.text or ""
    return sum(code in text for code in codes)


def _served(key: str, own: int, ex: Exchange | None, codes, tolerance: int, recall_works: bool | None) -> Served:
    if ex is None:
        return Served(key, own, None, "not_sent", None)
    if not ex.ok:
        if ex.attempts == 0:
            return Served(key, own, None, "not_sent", None, ex.error)
        outcome = "refused" if ex.status is not None and 400 <= ex.status < 500 else "error"
        return Served(key, own, None, outcome, None, ex.error)
    reported = ex.usage.input_tokens if ex.usage is not None else None
    recalled = _recalled(ex, codes)
    if reported is not None and reported < own - tolerance:
        return Served(key, own, reported, "cut", recalled,
                      reason=f"prompt_tokens {reported:,} below its own {own:,}")
    if recall_works and recalled < len(codes) and ex.finish_reason != "length":
        return Served(key, own, reported, "cut", recalled,
                      reason=f"{len(codes) - recalled} of {len(codes)} canaries lost with no error")
    return Served(key, own, reported, "served", recalled)


def _tolerance(p: ContextParams, own: int) -> int:
    return max(p.count_tolerance_tokens, math.ceil(own * p.count_tolerance_pct / 100))


def context_state(p: ContextParams, target: TargetContext, done: Mapping[str, Exchange], codes) -> ContextState:
    """Where the context checks stand given the recorded exchanges: the calibration, each long prompt's fate,
    and the next prompt to send (None when the checks have what they need)."""
    plan = ContextPlan.of(p, target)
    state = ContextState(plan)
    if plan is None:
        state.problem = "no context window declared (record declared.context_window or the probe's context.window)"
        return state
    if plan.problem is not None:
        state.problem = plan.problem
        return state
    recall, calibrate = done.get(RECALL), done.get(CALIBRATE)
    if recall is None or calibrate is None:
        return state
    counts = [ex.usage.input_tokens if ex.ok and ex.usage is not None else None for ex in (recall, calibrate)]
    if None in counts:
        bad = recall if counts[0] is None else calibrate
        state.problem = f"calibration got no prompt_tokens: {bad.error or 'no usage reported'}"
        return state
    state.p2 = counts[0]
    state.per_block = (counts[1] - counts[0]) / p.calibration_blocks
    if state.per_block <= 0:
        state.problem = f"calibration counts do not grow with the prompt ({counts[0]} then {counts[1]})"
        return state
    state.recall_works = _recalled(recall, codes) == 3 and _recalled(calibrate, codes) == 3

    def own(blocks: int) -> int:
        return round(state.p2 + (blocks - 2) * state.per_block)

    def blocks_for(tokens: float) -> int:
        return 2 + max(0, math.floor((tokens - state.p2) / state.per_block))

    accept_blocks = blocks_for(plan.accept_tokens(p.accept_fraction))
    accept = LongPrompt(ACCEPT, accept_blocks, own(accept_blocks))
    past_blocks = blocks_for(plan.past_tokens(p)) + 1
    past = LongPrompt(PAST, past_blocks, own(past_blocks))
    cal = LongPrompt(CALIBRATE, 2 + p.calibration_blocks, counts[1])
    prompts = [cal, accept, past]
    results: dict[str, Served] = {CALIBRATE: Served(CALIBRATE, counts[1], counts[1], "served", _recalled(calibrate, codes))}
    state.prompts, state.results = prompts, results
    for lp in (accept, past):
        if lp.key not in done:
            state.next_prompt = lp
            return state
        results[lp.key] = _served(lp.key, lp.own, done[lp.key], codes, _tolerance(p, lp.own), state.recall_works)
    # bisect where the evidence disagrees with the declared window
    if results[ACCEPT].outcome == "served" and results[PAST].outcome in ("refused", "error"):
        state.lo, state.hi = accept, past
        return state
    step = 0
    while True:
        served = [lp for lp in prompts if results[lp.key].outcome == "served"]
        lo = max(served, key=lambda lp: lp.blocks, default=None)
        above = [lp for lp in prompts if results[lp.key].outcome in ("cut", "refused", "error")
                 and (lo is None or lp.blocks > lo.blocks)]
        hi = min(above, key=lambda lp: lp.blocks, default=None)
        state.lo, state.hi, state.search_steps = lo, hi, step
        if lo is None:
            return state  # not even the calibration prompt was served whole
        if hi is None:
            top = blocks_for(2 * plan.limit)
            if lo.blocks >= top:
                return state  # served whole at twice the window: enough
            mid = top
        else:
            if hi.own - lo.own <= plan.resolution or hi.blocks - lo.blocks <= 1:
                return state
            mid = (lo.blocks + hi.blocks) // 2
        probe = LongPrompt(f"{SEARCH}.{step}", mid, own(mid))
        if probe.key not in done:
            if state.search_tokens + probe.own > plan.budget:
                return state  # the budget the plan printed is spent
            state.next_prompt = probe
            return state
        state.search_tokens += probe.own
        prompts.append(probe)
        results[probe.key] = _served(probe.key, probe.own, done[probe.key], codes, _tolerance(p, probe.own),
                                     state.recall_works)
        step += 1


def context_calls(p: ContextParams, target: TargetContext, done: Mapping[str, Exchange], codes) -> list[PlannedCall]:
    """The context calls still needed: the two calibration prompts first, then one long prompt at a time."""
    plan = ContextPlan.of(p, target)
    if plan is None or plan.problem is not None or not p.enabled:
        return []
    first = [(RECALL, 2), (CALIBRATE, 2 + p.calibration_blocks)]
    missing = [_call(key, p, plan, codes, blocks, None, target) for key, blocks in first if key not in done]
    if missing:
        return missing
    state = context_state(p, target, done, codes)
    nxt = state.next_prompt
    if nxt is None:
        return []
    return [_call(nxt.key, p, plan, codes, nxt.blocks, nxt.own, target)]


def context_verdicts(p: ContextParams, target: TargetContext, done: Mapping[str, Exchange], codes):
    """(context-window verdict, silent-truncation verdict) from the recorded context prompts."""
    from audit.probes.serving.verdict import Verdict, not_available

    state = context_state(p, target, done, codes)
    plan = state.plan
    refs = [done[k].id for k in done if k.startswith("ctx.")]
    base = {"resolution_tokens": plan.resolution if plan else 0,
            "search_budget_tokens": plan.budget if plan else 0, "declared_window": plan.window if plan else None,
            "prompt_limit": plan.limit if plan else None,
            "limit_basis": (plan.derivation or plan.basis) if plan else None,
            "cap_counts": plan.counts_cap if plan else None}
    if not p.enabled:
        message = "context checks switched off in the probe's parameters"
        return not_available(message, base), not_available(message, {"checked": 0, "tolerance_tokens": 0,
                                                                       "truncated": []})
    if state.problem is not None or state.results is None:
        message = state.problem or "the calibration prompts have no answer"
        return (not_available(message, base, refs),
                not_available(message, {"checked": 0, "tolerance_tokens": p.count_tolerance_tokens,
                                        "truncated": []}, refs))
    results = state.results
    long_keys = [lp.key for lp in state.prompts if lp.key != CALIBRATE]
    recalled = {k: r.recalled for k, r in results.items() if r.recalled is not None}
    recalled[RECALL] = _recalled(done[RECALL], codes)
    accept, past = results.get(ACCEPT), results.get(PAST)
    values = {**base, "tokens_per_block": round(state.per_block, 3), "recall_works": state.recall_works,
              "canaries_recalled": recalled,
              "prompts": [results[k].as_value() | ({"reason": results[k].reason} if results[k].reason else {})
                          for k in long_keys if k in results],
              "accept_prompt_tokens": accept.own if accept else None, "accepted": None if accept is None else
              accept.outcome in ("served", "cut"), "past_prompt_tokens": past.own if past else None,
              "past_refused": None if past is None else past.outcome in ("refused", "error"),
              "past_error": past.error if past else None,
              "limit_low": state.lo.own if state.lo else None, "limit_high": state.hi.own if state.hi else None,
              "search_steps": state.search_steps, "search_tokens": state.search_tokens}
    truncated = [{"key": r.key, "own_tokens": r.own, "prompt_tokens": r.prompt_tokens,
                  "lost_canaries": (3 - r.recalled) if r.recalled is not None else 0, "reason": r.reason or ""}
                 for r in results.values() if r.outcome == "cut"]
    answered_n = sum(r.outcome in ("served", "cut") for r in results.values())
    trunc_values = {"truncated": truncated, "checked": answered_n, "recall_works": state.recall_works,
                    "tolerance_tokens": p.count_tolerance_tokens}
    recall_note = "" if state.recall_works else " (the model cannot list the codes of a short prompt, so truncation " \
                                                "is judged by prompt_tokens alone)"
    if truncated:
        first = truncated[0]
        trunc = Verdict("fail", f"silent truncation: {first['key']} ({first['own_tokens']:,} tokens) was answered "
                                f"without an error but {first['reason']}" + (f"; {len(truncated)} prompts in all"
                                                                            if len(truncated) > 1 else ""),
                        trunc_values, refs)
    elif answered_n:
        trunc = Verdict("pass", f"{answered_n} long prompts answered, each counted whole"
                                + (" and every canary recalled" if state.recall_works else "") + recall_note,
                        trunc_values, refs)
    else:
        trunc = not_available("no long prompt was answered", trunc_values, refs)

    if accept is None or past is None:
        return not_available("the near-window and past-window prompts have no answer yet", values, refs), trunc
    if "not_sent" in (accept.outcome, past.outcome):
        why = (accept if accept.outcome == "not_sent" else past).error or "not sent (a budget cap?)"
        return not_available(f"a long prompt was not sent: {why}", values, refs), trunc
    limit = _limit_text(state, plan)
    if accept.outcome == "served" and past.outcome in ("refused", "error"):
        window = Verdict("pass", f"a {accept.own:,}-token prompt ({p.accept_fraction:.0%} of the {plan.basis}"
                                 + (", with the cap" if plan.counts_cap else "") + ") was served whole"
                                 + (" with every canary recalled" if state.recall_works else "")
                                 + f"; {past.own:,} tokens were refused with an error{recall_note}{plan.derived}",
                         values, refs)
    elif accept.outcome != "served":
        how = {"cut": "cut silently", "refused": "refused", "error": "failed"}[accept.outcome]
        window = Verdict("fail", f"the {plan.basis} is not served: a {accept.own:,}-token "
                                 f"prompt was {how}; {limit}{plan.derived}", values, refs)
    elif past.outcome == "cut":
        window = Verdict("fail", f"a {past.own:,}-token prompt past the {plan.basis} was answered, "
                                 f"cut silently, instead of refused; {limit}{plan.derived}", values, refs)
    else:
        window = Verdict("partial", f"a {past.own:,}-token prompt past the {plan.basis} was served "
                                    f"whole: the endpoint takes more than declared; {limit}{plan.derived}", values,
                         refs)
    return window, trunc


def _limit_text(state: ContextState, plan: ContextPlan) -> str:
    lo, hi = state.lo, state.hi
    spent = f" ({state.search_steps} search prompts, {state.search_tokens:,} tokens)" if state.search_steps else ""
    if lo is None:
        return "no prompt was served whole"
    if hi is None:
        return f"served whole up to at least {lo.own:,} tokens{spent}"
    within = hi.own - lo.own
    note = "" if within <= plan.resolution else f", wider than the {plan.resolution:,}-token resolution: " \
                                                "the search budget ran out"
    return f"the real limit is between {lo.own:,} and {hi.own:,} tokens (within {within:,}{note}){spent}"

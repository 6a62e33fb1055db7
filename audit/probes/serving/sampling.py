"""Output cap, temperature, seed and reasoning effort: does the endpoint do what the request asks?

- `cap.<i>`: an open prompt capped at `cap.max_tokens`; `cap.free` the same with a roomy cap. No answer may
  count more tokens than its cap (output tokens, reasoning included, when the request profile's cap covers
  reasoning; visible tokens otherwise), and `finish_reason` is `length` only when the cap was reached
  (within `finish_slack_tokens`, 1: a server that recounts the cut text may count a token less; the
  reference endpoint does, one run in about twenty).
- `temp0.r<i>`, `temp1.r<i>`: the same prompt repeated at temperature 0 and at temperature 1, no seed. The
  temperature-0 answers must agree (all alike) and the temperature-1 answers vary (at least
  `min_sampled_distinct` distinct, mean pairwise word distance at least `min_sampled_distance`). A server
  always greedy fails the second, one always sampling the first. Left out where the request profile
  refuses the temperature (not_available, with the profile's rule).
- `seed.r<i>`: temperature 1 with one `seed`: the answers must repeat; where the profile has no seed, not
  available. OpenAI documents seed as best effort read with system_fingerprint: a repeat that differs
  under different fingerprints is partial, not fail.
- `effort.<e>.r<i>`: the lowest and highest reasoning effort above `none` the profile lists; mean reported
  reasoning tokens must be higher at the higher effort.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from pydantic import Field

from audit.probes.base import REASONING_HEADROOM, PlannedCall, TargetContext
from audit.probes.serving.verdict import Verdict, not_available
from audit.schema.base import NonEmpty, Strict
from audit.schema.evidence import ChatRequest, Exchange, Message

__all__ = ["CapParams", "SamplingParams", "sampling_calls", "cap_verdict", "temperature_verdict", "seed_verdict",
           "effort_verdict", "effort_pair"]


class CapParams(Strict):
    enabled: bool = True
    prompt: NonEmpty = "Write a long story about a lighthouse keeper and a storm, in many sentences."
    max_tokens: int = Field(default=8, ge=1)
    calls: int = Field(default=3, ge=1)
    free_max_tokens: int = Field(default=64, ge=1, description="the roomy cap of the control call")
    finish_slack_tokens: int = Field(default=1, ge=0, description="a reply cut at the cap may count this many "
                                                                  "tokens less (a server that recounts the cut "
                                                                  "text: a prefix can re-tokenize shorter)")


class SamplingParams(Strict):
    enabled: bool = True
    prompt: NonEmpty = "Write one sentence about a city you would like to visit, and why."
    repeats: int = Field(default=4, ge=2)
    max_tokens: int = Field(default=24, ge=1)
    seed: int = 1234
    min_sampled_distinct: int = Field(default=2, ge=2)
    min_sampled_distance: float = Field(default=0.1, ge=0, le=1)
    effort_repeats: int = Field(default=2, ge=1)
    effort_prompt: NonEmpty = "A farmer has 17 sheep; all but 9 run away. How many are left? Answer with a number."


def _message(text: str) -> list[Message]:
    return [Message(role="user", content=text)]


def effort_pair(target: TargetContext) -> tuple[str, str] | None:
    """The lowest and highest effort above none the profile lists, or None."""
    rules = target.request
    if rules is None or rules.profile.efforts is None:
        return None
    efforts = [e for e in rules.profile.efforts.values if e != "none"]
    return (efforts[0], efforts[-1]) if len(efforts) >= 2 else None


# dialects whose request has no seed field: their providers do not send it (audit/providers/responses.py,
# anthropic.py), so a seeded repeat there would test nothing
SEEDLESS = {"openai-responses": "the Responses API takes no seed", "anthropic": "the Messages API takes no seed"}


def _seeds(target: TargetContext) -> bool:
    return target.provider not in SEEDLESS and target.accepts("seed")


def sampling_calls(cap: CapParams, s: SamplingParams, target: TargetContext) -> list[PlannedCall]:
    calls: list[PlannedCall] = []
    if cap.enabled:
        for i in range(cap.calls):
            calls.append(PlannedCall(f"cap.{i}", ChatRequest(messages=_message(cap.prompt), max_tokens=cap.max_tokens,
                                                             seed=i if _seeds(target) else None),
                                     droppable=frozenset({"seed"})))
        calls.append(PlannedCall("cap.free", target.fit(ChatRequest(messages=_message(cap.prompt),
                                                                    max_tokens=cap.free_max_tokens))))
    if not s.enabled:
        return calls
    for temperature, name in ((0.0, "temp0"), (1.0, "temp1")):
        if target.accepts("temperature", temperature):
            calls += [PlannedCall(f"{name}.r{i}", target.fit(ChatRequest(messages=_message(s.prompt),
                                                                         temperature=temperature,
                                                                         max_tokens=s.max_tokens)))
                      for i in range(s.repeats)]
    if _seeds(target):
        temperature = 1.0 if target.accepts("temperature", 1.0) else None
        calls += [PlannedCall(f"seed.r{i}", target.fit(ChatRequest(messages=_message(s.prompt), temperature=temperature,
                                                                   seed=s.seed, max_tokens=s.max_tokens)))
                  for i in range(2)]
    pair = effort_pair(target)
    if pair is not None:
        for effort in pair:
            calls += [PlannedCall(f"effort.{effort}.r{i}", ChatRequest(
                messages=_message(s.effort_prompt), reasoning_effort=effort,
                max_tokens=16 + REASONING_HEADROOM)) for i in range(s.effort_repeats)]
    return calls


def _keyed(done: Mapping[str, Exchange], prefix: str) -> list[Exchange]:
    return [ex for key, ex in sorted(done.items()) if key.startswith(prefix)]


def cap_verdict(cap: CapParams, target: TargetContext, done: Mapping[str, Exchange]) -> Verdict:
    exchanges = _keyed(done, "cap.")
    refs = [ex.id for ex in exchanges]
    covers_reasoning = target.request is not None and target.request.profile.cap.includes_reasoning
    counted = "output" if covers_reasoning or target.request is None else "visible"
    answers, over, wrong = [], 0, 0
    for ex in exchanges:
        if not ex.ok or ex.usage is None:
            continue
        tokens = ex.usage.output_tokens if counted == "output" else ex.usage.visible_output_tokens
        if tokens is None:
            continue
        limit = ex.request.max_tokens
        answers.append({"key": ex.key, "cap": limit, "tokens": tokens, "finish_reason": ex.finish_reason})
        if limit is None:
            continue
        over += tokens > limit
        # 'length' short of the cap is wrong; an answer that ends by itself exactly at the cap is not
        wrong += ex.finish_reason == "length" and tokens < limit - cap.finish_slack_tokens
    values = {"cap": cap.max_tokens, "over_cap": over, "wrong_finish": wrong, "answers": answers, "counted": counted}
    if not cap.enabled:
        return not_available("output-cap check switched off", values)
    if not answers:
        first = next((ex.error for ex in exchanges if ex.error), "no usage reported")
        return not_available(f"no answer to compare with its cap: {first}", values, refs)
    if over:
        worst = max(answers, key=lambda a: a["tokens"] - (a["cap"] or 0))
        return Verdict("fail", f"{over} of {len(answers)} answers passed their cap (worst: {worst['tokens']} "
                               f"{counted} tokens at a cap of {worst['cap']})", values, refs)
    if wrong:
        return Verdict("fail", f"{wrong} of {len(answers)} answers say finish_reason 'length' without reaching "
                               "the cap", values, refs)
    return Verdict("pass", f"{len(answers)} answers within their caps; finish_reason 'length' only when the cap "
                           "was reached", values, refs)


def _words(text: str | None) -> set[str]:
    return set((text or "").lower().split())


def _distance(a: str | None, b: str | None) -> float:
    x, y = _words(a), _words(b)
    union = x | y
    return 1 - len(x & y) / len(union) if union else 0.0


def temperature_verdict(s: SamplingParams, target: TargetContext, done: Mapping[str, Exchange]) -> Verdict:
    greedy = [ex for ex in _keyed(done, "temp0.") if ex.ok]
    sampled = [ex for ex in _keyed(done, "temp1.") if ex.ok]
    refs = [ex.id for ex in _keyed(done, "temp0.") + _keyed(done, "temp1.")]
    g_texts, s_texts = [ex.text or "" for ex in greedy], [ex.text or "" for ex in sampled]
    pairs = list(itertools.combinations(s_texts, 2))
    distance = round(sum(_distance(a, b) for a, b in pairs) / len(pairs), 3) if pairs else None
    values = {"greedy_distinct": len(set(g_texts)) if greedy else None, "greedy_n": len(greedy) or None,
              "sampled_distinct": len(set(s_texts)) if sampled else None, "sampled_n": len(sampled) or None,
              "sampled_distance": distance, "min_sampled_distance": s.min_sampled_distance}
    if not s.enabled:
        return not_available("sampling checks switched off", values)
    if not target.accepts("temperature", 0.0) or not target.accepts("temperature", 1.0):
        refused = 0.0 if not target.accepts("temperature", 0.0) else 1.0
        return not_available(f"not checked: {target.request.refusal('temperature', refused)}", values, refs)
    if len(greedy) < 2 or len(sampled) < 2:
        return not_available("too few temperature repeats answered", values, refs)
    problems = []
    if len(set(g_texts)) > 1:
        problems.append(f"temperature 0 gave {len(set(g_texts))} different answers in {len(greedy)} repeats "
                        "(sampling regardless)")
    if len(set(s_texts)) < min(s.min_sampled_distinct, len(sampled)) or (distance or 0) < s.min_sampled_distance:
        problems.append(f"temperature 1 gave {len(set(s_texts))} distinct answers in {len(sampled)} repeats, mean "
                        f"word distance {distance:.2f} (greedy regardless)")
    if problems:
        return Verdict("fail", "temperature ignored: " + "; ".join(problems), values, refs)
    return Verdict("pass", f"temperature 0 repeated one answer {len(greedy)} times; temperature 1 gave "
                           f"{len(set(s_texts))} distinct answers in {len(sampled)} (mean word distance "
                           f"{distance:.2f})", values, refs)


def seed_verdict(s: SamplingParams, target: TargetContext, done: Mapping[str, Exchange]) -> Verdict:
    exchanges = _keyed(done, "seed.")
    answered = [ex for ex in exchanges if ex.ok]
    fingerprints = sorted({ex.system_fingerprint for ex in answered if ex.system_fingerprint})
    values = {"seed": s.seed, "distinct": len({ex.text for ex in answered}) if answered else None,
              "n": len(answered) or None, "fingerprints": fingerprints}
    refs = [ex.id for ex in exchanges]
    if not s.enabled:
        return not_available("sampling checks switched off", values)
    if target.provider in SEEDLESS:
        return not_available(f"not checked: {SEEDLESS[target.provider]}", values)
    if not target.accepts("seed"):
        return not_available(f"not checked: {target.request.refusal('seed')}", values)
    if len(answered) < 2:
        first = next((ex.error for ex in exchanges if ex.error), "calls missing")
        return not_available(f"too few seeded repeats answered: {first}", values, refs)
    if len({ex.text for ex in answered}) == 1:
        return Verdict("pass", f"seed {s.seed} repeated the answer {len(answered)} times", values, refs)
    if len(fingerprints) > 1:
        return Verdict("partial", f"seed {s.seed} gave different answers under different system_fingerprint values "
                                  f"({', '.join(fingerprints)}): seed is best effort across backends", values, refs)
    return Verdict("fail", f"seed {s.seed} gave {values['distinct']} different answers in {len(answered)} repeats "
                           "with one system_fingerprint", values, refs)


def effort_verdict(s: SamplingParams, target: TargetContext, done: Mapping[str, Exchange]) -> Verdict:
    pair = effort_pair(target)
    values: dict = {"efforts": list(pair) if pair else [], "mean_reasoning_tokens": {}}
    if not s.enabled:
        return not_available("sampling checks switched off", values)
    if pair is None:
        return not_available("the request profile lists fewer than two reasoning efforts above none", values)
    means, refs = {}, []
    for effort in pair:
        exchanges = _keyed(done, f"effort.{effort}.")
        refs += [ex.id for ex in exchanges]
        counts = [ex.usage.reasoning_tokens for ex in exchanges
                  if ex.ok and ex.usage is not None and ex.usage.reasoning_tokens is not None]
        if counts:
            means[effort] = round(sum(counts) / len(counts), 1)
    values["mean_reasoning_tokens"] = means
    low, high = pair
    if len(means) < 2:
        first = next((ex.error for ex in (done[k] for k in done if k.startswith("effort.")) if ex.error), None)
        return not_available("no reasoning tokens reported at both efforts" + (f": {first}" if first else ""),
                             values, refs)
    if means[high] > means[low]:
        return Verdict("pass", f"reasoning tokens grow with effort: {low} {means[low]:g}, {high} {means[high]:g} "
                               "(mean reported)", values, refs)
    return Verdict("fail", f"effort ignored: {high} reasoned {means[high]:g} tokens on average, {low} "
                           f"{means[low]:g}", values, refs)

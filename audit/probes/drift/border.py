"""The border-input mode: find prompts whose first answer token is nearly tied, then watch one token.

Idea from border-input tracking (B3IT): a prompt whose two most likely first tokens are nearly tied
flips its greedy (temperature-0) answer under the smallest change of the weights — a
re-quantization, a fine-tuning step, another model — while any prompt's first token costs one
output token. Two phases, both ordinary drift batteries run through the live workflow:

1. discovery (once, on the reference; stored with the baseline or the verification):
   every candidate prompt (`probes/drift/_border-candidates.yaml`) is sampled `samples` times at
   temperature 1 with a one-token cap; a candidate is nearly tied when its two most frequent first
   tokens take most of the samples in nearly equal shares (`tie` = second / first count).
   Without log-probabilities the split is estimated from these counts.
2. monitoring: the chosen prompts as a drift battery with one output token per call, asked
   `fixed_repeats` times at temperature 0 (flipped greedy answers; the repeats also give the
   reference's own run-to-run agreement, against which mixed routing is tested) and
   `open_repeats` times at temperature 1 with per-call seeds (shifts of the first-token
   distribution).

The false-alarm control is the drift test's: within-prompt (or, with shared seeds, within-pair)
label shuffles give the exact null distribution, combined by min-p, at the level of the alarm rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.core.content import content_dir
from audit.core.errors import InputError, Problem
from audit.core.yamlio import load_yaml
from audit.probes.base import ProbeDefinition
from audit.probes.drift.samples import normalise_answer, split_key
from audit.schema.evidence import Exchange

__all__ = ["BorderChoice", "NoBorderPrompts", "candidates_file", "load_candidates", "discovery_definition", "select_border",
           "monitoring_definition", "logprob_definition", "LOGPROB_ID"]

DISCOVERY_ID = "border-discovery"
LOGPROB_ID = "logprob"


class NoBorderPrompts(InputError):
    """Discovery found no candidate whose first token is nearly tied."""


@dataclass(frozen=True)
class BorderChoice:
    prompt_id: str
    prompt: str
    first: str
    second: str
    counts: tuple[int, int]
    samples: int

    @property
    def tie(self) -> float:
        return self.counts[1] / self.counts[0] if self.counts[0] else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.prompt_id, "prompt": self.prompt, "first": self.first, "second": self.second,
                "counts": list(self.counts), "samples": self.samples, "tie": round(self.tie, 4)}


def candidates_file() -> Path:
    return content_dir("probes") / "drift" / "_border-candidates.yaml"


def load_candidates(path: str | Path | None = None) -> list[dict[str, str]]:
    """The candidate prompts ({id, prompt}) of a candidates file (the shipped one by default)."""
    where = Path(path) if path is not None else candidates_file()
    data, _ = load_yaml(where)
    prompts = data.get("prompts") if isinstance(data, dict) else None
    if not isinstance(prompts, list) or not prompts:
        raise InputError([Problem(str(where), "prompts: a non-empty list of {id, prompt} is required")])
    out = []
    for i, item in enumerate(prompts):
        if not (isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("prompt"), str)):
            raise InputError([Problem(str(where), f"prompts[{i}]: needs an id and a prompt (strings)")])
        out.append({"id": item["id"], "prompt": item["prompt"]})
    return out


def discovery_definition(candidates: list[dict[str, str]], samples: int = 10,
                         system: str | None = None) -> ProbeDefinition:
    """A drift battery that samples each candidate's first token `samples` times at temperature 1."""
    params: dict[str, Any] = {"open": {"repeats": samples, "temperature": 1.0, "max_tokens": 1,
                                       "prompts": candidates}}
    if system:
        params["system"] = system
    return ProbeDefinition(id=DISCOVERY_ID, kind="drift", parameters=params,
                           description="Border-input discovery: first-token samples of candidate prompts")


def _first_token(exchange: Exchange) -> str | None:
    if not exchange.ok or exchange.text is None:
        return None
    answer = normalise_answer(exchange.text)
    return answer or None


def select_border(exchanges: Iterable[Exchange], candidates: list[dict[str, str]], count: int = 16,
                  min_top_two: float = 0.6) -> list[BorderChoice]:
    """The `count` candidates whose two most frequent first tokens are most nearly tied.

    A candidate qualifies when its two most frequent (non-empty) first tokens take at least
    `min_top_two` of its samples and the second was seen at least twice; ranked by the tie ratio,
    then by the share the two take.
    """
    by_prompt: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    for ex in exchanges:
        parsed = split_key(ex.key)
        if parsed is None or ex.probe_id != DISCOVERY_ID:
            continue
        totals[parsed[1]] += 1
        token = _first_token(ex)
        if token is not None:
            by_prompt[parsed[1]][token] += 1
    prompts = {c["id"]: c["prompt"] for c in candidates}
    ranked = []
    for pid, counter in by_prompt.items():
        top = counter.most_common(2)
        if len(top) < 2 or top[1][1] < 2 or pid not in prompts:
            continue
        share = (top[0][1] + top[1][1]) / totals[pid]
        if share < min_top_two:
            continue
        ranked.append(BorderChoice(pid, prompts[pid], top[0][0], top[1][0], (top[0][1], top[1][1]), totals[pid]))
    ranked.sort(key=lambda c: (-c.tie, -(c.counts[0] + c.counts[1]) / c.samples, c.prompt_id))
    return ranked[:count]


def monitoring_definition(chosen: list[BorderChoice], *, probe_id: str = "border", fixed_repeats: int = 12,
                          open_repeats: int = 8, system: str | None = None,
                          permutations: int = 1999) -> ProbeDefinition:
    """The one-token monitoring battery of the chosen border prompts."""
    if not chosen:
        raise NoBorderPrompts([Problem("border discovery", "no candidate prompt had a nearly tied first token; "
                                                           "use --mode mmd, or give more candidates")])
    prompts = [{"id": c.prompt_id, "prompt": c.prompt} for c in chosen]
    params: dict[str, Any] = {"permutations": permutations,
                              "fixed": {"repeats": fixed_repeats, "max_tokens": 1, "prompts": prompts},
                              "open": {"repeats": open_repeats, "temperature": 1.0, "max_tokens": 1,
                                       "prompts": prompts}}
    if system:
        params["system"] = system
    return ProbeDefinition(id=probe_id, kind="drift", parameters=params,
                           description=f"Border-input monitoring: {len(chosen)} nearly tied prompts, one output "
                                       "token per call")


def logprob_definition(candidates: list[dict[str, str]], *, repeats: int = 2, top: int = 5, system: str | None = None,
                       permutations: int = 1999) -> ProbeDefinition:
    """The log-prob mode's battery: every candidate prompt `repeats` times at temperature 0 with one output
    token and its `top` most likely first tokens with their log-probabilities (no discovery needed: the
    log-probabilities show a shift of the next-token distribution whether or not the greedy token flips).

    Two repeats at least: the paired test swaps labels within same-key pairs of a prompt, and with one
    pair per prompt the per-prompt statistic would not move under the swap."""
    prompts = [{"id": c["id"], "prompt": c["prompt"]} for c in candidates]
    params: dict[str, Any] = {"permutations": permutations,
                              "fixed": {"repeats": repeats, "max_tokens": 1, "top_logprobs": top, "prompts": prompts}}
    if system:
        params["system"] = system
    return ProbeDefinition(id=LOGPROB_ID, kind="drift", parameters=params,
                           description=f"Log-prob monitoring: {len(prompts)} prompts x {repeats} temperature-0 "
                                       f"calls, one output token and its top {top} log-probabilities each")

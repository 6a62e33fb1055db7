"""The `drift` probe kind: a fixed battery whose answers are compared with a recorded baseline.

Calls (keys `fixed/<prompt>/<repeat>` and `open/<prompt>/<repeat>`): each fixed prompt (short
checkable answer) `repeats` times at temperature 0, each open prompt `repeats` times at its
temperature, every call capped at its `max_tokens`. A run is the same battery whether it
records a baseline or is compared with one, so any earlier run can serve as a baseline.

Sampled calls carry a `seed` of their own (`call_seeds`, on by default), drawn from the run id
and the call key. The permutation test needs every sampled completion to be an independent
draw: a server that fixes its seed (llama-server --seed N) would repeat one completion for all
repeats, and llama-cpp-python's server derives each call's seed from the previous one, so a
restarted server replays the same sequence and couples the baseline's draws to the audit's.
Identical or coupled draws keep the test valid but blind it to small changes, and a server
whose seed policy changes between baseline and audit would raise a false alarm. Seeds that
differ per call and per run (and repeat on resume) make the draws independent of the server's
seed policy.

`evaluate` needs the baseline. It reads `TargetContext.extra` (see audit.runtime.run_folder.target_context):

    drift_baseline   the baseline's exchanges: a mapping or list of Exchange, or the path of a run
                     folder / evidence.jsonl (a run folder's baseline.jsonl, which `audit drift`
                     and `audit run --baseline` copy there, so `audit rescore` repeats the test)
    drift_alpha      false-alarm rate to hold (default: the probe's `alpha`)
    drift_period     audits per alarm period (default 1); see audit/probes/drift/alarm.py
    run_id           the run's id, from which the sampled calls' seeds are drawn
    call_seed_root   drawn from this instead of the run id when set (`audit verify`: both endpoints
                     get the same seeds)
    verify_paired    pair the baseline's and the current run's calls of the same key in the test
    verify_reference, verify_date   the reference a verification compared with, and when (card text)

Without a baseline both checks are `not_available`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from pydantic import Field, model_validator

from audit.schema.base import NonEmpty, Slug, Strict
from audit.schema.evidence import ChatRequest, Exchange, Message
from audit.schema.finding import Finding
from audit.probes.base import PlannedCall, ProbeKind, TargetContext, exchanges_of
from audit.probes.drift.values import BEHAVIOUR_CHECK, FINGERPRINT_CHECK
from audit.probes.registry import register

__all__ = ["DriftProbe", "DriftParams"]

MAX_TOKENS_CAP = 256


class FixedPrompt(Strict):
    id: Slug
    prompt: NonEmpty
    expect: str | None = Field(default=None, description="the correct short answer, for reporting")


class OpenPrompt(Strict):
    id: Slug
    prompt: NonEmpty


class FixedSet(Strict):
    repeats: int = Field(default=2, ge=1, le=20)
    max_tokens: int = Field(default=16, ge=1, le=MAX_TOKENS_CAP)
    top_logprobs: int | None = Field(default=None, ge=1, le=20, description=(
        "ask each temperature-0 call for its tokens' log-probabilities with this many most likely tokens "
        "(the log-prob mode; left out on targets whose request profile has no logprobs)"))
    logprob_tolerance: float = Field(default=0.05, gt=0, le=5, description=(
        "nats within which two calls' log-probabilities count as the same (engine noise; see compare.py)"))
    prompts: list[FixedPrompt] = Field(default_factory=list)


class OpenSet(Strict):
    repeats: int = Field(default=10, ge=2, le=100)
    temperature: float = Field(default=1.0, gt=0, le=2)
    max_tokens: int = Field(default=40, ge=1, le=MAX_TOKENS_CAP)
    prompts: list[OpenPrompt] = Field(default_factory=list)


class DriftParams(Strict):
    system: str | None = Field(default=None, description="optional system message sent with every call")
    fixed: FixedSet = Field(default_factory=FixedSet)
    open: OpenSet = Field(default_factory=OpenSet)
    alpha: float = Field(default=0.05, gt=0, lt=1)
    permutations: int = Field(default=2000, ge=99, le=200_000)
    seed: int = 0
    kernel_length: int = Field(default=24, ge=1, le=512)
    kernel_decay: float = Field(default=0.85, gt=0, le=1)
    call_seeds: bool = Field(default=True, description="send each sampled call its own seed (run id + key)")
    minor_drift_share: float = Field(default=0.5, gt=0, le=1, description=(
        "drift is minor (the rubric's partial level) when fewer than this share of temperature-0 answers changed"))

    @model_validator(mode="after")
    def _unique_ids(self) -> "DriftParams":
        for name, prompts in (("fixed", self.fixed.prompts), ("open", self.open.prompts)):
            ids = [p.id for p in prompts]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{name}.prompts: duplicate id {', '.join(dupes)}")
        if not self.fixed.prompts and not self.open.prompts:
            raise ValueError("the battery needs at least one fixed or open prompt")
        return self


def load_baseline_exchanges(source: Any) -> list[Exchange]:
    """The baseline's exchanges from what `drift_baseline` holds (the runtime reads the evidence file):
    a mapping of call key to exchange, or a sequence of exchanges."""
    if isinstance(source, Mapping):
        return list(source.values())
    return list(source)


def call_seed(run_id: str, key: str) -> int:
    """A 31-bit seed, distinct per run and call (any server accepts a positive int32)."""
    digest = hashlib.sha256(f"{run_id}/{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@register
class DriftProbe(ProbeKind):
    kind = "drift"
    Params = DriftParams
    params: DriftParams

    def _messages(self, prompt: str) -> list[Message]:
        head = [Message(role="system", content=self.params.system)] if self.params.system else []
        return head + [Message(role="user", content=prompt)]

    def planned(self, run_id: str | None = None, target: TargetContext | None = None) -> list[PlannedCall]:
        """The battery's calls; with a run id (and `call_seeds`), each sampled call gets its own seed.

        On a target whose request profile refuses temperature 0 the fixed channel is left out (only
        the sampled channel, at the temperature the model takes, is compared); caps get reasoning
        headroom on calls that may reason.
        """
        from audit.probes.drift.samples import make_key

        p = self.params
        calls = []
        fixed_ok = target is None or target.accepts("temperature", 0)
        for prompt in p.fixed.prompts if fixed_ok else []:
            request = ChatRequest(messages=self._messages(prompt.prompt), temperature=0, max_tokens=p.fixed.max_tokens,
                                  logprobs=True if p.fixed.top_logprobs else None, top_logprobs=p.fixed.top_logprobs)
            if target is not None:
                request = target.fit(request)
            calls += [PlannedCall(make_key("fixed", prompt.id, r), request) for r in range(p.fixed.repeats)]
        for prompt in p.open.prompts:
            request = ChatRequest(messages=self._messages(prompt.prompt), temperature=p.open.temperature,
                                  max_tokens=p.open.max_tokens)
            if target is not None:
                request = target.fit(request)
            for r in range(p.open.repeats):
                key = make_key("open", prompt.id, r)
                seed = call_seed(run_id, key) if p.call_seeds and run_id else None
                calls.append(PlannedCall(key, request.model_copy(update={"seed": seed})))
        return calls

    def next_calls(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[PlannedCall]:
        # `call_seed_root` (audit verify): the reference's and the target's calls carry the same seeds
        seed_root = target.extra.get("call_seed_root") or target.extra.get("run_id")
        return [c for c in self.planned(seed_root, target) if c.key not in done]

    def max_calls(self) -> int:
        return len(self.planned())

    def expected_answers(self) -> dict[str, str]:
        return {p.id: p.expect for p in self.params.fixed.prompts if p.expect is not None}

    def evaluate(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[Finding]:
        from audit.probes.drift.findings import drift_findings

        source = target.extra.get("drift_baseline")
        if source is None:
            note = "No baseline to compare with: record one with `audit baseline`, then run `audit drift`."
            return [self.finding(BEHAVIOUR_CHECK, "not_available", note),
                    self.finding(FINGERPRINT_CHECK, "not_available", note)]
        baseline = list(exchanges_of(self.id, load_baseline_exchanges(source)).values())
        return drift_findings(self, target, baseline, list(done.values()))

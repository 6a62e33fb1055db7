"""The contract every probe kind fulfils.

A probe is driven in rounds: `next_calls` gets the exchanges recorded so far (keyed by call key)
and returns the calls still needed, or an empty list when it has enough. Because the plan is a
pure function of the recorded evidence, a killed run resumes by asking again, and adaptive
probes (early stopping, tie-breaking calls) need no state of their own. `evaluate` turns the
recorded exchanges into findings and must not touch the network.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from audit.schema.base import NonEmpty, Slug, Strict
from audit.schema.disclosure import DeclaredFacts, ModelIdentity
from audit.schema.evidence import ChatRequest, Exchange
from audit.schema.request_profile import RequestRules
from audit.schema.finding import Finding

__all__ = ["ProbeDefinition", "PlannedCall", "PlanNote", "TargetContext", "ProbeKind", "REASONING_HEADROOM"]

REASONING_HEADROOM = 1024  # cap tokens added on calls that may reason, so the visible answer is not starved


class ProbeDefinition(Strict):
    """A probe instance as written in YAML; `parameters` is validated by the kind's `Params`."""

    id: Slug
    kind: Slug
    description: NonEmpty
    parameters: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class PlannedCall:
    key: str
    request: ChatRequest
    estimated_input_tokens: int = 0
    estimated_output_tokens: int = 0
    droppable: frozenset[str] = frozenset()  # sampling fields the probe's measure does not rest on


@dataclass(frozen=True)
class PlanNote:
    """A part of a probe's plan its first round cannot show (calls planned later from the answers, such as
    long-context prompts), at its most: counted into the plan's totals and printed with it."""

    label: str
    calls: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class TargetContext:
    """What a probe knows of the target: the provider, the requested model, the declared facts, and the
    request rules (profile at effort) its calls must follow (None: no profile, anything goes)."""

    provider: str
    model: str
    identity: ModelIdentity
    declared: DeclaredFacts
    extra: Mapping[str, Any] = field(default_factory=dict)
    request: RequestRules | None = None

    def accepts(self, name: str, value: float | None = None) -> bool:
        """Whether a request may carry sampling field (or seed/logprobs) `name` with `value`."""
        return self.request is None or self.request.accepts(name, value)

    def output_cap(self, visible: int, headroom: int = REASONING_HEADROOM) -> int:
        """A cap for `visible` answer tokens: plus `headroom` when calls may spend hidden reasoning."""
        return visible + headroom if self.request is not None and self.request.reasons else visible

    def fit(self, request: ChatRequest, headroom: int = REASONING_HEADROOM) -> ChatRequest:
        """`request` as this target takes it: sampling fields it refuses left out (for probes whose
        measure does not rest on them), the cap raised by `headroom` when calls may reason."""
        changes: dict[str, Any] = {name: None for name in ("temperature", "top_p", "seed")
                                   if getattr(request, name) is not None
                                   and not self.accepts(name, getattr(request, name))}
        if request.logprobs and not self.accepts("logprobs"):
            changes.update(logprobs=None, top_logprobs=None)
        if request.max_tokens is not None:
            changes["max_tokens"] = self.output_cap(request.max_tokens, headroom)
        return request.model_copy(update=changes) if changes else request


class ProbeKind(ABC):
    """Base of identity, tokenizer and drift probes."""

    kind: ClassVar[str]
    Params: ClassVar[type[BaseModel]]
    # whether `audit run` sends it when neither --probes nor the rubric names it (the serving probe's long
    # prompts cost tokens by the context window: it runs only when asked for)
    run_by_default: ClassVar[bool] = True

    def __init__(self, definition: ProbeDefinition, params: BaseModel):
        self.definition = definition
        self.params = params

    @property
    def id(self) -> str:
        return self.definition.id

    @abstractmethod
    def next_calls(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[PlannedCall]:
        """The calls still needed given those recorded; [] when the probe has enough."""

    @abstractmethod
    def evaluate(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[Finding]:
        """Findings from the recorded exchanges alone (no network)."""

    def max_calls(self) -> int:
        """Upper bound on calls, for budgets and progress bars."""
        return 0

    def plan_notes(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[PlanNote]:
        """Later calls `max_calls` does not count, with their most tokens (none by default)."""
        return []

    def finding(self, check: str, outcome: str, message: str, values: dict | None = None,
                exchanges: Iterable[str] = ()) -> Finding:
        """A finding of this probe instance (its id and kind filled in)."""
        return Finding(probe_id=self.id, kind=self.kind, check=check, outcome=outcome, message=message,
                       values=values or {}, exchanges=list(exchanges))


def exchanges_of(probe_id: str, exchanges: Iterable[Exchange]) -> dict[str, Exchange]:
    """The exchanges of one probe instance, by call key."""
    return {ex.key: ex for ex in exchanges if ex.probe_id == probe_id}

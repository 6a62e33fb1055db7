"""The contract between the tokenizer evaluator and its card section.

The check names are bound here to those def.yaml declares (a name it does not declare fails at
import); kind.py emits them and section.py shows them, in def.yaml's order with its titles.
`tokenizer_view` is the one place that turns a tokenizer finding's `values` into a typed view; a key
a finding does not carry is None (or empty) in the view.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from audit.probes.registry import declared_check
from audit.schema.finding import Finding

__all__ = ["TOKENIZER_MATCH", "VOCAB_CONSISTENT", "HIDDEN_OVERHEAD", "PROMPT_BILLING", "COMPLETION_BILLING",
           "REASONING_TOKENS", "SERVED_MODEL_SUBSTITUTION", "NearestClass", "TokenizerView", "tokenizer_view"]

KIND = "tokenizer"
TOKENIZER_MATCH = declared_check(KIND, "tokenizer-match")
VOCAB_CONSISTENT = declared_check(KIND, "vocab-consistent")
HIDDEN_OVERHEAD = declared_check(KIND, "hidden-overhead")
PROMPT_BILLING = declared_check(KIND, "prompt-billing")
COMPLETION_BILLING = declared_check(KIND, "completion-billing")
REASONING_TOKENS = declared_check(KIND, "reasoning-tokens")
SERVED_MODEL_SUBSTITUTION = declared_check(KIND, "served-model-substitution")


class _View(BaseModel):
    """Views read what the section needs and ignore the rest of the values (def.yaml lists all of them)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class NearestClass(_View):
    id: str = Field(alias="class")
    members: list[str] = Field(default_factory=list)
    distance: int


class TokenizerView(_View):
    check: str
    # the identification, on every finding once the tokenizer is identified
    observed_class: str | None = None
    status: str | None = None
    members: list[str] = Field(default_factory=list)
    deltas: dict[str, int] = Field(default_factory=dict)
    design_gap: dict[str, int] = Field(default_factory=dict)
    nearest: list[NearestClass] = Field(default_factory=list)
    calls: int | None = None
    count_ratio: dict[str, float | None] = Field(default_factory=dict)
    prompt_billing_factor: float | None = None
    request_profile: str | None = None
    reasoning_effort: str | None = None
    # tokenizer-match
    declared: str | None = None
    declared_class: str | None = None
    # vocab-consistent
    declared_vocabulary_size: int | None = None
    observed_vocab_sizes: list[int] = Field(default_factory=list)
    # hidden-overhead
    overhead_tokens: int | None = None
    known_template_overhead: dict[str, int] = Field(default_factory=dict)
    matched_template: str | None = None
    excess_tokens: int | None = None
    # completion-billing
    reported_completion_tokens: int | None = None
    reported_reasoning_tokens: int | None = None
    counted_completion_tokens: int | None = None
    most_completion_tokens: int | None = None
    billing_difference_tokens: int | None = None
    billing_difference_pct: float | None = None
    over_cap_completions: int | None = None
    completions: int | None = None
    # reasoning-tokens
    efforts: list[str] = Field(default_factory=list)
    mean_reasoning_tokens: dict[str, float] = Field(default_factory=dict)
    # served-model-substitution
    named_model: str | None = None
    named_class: str | None = None


def tokenizer_view(finding: Finding) -> TokenizerView:
    """The typed view of one tokenizer finding's values."""
    return TokenizerView.model_validate({**finding.values, "check": finding.check})

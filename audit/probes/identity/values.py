"""The contract between the identity evaluator and its card section.

The check names are bound here to those def.yaml declares (a name it does not declare fails at
import), and `identity_view` is the one place that turns an identity finding's `values` into a
typed view: rates with their interval, n and the level the probe ran with, quoted answers, the
stated facts and the call budget. The section reads only the view.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from audit.probes.registry import declared_check
from audit.schema.finding import Finding

__all__ = ["SELF_IDENTIFICATION", "NO_COMPETITOR_CLAIM", "SPOOF_RESISTANCE", "STATED_FACTS", "SERVED_MODEL",
           "RATE_OF", "Rate", "Quote", "StatedFact", "IdentityView", "identity_view"]

KIND = "identity"
SELF_IDENTIFICATION = declared_check(KIND, "self-identification")
NO_COMPETITOR_CLAIM = declared_check(KIND, "no-competitor-claim")
SPOOF_RESISTANCE = declared_check(KIND, "spoof-resistance")
STATED_FACTS = declared_check(KIND, "stated-facts")
SERVED_MODEL = declared_check(KIND, "served-model")

# The rate each rate check is shown by (a `rate` value in def.yaml).
RATE_OF = {SELF_IDENTIFICATION: "consistency_rate", NO_COMPETITOR_CLAIM: "competitor_claim_rate",
           SPOOF_RESISTANCE: "spoof_flip_rate"}


class _View(BaseModel):
    """Views read what they need and ignore the rest of the values (def.yaml lists all of them)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Rate(_View):
    rate: float | None = None
    low: float | None = None
    high: float | None = None
    n: int = 0
    k: int = 0

    @classmethod
    def read(cls, values: dict[str, Any], key: str) -> "Rate | None":
        """The rate written as `key`, `key_ci_low`, `_ci_high`, `_n`, `_k`; None when absent."""
        if f"{key}_n" not in values:
            return None
        return cls(rate=values.get(key), low=values.get(f"{key}_ci_low"), high=values.get(f"{key}_ci_high"),
                   n=values[f"{key}_n"], k=values.get(f"{key}_k", 0))


class Quote(_View):
    """A quoted answer (`answer`), or a response whose `model` field named another model (`served`)."""

    exchange: str
    lang: str = ""
    mode: str = ""
    category: str = Field(default="", alias="class")
    answer: str | None = None
    spoofed_as: str | None = None
    requested: str | None = None
    served: str | None = None


class StatedFact(_View):
    declared: str | None = None
    stated: dict[str, int] = Field(default_factory=dict)
    agreement: Rate | None = None

    @model_validator(mode="before")
    @classmethod
    def _agreement(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "agreement": Rate.read(data, "agreement_rate")}
        return data


class IdentityView(_View):
    check: str
    confidence: float | None = None  # the level of every interval shown (None: not recorded)
    rate: Rate | None = None  # the check's own rate (RATE_OF), if it is a rate check
    quotes: list[Quote] = Field(default_factory=list)
    knowledge_cutoff: StatedFact | None = None
    context_window: StatedFact | None = None
    requested: str | None = None
    served_models: dict[str, int] = Field(default_factory=dict)
    system_fingerprints: list[str] = Field(default_factory=list)
    calls_used: int | None = None
    calls_planned: int | None = None
    calls_saved: int | None = None
    stopped_early: bool = False


def identity_view(finding: Finding) -> IdentityView:
    """The typed view of one identity finding's values."""
    values = finding.values
    rate = Rate.read(values, RATE_OF[finding.check]) if finding.check in RATE_OF else None
    return IdentityView.model_validate({**values, "check": finding.check, "rate": rate})

"""The prompt battery (probe YAML parameters) and the call plan built from it.

The plan is a fixed, seeded order of calls: every (language, question, system-prompt mode) item
once, shuffled, then again with another shuffle, until `max_calls`. A shuffled order makes each
batch a fair mix of languages, topics and modes, so a check can be decided at any look. The plan is
a pure function of the parameters and the declared vendor (which picks the spoofed competitors).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator, model_validator

from audit.schema.base import NonEmpty, Slug, Strict
from audit.schema.evidence import ChatRequest, Message
from audit.probes.identity.catalog import CompiledCatalog, SpoofIdentity

__all__ = ["Topic", "Mode", "IDENTITY_TOPICS", "FACT_TOPICS", "Question", "SystemPrompts", "RateThresholds",
           "FactThresholds", "CompetitorThresholds", "IdentityParams", "Slot", "build_plan"]

Topic = Literal["who", "maker", "version", "cutoff", "context"]
Mode = Literal["none", "neutral", "spoof"]
IDENTITY_TOPICS: tuple[str, ...] = ("who", "maker", "version")
FACT_TOPICS: tuple[str, ...] = ("cutoff", "context")


class Question(Strict):
    id: Slug
    topic: Topic
    text: dict[Slug, NonEmpty] = Field(min_length=1, description="the question per language code")


class SystemPrompts(Strict):
    neutral: dict[Slug, NonEmpty]
    spoof: dict[Slug, NonEmpty] = Field(description="templates with {model} and {vendor}")

    @field_validator("spoof")
    @classmethod
    def _placeholders(cls, value: dict[str, str]) -> dict[str, str]:
        for lang, text in value.items():
            if "{model}" not in text:
                raise ValueError(f"spoof prompt for {lang!r} must contain {{model}}")
            try:
                text.format(model="m", vendor="v")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"spoof prompt for {lang!r}: bad placeholder ({exc}); "
                                 "only {model} and {vendor} are known") from None
        return value


class RateThresholds(Strict):
    """Pass when the rate is at least `pass_at`, fail below `fail_below`, partial in between."""

    pass_at: float = Field(ge=0, le=1)
    fail_below: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> "RateThresholds":
        if self.fail_below > self.pass_at:
            raise ValueError(f"fail_below ({self.fail_below}) must not exceed pass_at ({self.pass_at})")
        return self


class FactThresholds(RateThresholds):
    """Agreement of stated facts with the declared ones."""

    pass_at: float = Field(default=0.6, ge=0, le=1)
    fail_below: float = Field(default=0.3, ge=0, le=1)
    cutoff_tolerance_months: int = Field(default=3, ge=0)
    context_tolerance: float = Field(default=0.1, ge=0, le=1, description="relative tolerance")
    min_statements: int = Field(default=3, ge=1, description="fewer statements than this: 'not stated'")
    min_asked: int = Field(default=10, ge=1, description="answers to read before calling a fact 'not stated'")


class CompetitorThresholds(Strict):
    """The SPRT for competitor claims: H0 rate ≤ `tolerated` against H1 rate ≥ `detect`."""

    tolerated: float = Field(default=0.005, gt=0, lt=1)
    detect: float = Field(default=0.05, gt=0, lt=1)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    beta: float = Field(default=0.1, gt=0, lt=0.5)
    any_claim_is_partial: bool = Field(default=True, description="a tolerated rate with some claims is 'partial'")

    @model_validator(mode="after")
    def _ordered(self) -> "CompetitorThresholds":
        if self.detect <= self.tolerated:
            raise ValueError(f"detect ({self.detect}) must exceed tolerated ({self.tolerated})")
        return self


class IdentityParams(Strict):
    languages: list[Slug] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    system_prompts: SystemPrompts
    modes: list[Mode] = Field(default_factory=lambda: ["none", "neutral", "spoof"], min_length=1)
    fact_modes: list[Mode] = Field(default_factory=lambda: ["none", "neutral"],
                                   description="modes in which cutoff/context questions are asked")
    temperature: float | None = Field(default=None, ge=0, le=2, description="null: the vendor's default")
    max_tokens: int = Field(default=200, ge=1)
    max_calls: int = Field(default=200, ge=1)
    batch_size: int = Field(default=40, ge=1, description="calls per look of the sequential rule")
    plan_seed: int = 0
    confidence: float = Field(default=0.95, gt=0, lt=1, description="level of the reported intervals")
    decision_alpha: float = Field(default=0.05, gt=0, lt=1, description="error of early decisions, over all looks")
    self_identification: RateThresholds = RateThresholds(pass_at=0.8, fail_below=0.5)
    spoof_resistance: RateThresholds = RateThresholds(pass_at=0.8, fail_below=0.5)
    stated_facts: FactThresholds = FactThresholds()
    competitor: CompetitorThresholds = CompetitorThresholds()
    quotes: int = Field(default=3, ge=0, le=10, description="quoted answers per finding")
    quote_chars: int = Field(default=160, ge=20)

    @model_validator(mode="after")
    def _every_language_covered(self) -> "IdentityParams":
        missing = []
        for lang in self.languages:
            missing += [f"questions[{q.id}].text.{lang}" for q in self.questions if lang not in q.text]
            if "neutral" in self.modes and lang not in self.system_prompts.neutral:
                missing.append(f"system_prompts.neutral.{lang}")
            if "spoof" in self.modes and lang not in self.system_prompts.spoof:
                missing.append(f"system_prompts.spoof.{lang}")
        if missing:
            raise ValueError("no text for: " + ", ".join(missing))
        ids = [q.id for q in self.questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate question id(s): {', '.join(dupes)}")
        return self

    @property
    def looks(self) -> int:
        """K, the number of looks the sequential rule may take."""
        return -(-self.max_calls // self.batch_size)


@dataclass(frozen=True)
class Slot:
    """One planned call of the battery."""

    index: int
    key: str
    lang: str
    question: Question
    mode: str
    spoof: SpoofIdentity | None
    request: ChatRequest
    spoof_vendor: str | None = None  # the catalog id of the spoofed vendor

    @property
    def is_identity(self) -> bool:
        return self.question.topic in IDENTITY_TOPICS


def _items(params: IdentityParams) -> list[tuple[str, Question, str]]:
    items = []
    for lang in params.languages:
        for question in params.questions:
            modes = params.modes if question.topic in IDENTITY_TOPICS else params.fact_modes
            items += [(lang, question, mode) for mode in modes]
    return items


def build_plan(params: IdentityParams, catalog: CompiledCatalog, declared_vendor: str | None) -> list[Slot]:
    """The full ordered plan of `max_calls` calls."""
    items = _items(params)
    competitors = catalog.competitors(declared_vendor)
    plan: list[Slot] = []
    rep = 0
    while items and len(plan) < params.max_calls:
        order = list(items)
        random.Random(f"{params.plan_seed}:{rep}").shuffle(order)
        for lang, question, mode in order:
            if len(plan) >= params.max_calls:
                break
            rival = competitors[len(plan) % len(competitors)] if mode == "spoof" and competitors else None
            if mode == "spoof" and rival is None:
                continue
            spoof = rival.spoof_as if rival else None
            messages = []
            if mode == "neutral":
                messages.append(Message(role="system", content=params.system_prompts.neutral[lang]))
            elif mode == "spoof":
                messages.append(Message(role="system", content=params.system_prompts.spoof[lang].format(
                    model=spoof.model, vendor=spoof.vendor)))
            messages.append(Message(role="user", content=question.text[lang]))
            request = ChatRequest(messages=messages, temperature=params.temperature, max_tokens=params.max_tokens)
            key = f"{lang}.{question.id}.{mode}.r{rep}"
            plan.append(Slot(len(plan), key, lang, question, mode, spoof, request, rival.id if rival else None))
        rep += 1
    return plan

"""The audit result: every point with the evidence it rests on. Versioned; see `RESULT_SCHEMA_VERSION`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from audit.schema.base import Strict
from audit.schema.disclosure import Source
from audit.schema.finding import Finding

__all__ = ["AuditResult", "DomainResult", "CriterionResult", "IndicatorResult", "RubricStamp",
           "TargetInfo", "ToolStamp", "SnapshotStamp", "RESULT_SCHEMA_VERSION"]

RESULT_SCHEMA_VERSION = "1"

# How an indicator's points were decided.
Basis = Literal["disclosure", "probe", "disclosure_fallback", "none"]
# awarded: full points; partial: some; missed: zero but assessed; not_assessed: no evidence to decide.
IndicatorState = Literal["awarded", "partial", "missed", "not_assessed"]


class IndicatorResult(Strict):
    id: str
    title: str
    max_points: int
    points: int | None = Field(description="None when not assessed")
    state: IndicatorState
    basis: Basis
    status: str | None = Field(default=None, description="the disclosure status, where one was used")
    level: str | None = None
    reason: str
    quote: str | None = None
    note: str | None = None
    sources: list[Source] = Field(default_factory=list)
    findings: list[str] = Field(default_factory=list, description="checks of the findings used")
    quote_snapshot: str | None = Field(default=None, description="sha256 of the archived snapshot the "
                                                                 "quote was verified in; None: unverified")


class CriterionResult(Strict):
    id: str
    title: str
    question: str
    max_points: int
    points: int | None = Field(description="None when no indicator could be assessed")
    assessed_max_points: int
    justification: str
    indicators: list[IndicatorResult]


class DomainResult(Strict):
    id: str
    title: str
    max_points: int
    points: int
    assessed_max_points: int
    criteria: list[CriterionResult]


class SnapshotStamp(Strict):
    """An archived snapshot a record cites, as a card states it."""

    url: str
    retrieved_at: dt.datetime
    copy_kept: bool = True


class RubricStamp(Strict):
    id: str
    version: str
    title: str
    sha256: str
    credit: str | None = None
    subject: Literal["model", "endpoint"] = Field(default="model", description=(
        "what the rubric scores: a model, or an endpoint serving one (the card is then titled for the endpoint)"))


class TargetInfo(Strict):
    vendor: str
    model: str
    api_id: str | None = None
    snapshot: str | None = None
    release_date: dt.date | None = None
    record: str | None = Field(default=None, description="the disclosure record's path, as given")
    record_sha256: str | None = None
    endpoint: str | None = None
    provider: str | None = Field(default=None, description="the API dialect a live audit spoke (openai, anthropic, ...)")
    requested_model: str | None = Field(default=None, description="the model id a live audit requested")


class ToolStamp(Strict):
    name: str = "model-integrity-audit"
    version: str


class AuditResult(Strict):
    schema_version: str = RESULT_SCHEMA_VERSION
    tool: ToolStamp
    generated_at: dt.datetime
    target: TargetInfo
    rubric: RubricStamp
    audit_note: str | None = None
    assessor: str | None = None
    assessed_on: dt.date | None = None
    total: int
    max_total: int
    assessed_max: int
    percent: float = Field(description="total as a share of max_total, 0-100")
    coverage: float = Field(description="share of max_total that could be assessed, 0-100")
    grade: str | None = Field(description="None when the rubric has no grade bands")
    grade_label: str | None = None
    domains: list[DomainResult]
    findings: list[Finding] = Field(default_factory=list)
    evidence_sha256: str | None = None
    run_id: str | None = None
    snapshots: dict[str, SnapshotStamp] = Field(default_factory=dict,
                                                description="archived snapshots the record cites, by sha256")

    def criterion(self, criterion_id: str) -> CriterionResult | None:
        return next((c for d in self.domains for c in d.criteria if c.id == criterion_id), None)

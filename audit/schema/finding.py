"""Findings: what a probe concluded from recorded exchanges.

Outcomes mirror OpenSSF Scorecard's separation of "inconclusive" from "failed":
`pass` / `partial` / `fail` decide an indicator; `not_available` and `error` leave it not assessed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from audit.schema.base import NonEmpty, Slug, Strict

__all__ = ["Finding", "Outcome", "DECISIVE"]

Outcome = Literal["pass", "partial", "fail", "not_available", "error"]
DECISIVE: tuple[str, ...] = ("pass", "partial", "fail")


class Finding(Strict):
    probe_id: NonEmpty = Field(description="the probe instance (YAML) that produced it")
    kind: Slug = Field(description="the probe kind (audit.probes.registry knows them)")
    check: Slug = Field(description="what was checked; rubric indicators name it")
    outcome: Outcome
    message: NonEmpty
    values: dict[str, Any] = Field(default_factory=dict)
    exchanges: list[str] = Field(default_factory=list, description="ids of the exchanges it rests on")

"""The rubric: domains → criteria → indicators, with points, thresholds and grade bands.

An indicator's evidence is either the disclosure record (`evidence: disclosure`) or a named
live probe check (`evidence: {probe: identity, check: self-identification, ...}`). A probe-backed
indicator may say how many points the disclosure alone can earn when no probe has run
(`disclosure_fallback`); without it such an indicator is "not assessed" until a probe runs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from audit.schema.base import NonEmpty, Slug, Strict

__all__ = ["Rubric", "Subject", "Domain", "Criterion", "Indicator", "Level", "ProbeEvidence", "GradeBand"]


class Level(Strict):
    """A partial-credit level: fewer points than the indicator's full award, with its own threshold."""

    id: Slug
    points: int = Field(ge=0)
    threshold: NonEmpty


class ProbeEvidence(Strict):
    """The indicator is decided by a live probe's finding for `check`.

    `probe` names a probe kind and `check` one of the checks it declares; the schema knows no kinds
    (they are discovered by audit.probes.registry), so loading a rubric checks both against the
    registry (audit.scoring.probe_checks)."""

    probe: Slug = Field(description="the probe kind")
    check: Slug
    on_partial: Slug | None = Field(
        default=None, description="level awarded when the probe's finding is 'partial'")
    disclosure_fallback: int | None = Field(
        default=None, ge=0,
        description="most points the disclosure record alone earns while no probe has run; "
                    "omit to leave the indicator not assessed until a probe runs")


class Indicator(Strict):
    id: Slug
    title: NonEmpty
    aliases: list[NonEmpty] = Field(default_factory=list,
                                    description="other spellings of the title found in source files")
    definition: NonEmpty
    threshold: NonEmpty = Field(description="what earns the full points, in plain words")
    points: int = Field(ge=1)
    levels: list[Level] = Field(default_factory=list)
    evidence: Literal["disclosure"] | ProbeEvidence = "disclosure"
    fmti: list[NonEmpty] = Field(default_factory=list,
                                 description="names of FMTI indicators this one corresponds to")
    crosswalk: dict[Slug, list[Slug]] = Field(
        default_factory=dict,
        description="per rubric id, the ids of that rubric's indicators whose assessments answer this "
                    "one; a record written for that rubric is scored here through them "
                    "(audit/scoring/crosswalk.py)")
    notes: str | None = None

    @model_validator(mode="after")
    def _levels_fit(self) -> "Indicator":
        ids = [lv.id for lv in self.levels]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate level id(s): {', '.join(dupes)}")
        for lv in self.levels:
            if not 0 < lv.points < self.points:
                raise ValueError(f"level {lv.id!r} has {lv.points} points; a partial level must "
                                 f"give more than 0 and fewer than the indicator's {self.points}")
        ev = self.evidence
        if isinstance(ev, ProbeEvidence):
            if ev.on_partial is not None and ev.on_partial not in ids:
                raise ValueError(f"evidence.on_partial names unknown level {ev.on_partial!r}")
            if ev.disclosure_fallback is not None and ev.disclosure_fallback > self.points:
                raise ValueError(f"evidence.disclosure_fallback ({ev.disclosure_fallback}) exceeds "
                                 f"the indicator's {self.points} points")
        return self

    def level(self, level_id: str) -> Level | None:
        return next((lv for lv in self.levels if lv.id == level_id), None)

    @property
    def probe(self) -> ProbeEvidence | None:
        return self.evidence if isinstance(self.evidence, ProbeEvidence) else None


class Criterion(Strict):
    id: Slug
    title: NonEmpty
    question: NonEmpty
    max_points: int = Field(ge=1)
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _points_add_up(self) -> "Criterion":
        total = sum(ind.points for ind in self.indicators)
        if total != self.max_points:
            raise ValueError(f"indicator points add up to {total}, but max_points is {self.max_points}")
        return self


class Domain(Strict):
    id: Slug
    title: NonEmpty
    description: str | None = None
    criteria: list[Criterion] = Field(min_length=1)

    @property
    def max_points(self) -> int:
        return sum(c.max_points for c in self.criteria)


class GradeBand(Strict):
    grade: NonEmpty
    min_percent: float = Field(ge=0, le=100)
    label: str | None = None


Subject = Literal["model", "endpoint"]


class Rubric(Strict):
    id: Slug
    family: Slug | None = Field(default=None, description="the index the rubric belongs to (e.g. fmti); "
                                                          "records of one family can cross over to rubrics "
                                                          "naming its indicators")
    subject: Subject = Field(default="model", description=(
        "what the rubric scores: a model (its developer's disclosures and the API's behaviour), or an "
        "endpoint serving a model (live probes only: every indicator probe-backed, no disclosure fallback; "
        "the card is titled for the endpoint)"))
    version: NonEmpty
    title: NonEmpty
    description: str | None = None
    source: str | None = Field(default=None, description="where the rubric comes from, and its license")
    credit: str | None = Field(default=None, description="attribution every report made with it must show")
    domains: list[Domain] = Field(min_length=1)
    grades: list[GradeBand] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, (int, float)) else value

    @field_validator("grades")
    @classmethod
    def _grades_ordered(cls, grades: list[GradeBand]) -> list[GradeBand]:
        if not grades:
            return grades
        mins = [g.min_percent for g in grades]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("grade bands must be listed from the highest min_percent down, without ties")
        if mins[-1] != 0:
            raise ValueError("the lowest grade band must start at min_percent 0")
        names = [g.grade for g in grades]
        if len(set(names)) != len(names):
            raise ValueError("duplicate grade names")
        return grades

    @model_validator(mode="after")
    def _ids_unique(self) -> "Rubric":
        seen: dict[str, str] = {}
        for kind, ident, path in self._all_ids():
            if ident in seen:
                # `path` in the context lets a YAML loader point at the duplicate's own line
                message = f"duplicate id {ident!r} ({kind}; already used by a {seen[ident]})"
                raise PydanticCustomError("duplicate_id", message.replace("{", "{{").replace("}", "}}"),
                                          {"path": path})
            seen[ident] = kind
        return self

    @model_validator(mode="after")
    def _endpoint_rubric_is_probed(self) -> "Rubric":
        if self.subject == "endpoint":
            for a, d in enumerate(self.domains):
                for b, c in enumerate(d.criteria):
                    for n, i in enumerate(c.indicators):
                        why = ("is scored from a disclosure" if i.probe is None else
                               "has a disclosure_fallback" if i.probe.disclosure_fallback is not None else None)
                        if why:
                            path = ("domains", a, "criteria", b, "indicators", n, "evidence")
                            message = (f"indicator {i.id!r} {why}; a rubric with subject endpoint is decided by "
                                       "live probes only: give every indicator a probe check and no "
                                       "disclosure_fallback")
                            raise PydanticCustomError("endpoint_disclosure", message, {"path": path})
        return self

    def _all_ids(self):
        """(kind, id, location in the rubric data) of every domain, criterion and indicator."""
        for a, d in enumerate(self.domains):
            yield "domain", d.id, ("domains", a, "id")
            for b, c in enumerate(d.criteria):
                yield "criterion", c.id, ("domains", a, "criteria", b, "id")
                for n, i in enumerate(c.indicators):
                    yield "indicator", i.id, ("domains", a, "criteria", b, "indicators", n, "id")

    @property
    def max_points(self) -> int:
        return sum(d.max_points for d in self.domains)

    def criteria(self) -> list[Criterion]:
        return [c for d in self.domains for c in d.criteria]

    def indicators(self) -> list[Indicator]:
        return [i for c in self.criteria() for i in c.indicators]

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators() if i.id == indicator_id), None)

    def grade_for(self, percent: float) -> GradeBand | None:
        for band in self.grades:
            if percent + 1e-9 >= band.min_percent:
                return band
        return None

"""A disclosure record: what a vendor has published about one model, assessed against a rubric.

Per indicator the assessor records a status, the quote it rests on, its sources and a note:
- `disclosed`      the threshold is met in full: the indicator's full points;
- `partial`        part of it: `level` names the rubric's partial-credit level;
- `not_disclosed`  nothing that meets any level: 0 points;
- `third_party`    not published by the vendor, but observed by a third party: `level` names the
                   level that observation earns (or omit it for 0 points);
- `not_assessed`   the assessor did not read a source that would decide this indicator: no points
                   either way, it lowers the card's coverage (never a finding of non-disclosure).
                   `note` must say what was not read; it takes no `level` and no `quote`.
`not_disclosed` means the sources read were checked and say nothing that meets any level.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, HttpUrl, field_validator, model_validator
from pydantic_core import PydanticCustomError

from audit.schema.base import NonEmpty, Slug, Strict

__all__ = ["DisclosureRecord", "ModelIdentity", "Price", "DeclaredFacts", "IndicatorDisclosure",
           "Source", "Assessment", "STATUSES"]

Status = Literal["disclosed", "partial", "not_disclosed", "third_party", "not_assessed"]
STATUSES: tuple[str, ...] = ("disclosed", "partial", "not_disclosed", "third_party", "not_assessed")


class Price(Strict):
    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)
    currency: str = "USD"


class ModelIdentity(Strict):
    vendor: NonEmpty
    name: NonEmpty
    api_id: str | None = None
    snapshot: str | None = None
    release_date: dt.date | None = None
    retired: dt.date | None = Field(default=None, description="when the vendor retired the model, if it has")
    modalities: list[NonEmpty] = Field(default_factory=list)
    license: str | None = None
    price: Price | None = None
    homepage: HttpUrl | None = None


class DeclaredFacts(Strict):
    """Facts as the vendor declares them; null where the vendor says nothing."""

    parameters: str | None = Field(default=None, description="e.g. '8.03B' or '405B total, 17B active'")
    parameters_total: int | None = Field(default=None, ge=1)
    parameters_active: int | None = Field(default=None, ge=1)
    architecture: str | None = None
    context_window: int | None = Field(default=None, ge=1)
    max_output_tokens: int | None = Field(default=None, ge=1)
    tokenizer: str | None = None
    vocabulary_size: int | None = Field(default=None, ge=1)
    knowledge_cutoff: dt.date | str | None = None
    training_tokens: str | None = None
    training_compute: str | None = None


class Source(Strict):
    """A cited document. `retrieved` only where the assessor retrieved the page and stands behind it;
    `snapshot` names its archived copy (sha256, see audit/sources/archive.py); `via` is the document
    the quote was actually read in, making this a secondary citation."""

    title: NonEmpty
    url: str | None = None
    retrieved: dt.date | None = None
    snapshot: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$",
                                 description="sha256 of the archived snapshot of this page")
    via: Source | None = Field(default=None, description="the document the quote was read in")

    @field_validator("url")
    @classmethod
    def _url_scheme(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip()
        lowered = value.lower()
        if lowered.startswith(("http://", "https://")):
            HttpUrl(value)  # raises on a malformed URL
        return value

    @property
    def is_link(self) -> bool:
        """Only http(s) URLs may become links in a card."""
        return bool(self.url) and self.url.lower().startswith(("http://", "https://"))


class IndicatorDisclosure(Strict):
    status: Status
    level: Slug | None = None
    quote: str | None = None
    sources: list[Source] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _level_fits_status(self) -> "IndicatorDisclosure":
        if self.status == "not_assessed":
            # `field` in the context lets a YAML loader point at (or under) the entry's own field
            if self.level or self.quote:
                field = "level" if self.level else "quote"
                raise PydanticCustomError(
                    "not_assessed_evidence", f"status 'not_assessed' takes no `{field}`: nothing was read that "
                    "decides the indicator (record what was read as `not_disclosed` or the level it meets)",
                    {"field": field})
            if not (self.note or "").strip():
                raise PydanticCustomError(
                    "not_assessed_note", "status 'not_assessed' needs a `note` saying which source that would "
                    "decide this indicator was not read", {"field": "note"})
            return self
        if self.status == "partial" and not self.level:
            raise ValueError("status 'partial' needs `level`: the rubric's partial-credit level it meets")
        if self.status in ("disclosed", "not_disclosed") and self.level:
            raise ValueError(f"status {self.status!r} takes no `level` (it earns "
                             f"{'full' if self.status == 'disclosed' else 'no'} points)")
        return self


class Assessment(Strict):
    assessor: str | None = None
    date: dt.date | None = None
    audit_note: str | None = None


class DisclosureRecord(Strict):
    rubric: Slug = Field(description="id of the rubric this record is assessed against")
    model: ModelIdentity
    declared: DeclaredFacts = Field(default_factory=DeclaredFacts)
    assessment: Assessment = Field(default_factory=Assessment)
    provenance: str | None = Field(default=None, description="where this record came from (e.g. an import)")
    indicators: dict[Slug, IndicatorDisclosure]

    @property
    def slug(self) -> str:
        return f"{self.model.vendor}-{self.model.name}".lower().replace(" ", "-")

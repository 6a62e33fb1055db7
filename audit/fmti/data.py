"""The FMTI facts the tool relies on, read from YAML under data/fmti/ and validated.

- `editions.yaml`   each edition: rubric, date, developers' flagship models and spellings,
                    published totals;
- `rubrics.yaml`    how each FMTI indicator list becomes a rubric, with the other spellings of
                    indicator names found in the FMTI files;
- `reproduce.yaml`  the shared files `audit fmti reproduce` checks.

Each file is read once per process while unchanged; a bad file is an InputError naming the file,
line and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from audit.core.content import content_dir
from audit.core.errors import InputError, Problem
from audit.core.yamlio import LineMap, format_path, load_yaml, validate_model
from audit.fmti import CREDIT
from audit.schema.base import NonEmpty, Slug, Strict
from audit.scoring.names import norm_name

__all__ = ["Edition", "EditionsFile", "RubricSpec", "RubricsFile", "ReproduceSource", "ReproduceFile",
           "DataFile", "data_path", "load_editions", "load_rubric_specs", "load_reproduce_sources"]

M = TypeVar("M", bound=BaseModel)


def _unique(items: list, what: str, key: str = "id") -> None:
    seen: set[str] = set()
    for n, item in enumerate(items):
        ident = getattr(item, key)
        if ident in seen:
            raise PydanticCustomError("duplicate_id", f"duplicate {what} {ident!r}".replace("{", "{{")
                                      .replace("}", "}}"), {"path": (what + "s", n, key)})
        seen.add(ident)


class Edition(Strict):
    """One FMTI edition; developers are judged on the flagship model named here."""

    id: NonEmpty                                   # "2023", "2024", "2025"
    label: NonEmpty                                # "October 2023"
    rubric: Slug
    date: dt.date | None = None
    flagships: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)           # developer → model
    developer_aliases: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)   # other spelling → developer
    published_totals: dict[NonEmpty, int] = Field(default_factory=dict)         # developer → points

    @property
    def credit(self) -> str:
        return f"{CREDIT}, {self.label} edition (CC-BY 4.0)"

    def developer(self, raw: str) -> str:
        """The edition's own spelling of a developer name, else the name as given (tidied)."""
        key = norm_name(raw)
        for name in self.flagships:
            if norm_name(name) == key:
                return name
        for alias, name in self.developer_aliases.items():
            if norm_name(alias) == key:
                return name
        return " ".join(raw.replace("_", " ").split())

    def flagship(self, developer: str) -> str:
        return self.flagships.get(developer) or f"{developer} flagship (FMTI {self.id})"


class EditionsFile(Strict):
    editions: list[Edition] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> "EditionsFile":
        _unique(self.editions, "edition")
        return self


class RubricSpec(Strict):
    """How one FMTI indicator CSV becomes a rubric."""

    id: Slug
    version: NonEmpty
    title: NonEmpty
    csv: NonEmpty            # path inside the FMTI data folder
    editions: NonEmpty       # the editions that use this indicator set, in words
    description: NonEmpty
    aliases: dict[NonEmpty, list[NonEmpty]] = Field(
        default_factory=dict, description="indicator name in the CSV → other spellings in FMTI files")


class RubricsFile(Strict):
    upstream: NonEmpty
    domain_descriptions: dict[Slug, NonEmpty] = Field(default_factory=dict)
    rubrics: list[RubricSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> "RubricsFile":
        _unique(self.rubrics, "rubric")
        return self


class ReproduceSource(Strict):
    name: NonEmpty           # "2024 reports"
    edition: NonEmpty
    files: list[NonEmpty] = Field(min_length=1)   # glob patterns inside the FMTI data folder

    @property
    def is_reports(self) -> bool:
        """Per-developer report files (one record each), not a wide score file."""
        return self.name.endswith("reports")


class ReproduceFile(Strict):
    sources: list[ReproduceSource] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_unique(self) -> "ReproduceFile":
        _unique(self.sources, "source", "name")
        return self


@dataclass(frozen=True)
class DataFile(Generic[M]):
    """A validated data file, with where each value came from for later cross-checks."""

    path: Path
    lines: LineMap
    model: M

    def problem(self, message: str, *field: Any) -> Problem:
        return Problem(str(self.path), message, self.lines.line_of(field), format_path(field))


def data_path(name: str) -> Path:
    return content_dir("data") / "fmti" / name


def _load(model: type[M], path: Path) -> DataFile[M]:
    try:
        stat = path.stat()
    except OSError:
        stat = None
    return _cached(model, path, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)


@lru_cache(maxsize=16)
def _cached(model: type[M], path: Path, _mtime_ns: int, _size: int) -> DataFile[M]:
    data, lines = load_yaml(path)
    return DataFile(path, lines, validate_model(model, data, lines, str(path)))


def load_editions(path: Path | None = None) -> DataFile[EditionsFile]:
    return _load(EditionsFile, path or data_path("editions.yaml"))


def load_rubric_specs(path: Path | None = None) -> DataFile[RubricsFile]:
    """The rubric specs; each edition's rubric must be one of them (checked against editions.yaml)."""
    loaded = _load(RubricsFile, path or data_path("rubrics.yaml"))
    if path is None:
        _check_edition_rubrics({spec.id for spec in loaded.model.rubrics})
    return loaded


def load_reproduce_sources(path: Path | None = None) -> DataFile[ReproduceFile]:
    """The reproduce sources; each names a known edition."""
    loaded = _load(ReproduceFile, path or data_path("reproduce.yaml"))
    known = {e.id for e in load_editions().model.editions}
    problems = [loaded.problem(f"unknown FMTI edition {s.edition!r} (known: {', '.join(sorted(known))})",
                               "sources", n, "edition")
                for n, s in enumerate(loaded.model.sources) if s.edition not in known]
    if problems:
        raise InputError(problems)
    return loaded


def _check_edition_rubrics(rubric_ids: set[str]) -> None:
    editions = load_editions()
    problems = [editions.problem(f"rubric {e.rubric!r} is not in {data_path('rubrics.yaml')}",
                                 "editions", n, "rubric")
                for n, e in enumerate(editions.model.editions) if e.rubric not in rubric_ids]
    if problems:
        raise InputError(problems)

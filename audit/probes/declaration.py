"""A probe kind's declaration (its folder's def.yaml): its name, what it is for, and the checks it emits.

Each check has the title the card shows and the schema of its `Finding.values`: the keys a finding
of that check may carry, each with a type. Keys under the kind's own `values` may appear on every
check's findings. Types:

    str, int, float, bool, list, dict   the JSON value (a float also takes an integer)
    rate                                a Wilson rate written as five keys: <key> (float), <key>_ci_low,
                                        <key>_ci_high (float, null when n = 0), <key>_n and <key>_k (int) —
                                        see audit.probes.stats.Interval.as_values
    any of these with a trailing ?      may also be null

Rubric indicators name checks; `audit validate` rejects a `check:` no kind declares, and
audit.probes.evaluate turns a finding of an undeclared check into an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from audit.core.yamlio import load_yaml, validate_model
from audit.schema.base import NonEmpty, Slug, Strict
from audit.schema.finding import Finding

__all__ = ["CheckDeclaration", "KindDeclaration", "load_declaration", "value_problems"]

ValueKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
ValueType = Annotated[str, StringConstraints(pattern=r"^(str|int|float|bool|list|dict|rate)\??$")]

_JSON_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
                                            "list": (list, tuple), "dict": (dict,)}
# a rate's value and bounds are null when it has no sample (n = 0)
_RATE_PARTS = (("", "float?"), ("_ci_low", "float?"), ("_ci_high", "float?"), ("_n", "int"), ("_k", "int"))


class CheckDeclaration(Strict):
    title: NonEmpty = Field(description="the check's title on the card")
    values: dict[ValueKey, ValueType] = Field(default_factory=dict, description="keys of Finding.values")


class KindDeclaration(Strict):
    name: Slug
    description: NonEmpty = Field(description="one line: what the kind checks")
    values: dict[ValueKey, ValueType] = Field(default_factory=dict,
                                              description="keys every check's findings may carry")
    checks: dict[Slug, CheckDeclaration] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_line(self) -> "KindDeclaration":
        if "\n" in self.description.strip():
            raise ValueError("description must be one line")
        return self

    @property
    def check_names(self) -> tuple[str, ...]:
        """The declared checks, in the order def.yaml lists them (the card's order)."""
        return tuple(self.checks)

    def title(self, check: str) -> str:
        return self.checks[check].title

    def value_types(self, check: str) -> dict[str, str]:
        """Every key a finding of `check` may carry, with its type (rates expanded into their five keys)."""
        return dict(_expand({**self.values, **self.checks[check].values}))


def _expand(declared: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    for key, kind in declared.items():
        base, nullable = kind.rstrip("?"), kind.endswith("?")
        if base == "rate":
            yield from ((key + suffix, part) for suffix, part in _RATE_PARTS)
        else:
            yield key, base + ("?" if nullable else "")


def _fits(value: Any, kind: str) -> bool:
    base = kind.rstrip("?")
    if value is None:
        return kind.endswith("?")
    if isinstance(value, bool) and base != "bool":
        return False
    return isinstance(value, _JSON_TYPES[base])


def value_problems(declaration: KindDeclaration, finding: Finding) -> list[str]:
    """What in `finding` its kind's declaration does not allow: an undeclared check, or values keys
    that are not declared or do not have the declared type. [] when it fits."""
    if finding.check not in declaration.checks:
        return [f"check {finding.check!r} is not declared (declared: {', '.join(declaration.check_names)})"]
    types = declaration.value_types(finding.check)
    problems = []
    for key, value in finding.values.items():
        if key not in types:
            problems.append(f"{finding.check}: value {key!r} is not declared")
        elif not _fits(value, types[key]):
            problems.append(f"{finding.check}: value {key!r} is {type(value).__name__}, declared {types[key]}")
    return problems


def load_declaration(path: str | Path) -> KindDeclaration:
    """A def.yaml, validated (unknown keys are errors, reported with file and line)."""
    path = Path(path)
    data, lines = load_yaml(path)
    return validate_model(KindDeclaration, data, lines, str(path))

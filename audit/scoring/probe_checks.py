"""A rubric's probe-backed indicators must name a known probe kind and a check that kind declares.

The rubric schema knows no kinds (audit.schema imports nothing of ours); the kinds and their checks
come from audit.probes.registry (each kind's def.yaml). Without this a misspelt `check:` would
silently leave its indicator "not assessed" forever.
"""

from __future__ import annotations

from pathlib import Path

from audit.core.errors import InputError, Problem
from audit.core.yamlio import LineMap, format_path
from audit.probes.registry import declarations
from audit.schema.rubric import Rubric

__all__ = ["check_rubric_probes"]


def check_rubric_probes(rubric: Rubric, lines: LineMap, file: str | Path) -> None:
    """Raise InputError (file, line, field) for every indicator whose probe kind or check is unknown."""
    known = declarations()
    problems = []
    for a, domain in enumerate(rubric.domains):
        for b, criterion in enumerate(domain.criteria):
            for n, indicator in enumerate(criterion.indicators):
                evidence = indicator.probe
                if evidence is None:
                    continue
                at = ("domains", a, "criteria", b, "indicators", n, "evidence")
                decl = known.get(evidence.probe)
                if decl is None:
                    path = at + ("probe",)
                    problems.append(Problem(str(file), f"indicator {indicator.id!r}: unknown probe kind "
                                                       f"{evidence.probe!r} (known: {', '.join(sorted(known))})",
                                            lines.line_of(path), format_path(path)))
                elif evidence.check not in decl.checks:
                    path = at + ("check",)
                    problems.append(Problem(str(file), f"indicator {indicator.id!r}: probe kind {decl.name!r} "
                                                       f"declares no check {evidence.check!r} (its checks: "
                                                       f"{', '.join(decl.check_names)})",
                                            lines.line_of(path), format_path(path)))
    if problems:
        raise InputError(problems)

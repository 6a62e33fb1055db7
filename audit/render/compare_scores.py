"""Score several disclosure records under one rubric, loading that rubric once."""

from __future__ import annotations

from pathlib import Path

from ..content import load_rubric
from ..errors import InputError, Problem
from ..pipeline import score_loaded
from ..records import load_record
from ..schema.result import AuditResult

__all__ = ["expand_records", "score_records"]


def expand_records(paths: list[Path]) -> list[Path]:
    """Files as given; folders replaced by the YAML files under them, sorted."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
            if not found:
                problems.append(Problem(str(path), "folder holds no .yaml records"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), "file not found"))
    if problems:
        raise InputError(problems)
    return files


def score_records(paths: list[Path], rubric_id: str | None = None) -> list[AuditResult]:
    """Score every record with `rubric_id`, or with their common rubric when none is given."""
    loaded = [load_record(p) for p in expand_records(paths)]
    if not loaded:
        raise InputError([Problem("(arguments)", "no records given")])
    if rubric_id is None:
        rubric_ids = sorted({rec.record.rubric for rec in loaded})
        if len(rubric_ids) > 1:
            raise InputError([Problem(str(rec.path), f"written for rubric {rec.record.rubric!r}; the records "
                                                     f"mix {', '.join(rubric_ids)}: choose one with --rubric",
                                      rec.lines.line_of(("rubric",)), "rubric") for rec in loaded[:1]])
        rubric_id = rubric_ids[0]
    rubric = load_rubric(rubric_id)
    return [score_loaded(rec, rubric) for rec in loaded]

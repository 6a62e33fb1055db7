"""Gather the results a comparison shows: disclosure records scored under one rubric (loaded once),
and live audits' results as their runs scored them (a run folder, or its result.json)."""

from __future__ import annotations

from pathlib import Path

from audit.scoring.rubrics import load_rubric
from audit.core.errors import InputError, Problem
from audit.scoring.pipeline import score_loaded
from audit.scoring.records import load_record
from audit.schema.result import AuditResult
from audit.core.yamlio import load_yaml, validate_model

__all__ = ["expand_records", "load_result", "score_records"]

RESULT_FILE = "result.json"


def expand_records(paths: list[Path]) -> list[Path]:
    """Files as given; a run folder becomes its result.json; other folders become the YAML records
    and the runs' result.json files under them, sorted."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            if (path / RESULT_FILE).is_file():
                files.append(path / RESULT_FILE)
                continue
            found = sorted(p for p in path.rglob("*")
                           if p.suffix in (".yaml", ".yml") or (p.name == RESULT_FILE and p.is_file()))
            if not found:
                problems.append(Problem(str(path), "folder holds no .yaml records and no run's result.json"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), "file not found"))
    if problems:
        raise InputError(problems)
    return files


def load_result(path: Path) -> AuditResult:
    """A scored result (result.json of `audit run`, `audit drift` or `audit rescore`), checked."""
    data, lines = load_yaml(path)  # JSON is YAML: the same located errors
    return validate_model(AuditResult, data, lines, str(path))


def score_records(paths: list[Path], rubric_id: str | None = None) -> list[AuditResult]:
    """Score every record with `rubric_id`, or with the rubric the inputs share when none is given.

    Results of live audits are taken as scored; they must have been scored with that rubric.
    """
    files = expand_records(paths)
    if not files:
        raise InputError([Problem("(arguments)", "no records given")])
    results = {p: load_result(p) for p in files if p.suffix == ".json"}
    loaded = [load_record(p) for p in files if p not in results]
    if rubric_id is None:
        rubric_ids = sorted({rec.record.rubric for rec in loaded} | {r.rubric.id for r in results.values()})
        if len(rubric_ids) > 1:
            message = f"the inputs mix rubrics {', '.join(rubric_ids)}: choose one with --rubric"
            first = loaded[0] if loaded else None
            raise InputError([Problem(str(first.path), message, first.lines.line_of(("rubric",)), "rubric")
                              if first else Problem(str(files[0]), message)])
        rubric_id = rubric_ids[0]
    rubric = load_rubric(rubric_id)
    wrong = [Problem(str(p), f"scored with rubric {r.rubric.id!r}, not {rubric.rubric.id!r}; audit the model "
                             f"again with --rubric {rubric.rubric.id} to compare it", None, "rubric.id")
             for p, r in results.items() if r.rubric.id != rubric.rubric.id]
    if wrong:
        raise InputError(wrong)
    scored = {rec.path: score_loaded(rec, rubric) for rec in loaded}
    return [results[p] if p in results else scored[p] for p in files]

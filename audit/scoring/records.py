"""Load disclosure records and check them against the rubric they are written for."""

from __future__ import annotations

from pathlib import Path

from audit.core.content import file_sha256

from audit.core.errors import InputError, Problem
from audit.schema.disclosure import DisclosureRecord
from audit.schema.rubric import Rubric
from audit.core.yamlio import LineMap, load_yaml, validate_model

__all__ = ["LoadedRecord", "load_record", "check_record_fits"]


class LoadedRecord:
    """A validated disclosure record with its file, sha256 and line map (for later messages)."""

    def __init__(self, record: DisclosureRecord, path: Path, sha256: str, lines: LineMap):
        self.record = record
        self.path = path
        self.sha256 = sha256
        self.lines = lines


def load_record(path: str | Path) -> LoadedRecord:
    path = Path(path)
    data, lines = load_yaml(path)
    record = validate_model(DisclosureRecord, data, lines, str(path))
    return LoadedRecord(record, path, file_sha256(path), lines)


def check_record_fits(loaded: LoadedRecord, rubric: Rubric) -> None:
    """Raise InputError listing every way the record does not fit `rubric`."""
    record, file, lines = loaded.record, str(loaded.path), loaded.lines
    problems: list[Problem] = []
    if record.rubric != rubric.id:
        problems.append(Problem(file, f"record is written for rubric {record.rubric!r}, not {rubric.id!r}",
                                lines.line_of(("rubric",)), "rubric"))
        raise InputError(problems)
    for ind_id, entry in record.indicators.items():
        where = ("indicators", ind_id)
        indicator = rubric.indicator(ind_id)
        if indicator is None:
            problems.append(Problem(file, f"unknown indicator id {ind_id!r} (not in rubric {rubric.id})",
                                    lines.line_of(where), f"indicators.{ind_id}"))
            continue
        if entry.level is not None and indicator.level(entry.level) is None:
            known = ", ".join(lv.id for lv in indicator.levels) or "none"
            problems.append(Problem(file, f"unknown level {entry.level!r} for indicator {ind_id!r} "
                                          f"(its levels: {known})",
                                    lines.line_of(where + ("level",)), f"indicators.{ind_id}.level"))
    for indicator in rubric.indicators():
        if indicator.evidence == "disclosure" and indicator.id not in record.indicators:
            problems.append(Problem(file, f"indicator {indicator.id!r} ({indicator.title}) is not assessed; "
                                          "every disclosure indicator needs a status",
                                    lines.line_of(("indicators",)), "indicators"))
    if problems:
        raise InputError(problems)

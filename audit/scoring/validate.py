"""`audit validate`: check rubrics and disclosure records, and every record against its rubric."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit.core.content import content_dir, list_records

from audit.scoring.rubrics import LoadedRubric, list_rubrics, load_rubric, load_rubric_file
from audit.core.errors import AuditError, ContentNotFound, InputError, Problem
from audit.probes.registry import shipped_probe_files
from audit.scoring.crosswalk import crosswalk_problems
from audit.scoring.provenance import check_record_sources
from audit.scoring.records import check_record_fits, load_record
from audit.core.yamlio import load_yaml

__all__ = ["validate_paths", "ValidatedFile"]


@dataclass(frozen=True)
class ValidatedFile:
    path: Path
    kind: str
    detail: str


def _kind_of(path: Path) -> str:
    """Tell a rubric, a record, a probe and a reference-endpoint profile apart by where it lives, else by
    its top-level keys."""
    resolved = path.resolve()
    folders = ((content_dir("rubrics"), "rubric"), (content_dir("probes"), "probe"),
               (content_dir("data") / "reference", "profile"))
    for folder, kind in folders:
        try:
            resolved.relative_to(folder.resolve())
            return kind
        except ValueError:
            pass
    try:
        data, _ = load_yaml(path)
    except InputError:
        return "record"  # validated as one, so its problems are reported with every other file's
    if isinstance(data, dict):
        if "domains" in data:
            return "rubric"
        if "model" in data or "indicators" in data:
            return "record"
        if "kind" in data:
            return "probe"
        if "extends" in data or {"serving", "api", "versions", "tokenizer"} & set(data):
            return "profile"
    return "record"


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # files named _*.yaml are data (catalogs, designs), not probes, rubrics or records
            files.extend(sorted(p for p in path.rglob("*")
                                if p.suffix in (".yaml", ".yml") and not p.name.startswith("_")))
        else:
            files.append(path)
    return files


def _validate_one(path: Path, kind: str, rubrics: dict[str, LoadedRubric]) -> ValidatedFile:
    if kind == "rubric":
        loaded = load_rubric_file(path)
        problems = crosswalk_problems(loaded)
        if problems:
            raise InputError(problems)
        rubrics.setdefault(loaded.rubric.id, loaded)
        r = loaded.rubric
        return ValidatedFile(path, "rubric", f"{r.id} v{r.version}: {len(r.indicators())} indicators, "
                                             f"{r.max_points} points")
    if kind == "probe":
        from audit.probes.registry import load_probe_file
        probe = load_probe_file(path)
        return ValidatedFile(path, "probe", f"{probe.id} ({probe.kind})")
    if kind == "profile":
        from audit.reference.profile import load_profile
        profile = load_profile(path)
        return ValidatedFile(path, "profile", f"reference endpoint profile {profile.id}: {profile.description}")
    loaded = load_record(path)
    try:
        rubric = rubrics.get(loaded.record.rubric) or load_rubric(loaded.record.rubric)
    except ContentNotFound as exc:
        raise InputError([Problem(str(path), str(exc), loaded.lines.line_of(("rubric",)), "rubric")]) from None
    check_record_fits(loaded, rubric.rubric)
    check_record_sources(loaded)  # snapshots exist and match; quotes appear in them
    m = loaded.record.model
    return ValidatedFile(path, "record", f"{m.vendor} {m.name} against {rubric.rubric.id}")


def _shipped_profiles() -> list[Path]:
    from audit.reference.profile import list_profiles
    return list_profiles()


def validate_paths(paths: list[Path] | None = None) -> list[ValidatedFile]:
    """Validate the given files and folders, or everything shipped; raise with every problem found."""
    if paths:
        files = _expand(paths)
        missing = [p for p in files if not p.exists()]
        if missing:
            raise InputError([Problem(str(p), "file not found") for p in missing])
        work = [(p, _kind_of(p)) for p in files]
    else:
        work = ([(p, "rubric") for p in list_rubrics()]
                + [(p, "probe") for p in shipped_probe_files()]
                + [(p, "record") for p in list_records()] + [(p, "profile") for p in _shipped_profiles()])
    work.sort(key=lambda item: item[1] != "rubric")  # rubrics first: records given beside them use them
    rubrics: dict[str, LoadedRubric] = {}
    done: list[ValidatedFile] = []
    problems: list[Problem] = []
    for path, kind in work:
        try:
            done.append(_validate_one(path, kind, rubrics))
        except InputError as exc:
            problems.extend(exc.problems)
        except AuditError as exc:
            problems.append(Problem(str(path), str(exc)))
    if problems:
        raise InputError(problems)
    return done

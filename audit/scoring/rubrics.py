"""Rubrics: find a shipped rubric by id (or a file by path), load and validate it, cache it while unchanged."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from audit.core.content import content_dir, file_sha256
from audit.core.errors import ContentNotFound, InputError
from audit.core.yamlio import load_yaml, validate_model
from audit.scoring.probe_checks import check_rubric_probes
from audit.schema.rubric import Rubric

__all__ = ["LoadedRubric", "rubric_path", "load_rubric", "load_rubric_file", "list_rubrics"]


class LoadedRubric:
    """A validated rubric with the file it came from and that file's sha256."""

    def __init__(self, rubric: Rubric, path: Path, sha256: str):
        self.rubric = rubric
        self.path = path
        self.sha256 = sha256


def rubric_path(rubric_id: str) -> Path:
    """The file of a shipped rubric, by id, or a path given directly."""
    direct = Path(rubric_id)
    if direct.suffix in (".yaml", ".yml") and direct.is_file():
        return direct
    candidate = content_dir("rubrics") / f"{rubric_id}.yaml"
    if candidate.is_file():
        return candidate
    known = ", ".join(p.stem for p in list_rubrics()) or "none"
    raise ContentNotFound(f"no rubric {rubric_id!r} (shipped rubrics: {known})")


def load_rubric_file(path: str | Path) -> LoadedRubric:
    """Load and validate a rubric file; cached while the file is unchanged (FMTI rubrics are large)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return _read_rubric(path)  # reports the unreadable file
    return _cached_rubric(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _cached_rubric(path: Path, mtime_ns: int, size: int) -> LoadedRubric:
    return _read_rubric(path)


def _read_rubric(path: Path) -> LoadedRubric:
    data, lines = load_yaml(path)
    rubric = validate_model(Rubric, data, lines, str(path))
    check_rubric_probes(rubric, lines, path)  # every probe kind and check is one the kinds declare
    if rubric.id != path.stem and path.parent.resolve() == content_dir("rubrics").resolve():
        raise InputError.single(path, f"rubric id {rubric.id!r} differs from its file name {path.stem!r}",
                                lines.line_of(("id",)), "id")
    return LoadedRubric(rubric, path, file_sha256(path))


def load_rubric(rubric_id: str) -> LoadedRubric:
    return load_rubric_file(rubric_path(rubric_id))


def list_rubrics() -> list[Path]:
    return sorted(content_dir("rubrics").glob("*.yaml"))

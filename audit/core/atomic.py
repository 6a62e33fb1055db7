"""Write output files atomically: a temporary file in the same folder, then os.replace.

`write_all_atomic` writes several files all or nothing: every temporary file is written and
fsync'd first (a full disk fails here, before any file appears); only then are they renamed into
place, and should a rename fail the files already renamed are put back as they were (removed, or
the earlier version restored) and the folders it created are removed again.

File modes: outputs meant to be read and shared (cards, result.json, records, rubrics) are
created like any file, 0666 less the umask (0644 usually); `private=True` makes a file 0600, for
raw evidence that keeps whole server replies (evidence.jsonl, baseline.jsonl). No file holds the
API key either way (see audit/providers/redact.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from audit.core.errors import OutputError

__all__ = ["write_bytes_atomic", "write_text_atomic", "write_all_atomic", "public_mode", "PRIVATE_MODE"]

PRIVATE_MODE = 0o600


def public_mode() -> int:
    """0666 less the process umask: the mode `open()` would give a new file."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it by setting it back at once
    os.umask(mask)
    return 0o666 & ~mask


def _fail(path: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {path}: {exc.strerror or exc}")


def _make_parents(folder: Path, created: list[Path]) -> None:
    """mkdir -p `folder`, remembering each folder it made (outermost first)."""
    missing = []
    for parent in (folder, *folder.parents):
        if parent.is_dir():
            break
        missing.append(parent)
    for parent in reversed(missing):
        try:
            parent.mkdir()
        except FileExistsError:
            if not parent.is_dir():
                raise
            continue
        created.append(parent)


def _stage(path: Path, data: bytes, mode: int) -> Path:
    """`data` in a fsync'd temporary file beside `path`; returns its path."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_bytes_atomic(path: str | Path, data: bytes, *, private: bool = False) -> Path:
    return write_all_atomic({Path(path): data}, private=private)[0]


def write_text_atomic(path: str | Path, text: str, *, private: bool = False) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), private=private)


def write_all_atomic(files: dict[Path, bytes | str], *, private: bool = False) -> list[Path]:
    """Write several files all or nothing (see the module docstring); returns their paths in order."""
    mode = PRIVATE_MODE if private else public_mode()
    paths = [Path(p) for p in files]
    created: list[Path] = []
    staged: dict[Path, Path] = {}
    saved: dict[Path, Path] = {}  # an earlier version, hard-linked aside until every rename is done
    placed: list[Path] = []
    current = paths[0] if paths else Path(".")
    try:
        for path, data in zip(paths, files.values()):
            current = path
            _make_parents(path.parent, created)
            if path.is_dir():
                raise IsADirectoryError(21, "Is a directory", str(path))
            payload = data.encode("utf-8") if isinstance(data, str) else data
            staged[path] = _stage(path, payload, mode)
        for path in paths:
            current = path
            if path.exists():
                backup = staged[path].with_suffix(".old")
                try:
                    os.link(path, backup)
                    saved[path] = backup
                except OSError:
                    pass  # no hard links here: a failed rename later cannot restore this one
            os.replace(staged[path], path)
            del staged[path]
            placed.append(path)
    except OSError as exc:
        _undo(placed, saved, staged, created)
        raise _fail(current, exc) from None
    except BaseException:
        _undo(placed, saved, staged, created)
        raise
    for backup in saved.values():
        backup.unlink(missing_ok=True)
    return paths


def _undo(placed: list[Path], saved: dict[Path, Path], staged: dict[Path, Path], created: list[Path]) -> None:
    """Put back what a failed write_all_atomic changed, as far as the disk lets us."""
    for tmp in staged.values():
        tmp.unlink(missing_ok=True)
    for path in reversed(placed):
        try:
            if path in saved:
                os.replace(saved.pop(path), path)
            else:
                path.unlink(missing_ok=True)
        except OSError:
            pass
    for backup in saved.values():
        backup.unlink(missing_ok=True)
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            pass

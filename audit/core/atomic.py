"""Write output files atomically: a temporary file in the same folder, then os.replace."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from audit.core.errors import OutputError

__all__ = ["write_bytes_atomic", "write_text_atomic", "write_all_atomic"]


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_all_atomic(files: dict[Path, bytes | str]) -> list[Path]:
    """Write several files, each atomically, only after all their contents exist in memory."""
    written = []
    for path, data in files.items():
        payload = data.encode("utf-8") if isinstance(data, str) else data
        written.append(write_bytes_atomic(path, payload))
    return written

"""The run's evidence file: JSON Lines, one Exchange per line, appended and fsync'd as each call ends.

A process killed mid-write (even by SIGKILL) can leave at most a torn last line: loading skips
it, and opening for append cuts it off first, so the file stays one valid Exchange per line.
A call may appear more than once (a transient failure, then a success on resume); the latest
line for an id wins.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from audit.core.errors import InputError, OutputError, Problem
from audit.providers.redact import REDACTED, Redactor
from audit.providers.retry import is_retryable_status
from audit.schema.evidence import Exchange

__all__ = ["EvidenceLog", "latest", "has_response", "scrub", "evidence_sha256", "REDACTED"]


class EvidenceLog:
    """Append-only JSONL of exchanges."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._fd: int | None = None
        self._write_lock = threading.Lock()

    def load(self) -> list[Exchange]:
        """Every complete line as an Exchange, in file order; a torn last line is ignored."""
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        exchanges = []
        for number, line in enumerate(complete.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                exchanges.append(Exchange.model_validate_json(line))
            except ValidationError as exc:
                raise InputError([Problem(str(self.path), f"not a valid exchange: {exc.errors()[0]['msg']}",
                                          number)]) from None
        return exchanges

    def open(self) -> "EvidenceLog":
        """Open for appending, first cutting off a torn last line."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                data = self.path.read_bytes()
                keep = data.rfind(b"\n") + 1
                if keep != len(data):
                    os.truncate(self.path, keep)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # raw replies: private
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return self

    def append(self, exchange: Exchange) -> None:
        """Write one exchange as one line and make it durable before returning.

        Safe to call from several threads: lines never interleave, and concurrent callers share
        fsyncs (an fsync makes every line written before it durable).
        """
        if self._fd is None:
            self.open()
        line = exchange.model_dump_json().encode("utf-8") + b"\n"
        try:
            with self._write_lock:
                written = os.write(self._fd, line)
                while written < len(line):
                    written += os.write(self._fd, line[written:])
            os.fsync(self._fd)
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "EvidenceLog":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def latest(exchanges: Iterable[Exchange]) -> dict[str, Exchange]:
    """The last recorded exchange per id."""
    out: dict[str, Exchange] = {}
    for exchange in exchanges:
        out.pop(exchange.id, None)
        out[exchange.id] = exchange
    return out


def has_response(exchange: Exchange) -> bool:
    """True when the call needs no resending: it succeeded, was refused for good, or cannot be sent."""
    if exchange.ok:
        return True
    if exchange.status is not None:
        return not is_retryable_status(exchange.status) and not 200 <= exchange.status < 300
    return exchange.attempts == 0


def scrub(value: Any, secrets: Iterable[str]) -> Any:
    """`value` with every occurrence of each secret replaced (any case, percent-, HTML- or
    JSON-escaped), through nested dicts and lists."""
    redactor = Redactor(secrets)
    return redactor.data(value) if redactor else value


def evidence_sha256(path: str | Path) -> str | None:
    path = Path(path)
    if not path.exists():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()

"""The project's exception tree.

    AuditError                 base of every error the CLI reports without a traceback
    ├── InputError             bad user input: one or more Problems (file, line, field, message)
    ├── ContentNotFound        a rubric, record or template that was asked for does not exist
    └── OutputError            an output could not be written

The CLI prints each Problem on its own line and exits 2; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["AuditError", "InputError", "ContentNotFound", "OutputError", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, located as precisely as we can."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts) + f": {self.message}"


class AuditError(Exception):
    """Base of errors reported to the user as a message, never a traceback."""

    exit_code = 2

    def messages(self) -> list[str]:
        return [str(self)]


class InputError(AuditError):
    """Bad input: carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def messages(self) -> list[str]:
        return [str(p) for p in self.problems]

    @classmethod
    def single(cls, file: str | Path, message: str, line: int | None = None,
               field: str | None = None) -> "InputError":
        return cls([Problem(str(file), message, line, field)])


class ContentNotFound(AuditError):
    """A named rubric, record, probe or template is not where we looked."""


class OutputError(AuditError):
    """An output file or folder could not be written."""

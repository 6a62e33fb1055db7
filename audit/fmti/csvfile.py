"""Read an FMTI CSV file as a header and rows, each row with the line it starts on.

The real files start with a UTF-8 byte-order mark, have cells spanning several lines and
sometimes a stray blank row; rows that are entirely blank are dropped here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from audit.core.errors import InputError, Problem

__all__ = ["CsvTable", "CsvRow", "read_csv", "norm_header"]


@dataclass(frozen=True)
class CsvRow:
    line: int
    cells: tuple[str, ...]

    def get(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]


@dataclass(frozen=True)
class CsvTable:
    path: Path
    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]

    def column(self, name: str) -> int | None:
        """Index of the column called `name` (case and surrounding spaces ignored)."""
        wanted = norm_header(name)
        for index, cell in enumerate(self.header):
            if norm_header(cell) == wanted:
                return index
        return None

    def problem(self, message: str, line: int | None = None, column: str | None = None,
                field: str | None = None) -> Problem:
        return Problem(str(self.path), message, line, field, column)


def norm_header(cell: str) -> str:
    return " ".join(cell.split()).lower()


def read_csv(path: str | Path) -> CsvTable:
    """Parse `path`; raise InputError for a missing, unreadable, malformed or empty file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(str(path), "file not found")]) from None
    except IsADirectoryError:
        raise InputError([Problem(str(path), "is a folder, not a CSV file")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(str(path), f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise InputError([Problem(str(path), f"cannot read file: {exc.strerror or exc}")]) from None
    if not text.strip():
        raise InputError([Problem(str(path), "file is empty")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[CsvRow] = []
    start = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append(CsvRow(start, tuple(cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError([Problem(str(path), f"malformed CSV: {exc}", start)]) from None
    if not rows:
        raise InputError([Problem(str(path), "file is empty")])
    header, body = rows[0], rows[1:]
    if not body:
        raise InputError([Problem(str(path), "file has a header row but no data rows", header.line)])
    return CsvTable(path, tuple(c.strip() for c in header.cells), tuple(body))

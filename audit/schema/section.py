"""View data a probe kind contributes to a card: a `Section` (its template partial and data) and `CheckRow`s.

Plain data with display-ready strings, so probe kinds build their card sections without importing the
renderer, and the renderer places them without knowing any kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Section", "CheckRow", "OUTCOME_LABELS"]

OUTCOME_LABELS = {"pass": "Pass", "partial": "Partial", "fail": "Fail", "not_available": "Not available",
                  "error": "Error"}
_PARTIAL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.html$")


@dataclass
class Section:
    """An extra section contributed by a probe renderer; `partial` is a file in templates/sections/."""

    title: str
    partial: str
    data: Any = None
    anchor: str = ""  # empty: the renderer makes it "section-<title as a slug>"
    covers: tuple[str, ...] = ()  # probe ids whose findings this section presents in full

    def __post_init__(self) -> None:
        if not _PARTIAL_NAME.match(self.partial):
            raise ValueError(f"section partial {self.partial!r} must be a plain file name ending in .html")


@dataclass(frozen=True)
class CheckRow:
    """One row per probe check (identity, tokenizer sections): read by sections/check-table.html and Markdown."""

    check: str
    title: str
    outcome: str
    outcome_label: str
    measure: str  # "94% (95% CI 87–97%), n = 82"
    message: str

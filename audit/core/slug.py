"""One slug function for ids, anchors, run ids and file names.

`slugify` lower-cases the text (first folding accents to ASCII when `ascii_only`), turns every run
of characters outside ``a-z0-9`` and `keep` into one "-", trims "-" and `keep` characters from
both ends, cuts to `max_length` (trimming again), and returns `fallback` when nothing is left.
The callers differ only in these parameters; their outputs (rubric ids, card file names, HTML
anchors, run ids) are kept byte for byte.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable

__all__ = ["slugify"]


@lru_cache(maxsize=8)
def _outside(keep: str) -> re.Pattern[str]:
    return re.compile(f"[^a-z0-9{re.escape(keep)}]+")


def slugify(text: str, *, keep: str = "", ascii_only: bool = True, max_length: int | None = None,
            fallback: str | Callable[[str], str] = "x") -> str:
    """`text` as a slug; `fallback` (a string, or a function of `text`) when the slug would be empty."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() if ascii_only else text
    trim = "-" + keep
    slug = _outside(keep).sub("-", folded.lower()).strip(trim)
    if max_length is not None:
        slug = slug[:max_length].rstrip(trim)
    if slug:
        return slug
    return fallback(text) if callable(fallback) else fallback

"""Untrusted text into Markdown (GitHub flavoured): prose, code spans and link targets.

Record fields, model output, vendor quotes, URLs and what a server reports (its model name,
fingerprint) go into the .md card and the `audit drift --summary` file meant for a CI comment.
Each helper returns text on one line that cannot open markup: no emphasis, code span, link,
image, raw HTML, entity, table cell break, heading, list or quote, and no control character.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from audit.core.controls import strip_controls

__all__ = ["md_escape", "md_code", "md_url"]

_INLINE = re.compile(r"([\\`*_\[\]<>|~]|&(?=[#A-Za-z0-9]))")  # emphasis, code, links (images too), HTML, cells, entities
_BLOCK_MARK = re.compile(r"^([#+=>-])")  # would start a heading, list item or quote
_ORDERED_MARK = re.compile(r"^(\d+)([.)])(?=\s|$)")  # "1. " would start an ordered list
_URL_SAFE = ":/?#@$&*+,;=%-._~'!"  # everything else ( ) [ ] < > space " ` \ | and controls is percent-encoded


def _one_line(text: object) -> str:
    return " ".join(strip_controls(str(text)).split())


def md_escape(text: object) -> str:
    """Plain text safe inside Markdown prose and table cells, on one line."""
    escaped = _INLINE.sub(r"\\\1", _one_line(text))
    return _ORDERED_MARK.sub(r"\1\\\2", _BLOCK_MARK.sub(r"\\\1", escaped))


def md_code(text: object, *, cell: bool = False) -> str:
    """`text` as an inline code span on one line (backticks dropped); `cell`: inside a table row,
    where GitHub splits cells at a pipe even in a code span unless it is written \\|."""
    inner = _one_line(_one_line(text).replace("`", ""))
    if cell:
        inner = inner.replace("|", "\\|")
    return f"`{inner}`" if inner else "`-`"


def md_url(url: str) -> str | None:
    """An http(s) URL fit for a link target `(...)`, percent-encoded; None for any other scheme."""
    cleaned = strip_controls(url).strip()
    if not re.match(r"(?i)https?://", cleaned):
        return None
    return quote(cleaned, safe=_URL_SAFE)

"""Control characters out of text meant for a terminal or a Markdown file.

Record fields and what a server sends (its model name, fingerprint, error text) may carry ESC
sequences or other C0/C1 control characters that would recolour, retitle or rewrite a terminal.
"""

from __future__ import annotations

import re

__all__ = ["strip_controls"]

# C0 controls except tab and newline, DEL, C1 controls; plus the bidi overrides that reorder a line.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str, *, keep_newlines: bool = True) -> str:
    """`text` without control characters (tab and, unless told otherwise, newline are kept)."""
    text = _CONTROLS.sub("", text)
    return text if keep_newlines else text.replace("\n", " ")

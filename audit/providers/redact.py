"""Redact secrets (the API key) from whatever a server sent back, in every spelling it may use.

A hostile or careless server may echo the key it was sent: as is, upper- or lower-cased,
percent-encoded (`%73%6B...`, `+` for a space), as HTML character references (`&#115;`, `&#x73;`)
or JSON `\\u0073` escapes, or any mix of these character by character. One pattern per secret
matches every such spelling, so redaction never depends on how the echo was encoded. Redact
before any cut: a key crossing a cut would otherwise survive as a prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Redactor", "REDACTED"]

REDACTED = "[REDACTED]"


def _spellings(char: str) -> str:
    """A pattern for one character of a secret in any case and any of the encodings above."""
    code = ord(char)
    utf8 = "".join(f"%{byte:02x}" for byte in char.encode("utf-8"))
    options = [re.escape(char), re.escape(utf8), f"&#0*{code};", f"&#x0*{code:x};"]
    if char.lower() != char or char.upper() != char:  # the other case's code points too
        for other in {char.lower(), char.upper()} - {char}:
            if len(other) == 1:
                options += [re.escape("".join(f"%{b:02x}" for b in other.encode("utf-8"))),
                            f"&#0*{ord(other)};", f"&#x0*{ord(other):x};"]
                if ord(other) < 0x10000:
                    options.append(re.escape(f"\\u{ord(other):04x}"))
    if code < 0x10000:
        options.append(re.escape(f"\\u{code:04x}"))
    if char == " ":
        options.append(r"\+")
    return "(?:" + "|".join(options) + ")"


class Redactor:
    """Replaces every spelling of each secret with [REDACTED] in strings and nested JSON data."""

    def __init__(self, secrets: Iterable[str] = ()):
        self.secrets = tuple(dict.fromkeys(s for s in secrets if s))
        self._pattern = (re.compile("|".join("".join(_spellings(c) for c in s) for s in self.secrets),
                                    re.IGNORECASE) if self.secrets else None)

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(REDACTED, value)

    def data(self, value: Any) -> Any:
        """`value` with every string in it (mapping keys included) redacted, through dicts and lists."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value

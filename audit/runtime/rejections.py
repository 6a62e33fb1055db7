"""What a collector learns from HTTP 400s that name a request field, so no known rejection is paid twice.

`rejected_field` reads the field from the error body (OpenAI's `error.param`, else the message:
"Unsupported parameter: 'max_tokens' …", "Unsupported value: 'temperature' …", Anthropic's
"temperature is deprecated for this model."). Where the message names a replacement ("Use
'max_completion_tokens' instead.") and the field is the output cap, the meaning survives: the call
is adapted once and the adaptation recorded. Otherwise the field is refused from then on: calls
that carry it are not sent, and their exchange says why.

`signature` groups calls that the same rejection would hit, so a round sends one call of each
untried kind first (a scout) and the rest only after it was answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from audit.schema.evidence import ChatRequest

__all__ = ["CAP_FIELDS", "Rejections", "rejected_field", "replacement_field", "signature"]

CAP_FIELDS = ("max_tokens", "max_completion_tokens", "max_output_tokens")
# Every call carries these: a 400 naming one (OpenAI's context_length_exceeded names `messages`) is about that
# call's content, never a field to refuse from then on.
CONTENT_FIELDS = ("model", "messages", "input", "system")
_PATTERNS = (re.compile(r"Unsupported (?:parameter|value): '([\w.]+)'"),
             re.compile(r"^`?([\w.]+)`? (?:is deprecated|is not supported|is not permitted)"),
             re.compile(r"'([\w.]+)' is not supported"))
_INSTEAD = re.compile(r"Use '([\w.]+)' instead")


def _error(body: Any) -> dict:
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def rejected_field(body: Any) -> str | None:
    """The request field a 400 body says was refused, or None."""
    error = _error(body)
    if isinstance(error.get("param"), str) and error["param"]:
        return error["param"]
    message = error.get("message")
    if not isinstance(message, str):
        return None
    for pattern in _PATTERNS:
        if found := pattern.search(message):
            return found.group(1)
    return None


def replacement_field(body: Any) -> str | None:
    """The field the error says to use instead, or None."""
    message = _error(body).get("message")
    found = _INSTEAD.search(message) if isinstance(message, str) else None
    return found.group(1) if found else None


def signature(request: ChatRequest) -> tuple:
    """What a field rejection depends on: the operation and the optional fields (sampling with values)."""
    return (request.op, request.stream, request.temperature, request.top_p, request.seed is not None,
            request.max_tokens is not None, bool(request.tools), request.tool_choice is not None,
            request.reasoning_effort)


@dataclass
class Rejections:
    """Per endpoint: fields renamed after a 400 (old -> new, with the note) and fields refused."""

    renamed: dict[str, tuple[str, str]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    answered: set[tuple] = field(default_factory=set)

    def apply(self, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The body with learned renames applied, and the notes of those applied."""
        notes = []
        for old, (new, note) in self.renamed.items():
            if old in body:
                body = {(new if k == old else k): v for k, v in body.items()}
                notes.append(note)
        return body, notes

    def drop(self, body: dict[str, Any], droppable: frozenset[str]) -> tuple[dict[str, Any], list[str]]:
        """The body without refused fields the call may go without, and the notes of those dropped."""
        gone = [name for name in self.refused if name in body and name in droppable]
        notes = [f"{name} left out: refused earlier ({self.refused[name]})" for name in gone]
        return {k: v for k, v in body.items() if k not in gone}, notes

    def blocked(self, body: dict[str, Any]) -> str | None:
        """Why a body must not be sent (it carries a field already refused), or None."""
        for name, reason in self.refused.items():
            if name in body:
                return f"not sent: the server refused {name!r} earlier ({reason})"
        return None

    def learn(self, body: Any, sent: dict[str, Any], where: str) -> str | None:
        """Record what a 400 says; return the replacement cap field when the call may be adapted once."""
        name = rejected_field(body)
        if name is None or name not in sent or name in CONTENT_FIELDS:
            return None
        instead = replacement_field(body)
        message = _error(body).get("message") or "HTTP 400"
        if name in CAP_FIELDS and instead in CAP_FIELDS and instead not in sent:
            self.renamed.setdefault(name, (instead, f"cap field {name} -> {instead} after HTTP 400 on {where}: "
                                                    f"{message}"))
            return instead
        self.refused.setdefault(name, f"{where}: {message}")
        return None

"""What the dialects share about function tools: the offered tool choice read one way, call arguments kept
as text, and streamed call fragments assembled into `ToolCall`s.

Every dialect records calls in the shape Chat Completions gives them (`ToolCall`: id, name, the arguments
as the JSON text the server sent), so the serving probe's tool checks read Chat, Responses and Messages
answers alike (audit/probes/serving/tools.py).
"""

from __future__ import annotations

import json
from typing import Any

from audit.schema.evidence import ToolCall

__all__ = ["FORCED", "arguments_text", "CallParts"]

FORCED = ("auto", "none", "required")  # the tool_choice words; anything else names one tool


def arguments_text(value: Any) -> str:
    """A call's arguments as text: the server's own string as sent (it may not be JSON), an object or
    other value as its JSON text, nothing as ''."""
    if isinstance(value, str):
        return value
    return "" if value is None else json.dumps(value, ensure_ascii=False)


class CallParts:
    """Streamed function calls, keyed by the dialect's slot (an output or block index): the head
    fragment gives id and name, later fragments pieces of the arguments text, in arrival order."""

    def __init__(self) -> None:
        self._slots: dict[Any, dict[str, Any]] = {}

    def start(self, key: Any, call_id: Any, name: Any, arguments: Any = None) -> None:
        slot = self._slots.setdefault(key, {"id": None, "name": None, "arguments": []})
        if isinstance(call_id, str) and call_id:
            slot["id"] = call_id
        if isinstance(name, str) and name:
            slot["name"] = name
        if isinstance(arguments, str) and arguments:
            slot["arguments"].append(arguments)

    def add(self, key: Any, piece: Any) -> None:
        """A piece of arguments text for a started slot (pieces for slots never started are dropped: they
        belong to no call)."""
        if key in self._slots and isinstance(piece, str):
            self._slots[key]["arguments"].append(piece)

    def finish(self, key: Any, whole: Any) -> None:
        """The whole arguments text a closing event may repeat: used only when no piece came before it."""
        if key in self._slots and not self._slots[key]["arguments"] and isinstance(whole, str):
            self._slots[key]["arguments"].append(whole)

    def __contains__(self, key: Any) -> bool:
        return key in self._slots

    def calls(self) -> tuple[ToolCall, ...] | None:
        if not self._slots:
            return None
        return tuple(ToolCall(id=s["id"], name=s["name"], arguments="".join(s["arguments"]))
                     for s in self._slots.values())

"""Function tools on the Responses and Messages dialects of the reference endpoint: requests' `tools` and
`tool_choice` read into the one form the serving behaviour takes (audit.reference.serving.tool_calls:
tools as {name, description, parameters}, the choice as "auto" / "none" / "required" or
{"type": "function", "function": {"name"}}, as Chat Completions sends it), and the calls it makes written
back in each dialect's own shapes, plain and streamed.

Responses (the shapes audit/providers/responses.py reads, with the pages it cites): flat function tools
`{"type": "function", name, description, parameters}`; `tool_choice` "auto" / "none" / "required" or
`{"type": "function", "name"}`; calls are `function_call` output items (`id`, `call_id`, `name`,
`arguments` as a JSON string, `status`); streamed as `response.output_item.added`, argument pieces in
`response.function_call_arguments.delta`, then `.done` and `response.output_item.done`.

Messages (docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use, and
platform.claude.com/docs/en/build-with-claude/streaming): tools `{name, description, input_schema}`;
`tool_choice` `{"type": "auto" | "any" | "tool" (with `name`) | "none"}` ("any": one of the tools must be
used); calls are `tool_use` content blocks (`id`, `name`, `input` object) ending with `stop_reason:
"tool_use"`; streamed as a `content_block_start` of the tool_use block and `input_json_delta` pieces of
its input's JSON text. A call whose arguments are not JSON (the malformed-arguments fault) has no object
to put in `input`: it is sent as the string, a broken gateway's translation of a Chat call.
"""

from __future__ import annotations

import json
from typing import Any

from audit.reference.replies import Reply
from audit.reference.wire import BadRequest, tool_list

__all__ = ["responses_tools", "anthropic_tools", "responses_with_calls", "responses_events_with_calls",
           "anthropic_with_calls", "anthropic_events_with_calls"]

_PIECE = 8  # characters of arguments text per streamed piece (as the Chat stream does)


def _named(name: Any) -> dict:
    if not isinstance(name, str) or not name:
        raise BadRequest("tool_choice: a named choice needs the tool's name")
    return {"type": "function", "function": {"name": name}}


def responses_tools(body: dict) -> dict:
    """{tools, tool_choice} of a Responses request."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        if choice.get("type") != "function":
            raise BadRequest("tool_choice: must be auto, none, required or {type: function, name}")
        choice = _named(choice.get("name"))
    elif choice is not None and choice not in ("auto", "none", "required"):
        raise BadRequest("tool_choice: must be auto, none, required or {type: function, name}")
    tools = tool_list(body.get("tools"), lambda tool: tool if tool.get("type") == "function" else None,
                      "parameters", "parameters", "{type: function, name, parameters}")
    return {"tools": tools, "tool_choice": choice}


def anthropic_tools(body: dict) -> dict:
    """{tools, tool_choice} of a Messages request ("any" is Chat's "required")."""
    raw = body.get("tool_choice")
    choice = None
    if raw is not None:
        kind = raw.get("type") if isinstance(raw, dict) else None
        if kind not in ("auto", "any", "tool", "none"):
            raise BadRequest("tool_choice.type: must be one of auto, any, tool, none")
        choice = _named(raw.get("name")) if kind == "tool" else {"any": "required"}.get(kind, kind)
    tools = tool_list(body.get("tools"), lambda tool: tool, "input_schema", "input_schema", "{name, input_schema}")
    return {"tools": tools, "tool_choice": choice}


def _calls(reply: Reply) -> list[dict]:
    return list(reply.extra.get("tool_calls") or [])


def _pieces(text: str) -> list[str]:
    return [text[i:i + _PIECE] for i in range(0, len(text), _PIECE)]


def _item(call: dict) -> dict:
    return {"type": "function_call", "id": "fc_" + call["id"].removeprefix("call_"), "call_id": call["id"],
            "name": call["name"], "arguments": call["arguments"], "status": "completed"}


def responses_with_calls(body: dict, reply: Reply) -> dict:
    """The Response with the reply's calls appended as function_call output items."""
    if not _calls(reply):
        return body
    return {**body, "output": [*body["output"], *(_item(c) for c in _calls(reply))]}


def responses_events_with_calls(events: list[dict], reply: Reply) -> list[dict]:
    """The Responses stream with each call streamed before the final event (which carries it too)."""
    calls = _calls(reply)
    if not calls:
        return events
    *head, final = events
    first = len(final["response"]["output"])
    out = list(head)
    for offset, call in enumerate(calls):
        item, index = _item(call), first + offset
        out.append({"type": "response.output_item.added", "output_index": index,
                    "item": {**item, "arguments": "", "status": "in_progress"}})
        out += [{"type": "response.function_call_arguments.delta", "item_id": item["id"], "output_index": index,
                 "delta": piece} for piece in _pieces(call["arguments"])]
        out.append({"type": "response.function_call_arguments.done", "item_id": item["id"], "output_index": index,
                    "arguments": call["arguments"]})
        out.append({"type": "response.output_item.done", "output_index": index, "item": item})
    out.append({**final, "response": responses_with_calls(final["response"], reply)})
    return out


def _input(arguments: str) -> Any:
    try:
        value = json.loads(arguments)
    except ValueError:
        return arguments  # not JSON: passed on as the string
    return value


def _block(call: dict) -> dict:
    return {"type": "tool_use", "id": "toolu_" + call["id"].removeprefix("call_"), "name": call["name"],
            "input": _input(call["arguments"])}


def anthropic_with_calls(body: dict, reply: Reply) -> dict:
    """The Message with the reply's calls as tool_use blocks (an empty text block dropped)."""
    if not _calls(reply):
        return body
    text = [b for b in body["content"] if b.get("type") != "text" or b.get("text")]
    return {**body, "content": text + [_block(c) for c in _calls(reply)]}


def anthropic_events_with_calls(events: list[tuple[str, dict]], reply: Reply) -> list[tuple[str, dict]]:
    """The Messages stream with each call a tool_use block streamed in input_json_delta pieces, before the
    message_delta (an empty text block dropped)."""
    calls = _calls(reply)
    if not calls:
        return events
    keep_text = bool(reply.text)
    blocks = [e for e in events if not keep_text and e[0].startswith("content_block_")]
    out = [e for e in events if e not in blocks]
    at = next(i for i, (name, _) in enumerate(out) if name == "message_delta")
    added = []
    for offset, call in enumerate(calls):
        index = int(keep_text) + offset
        block = _block(call)
        text = call["arguments"]
        added.append(("content_block_start", {"type": "content_block_start", "index": index,
                                              "content_block": {**block, "input": {}}}))
        added += [("content_block_delta", {"type": "content_block_delta", "index": index,
                                           "delta": {"type": "input_json_delta", "partial_json": piece}})
                  for piece in _pieces(text)]
        added.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    return out[:at] + added + out[at:]

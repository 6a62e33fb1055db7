"""Wire formats: OpenAI Chat Completions and Anthropic Messages, requests in and bodies out.

Parsing turns either API's JSON into a `ChatInput`; the builders turn a `Reply` into that API's
response body, or into its list of server-sent events when streaming.
"""

from __future__ import annotations

import json
import time
from typing import Any

from audit.reference.replies import ChatInput, Reply

__all__ = ["BadRequest", "parse_openai", "parse_anthropic", "openai_body", "openai_stream_events",
           "anthropic_body", "anthropic_stream_events", "openai_error", "anthropic_error", "sse"]


class BadRequest(ValueError):
    """The request body is not a valid request (answered with 400)."""


def _text_of(content: Any, where: str) -> str:
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
            else:
                raise BadRequest(f"{where}: only text content is supported")
        return "".join(parts)
    raise BadRequest(f"{where}: content must be a string or a list of text parts")


def _common(body: Any) -> dict:
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("'model' is required")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty list")
    temperature = body.get("temperature", 1.0)
    if temperature is None:
        temperature = 1.0
    if not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
        raise BadRequest("'temperature' must be a number from 0 to 2")
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise BadRequest("'seed' must be an integer")
    return {"model": model, "temperature": float(temperature), "seed": seed}


def _max_tokens(value: Any, required: bool) -> int | None:
    if value is None:
        if required:
            raise BadRequest("'max_tokens' is required")
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadRequest("'max_tokens' must be a positive integer")
    return value


def _messages(raw: list, allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for index, message in enumerate(raw):
        if not isinstance(message, dict) or message.get("role") not in allowed:
            raise BadRequest(f"messages[{index}]: role must be one of {', '.join(allowed)}")
        out.append((message["role"], _text_of(message.get("content"), f"messages[{index}]")))
    return out


def parse_openai(body: Any, nonce: int = 0) -> tuple[ChatInput, dict]:
    """A Chat Completions request -> (ChatInput, options {stream, include_usage})."""
    common = _common(body)
    max_tokens = _max_tokens(body.get("max_completion_tokens", body.get("max_tokens")), required=False)
    messages = _messages(body["messages"], ("system", "developer", "user", "assistant", "tool"))
    stream = bool(body.get("stream", False))
    stream_options = body.get("stream_options") or {}
    options = {"stream": stream, "include_usage": bool(stream and stream_options.get("include_usage")),
               "tools": _tools(body.get("tools")), "tool_choice": body.get("tool_choice")}
    options.update(_logprob_options(body))
    choice = options["tool_choice"]
    if choice is not None and choice not in ("auto", "none", "required") and not (
            isinstance(choice, dict) and isinstance((choice.get("function") or {}).get("name"), str)):
        raise BadRequest("'tool_choice' must be auto, none, required or {type: function, function: {name}}")
    return ChatInput(messages=tuple(messages), max_tokens=max_tokens, nonce=nonce, **common), options


def _logprob_options(body: dict) -> dict:
    """`logprobs` (boolean) and `top_logprobs` (0..20, only with logprobs true), as Chat Completions takes
    them (https://developers.openai.com/api/reference/python/resources/chat/subresources/completions/)."""
    logprobs = body.get("logprobs")
    if logprobs is not None and not isinstance(logprobs, bool):
        raise BadRequest("'logprobs' must be a boolean")
    top = body.get("top_logprobs")
    if top is not None:
        if not isinstance(top, int) or isinstance(top, bool) or not 0 <= top <= 20:
            raise BadRequest("'top_logprobs' must be an integer from 0 to 20")
        if not logprobs:
            raise BadRequest("'top_logprobs' requires 'logprobs' to be true")
    return {"logprobs": bool(logprobs), "top_logprobs": top or 0}


def _tools(raw: Any) -> list[dict]:
    """Chat Completions `tools`: [{type: function, function: {name, description?, parameters?}}]."""
    return tool_list(raw, lambda tool: tool.get("function") if tool.get("type") == "function" else None,
                     "parameters", "function.parameters", "{type: function, function: {name, parameters}}")


def tool_list(raw: Any, unwrap: Any, schema_field: str, schema_where: str, shape: str) -> list[dict]:
    """A request's `tools` as [{name, description, parameters}], whatever the dialect's shape: `unwrap(tool)`
    gives the object holding name, description and the schema under `schema_field` (None: not that shape)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadRequest("'tools' must be a list")
    out = []
    for index, tool in enumerate(raw):
        function = unwrap(tool) if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
            raise BadRequest(f"tools[{index}]: must be {shape}")
        parameters = function.get(schema_field, {"type": "object", "properties": {}})
        if not isinstance(parameters, dict):
            raise BadRequest(f"tools[{index}].{schema_where} must be a JSON Schema object")
        out.append({"name": function["name"], "description": function.get("description") or "",
                    "parameters": parameters})
    return out


def parse_anthropic(body: Any, nonce: int = 0, for_count: bool = False) -> tuple[ChatInput, dict]:
    """A Messages (or count_tokens) request -> (ChatInput, options {stream})."""
    common = _common(body)
    max_tokens = _max_tokens(body.get("max_tokens"), required=not for_count)
    messages = _messages(body["messages"], ("user", "assistant"))
    system = body.get("system")
    if system:
        messages.insert(0, ("system", _text_of(system, "system")))
    return (ChatInput(messages=tuple(messages), max_tokens=max_tokens, nonce=nonce, **common),
            {"stream": bool(body.get("stream", False))})


def parse_responses(body: Any, nonce: int = 0) -> tuple[ChatInput, dict]:
    """A Responses API request (`input` string or role/content items, `instructions`,
    `max_output_tokens`) -> (ChatInput, options {stream})."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    raw = body.get("input")
    items = [{"role": "user", "content": raw}] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise BadRequest("'input' must be a string or a non-empty list")
    common = _common({**body, "messages": items})
    messages = _messages(items, ("system", "developer", "user", "assistant"))
    if body.get("instructions"):
        messages.insert(0, ("system", _text_of(body["instructions"], "instructions")))
    max_tokens = _max_tokens(body.get("max_output_tokens"), required=False)
    return (ChatInput(messages=tuple(messages), max_tokens=max_tokens, nonce=nonce, **common),
            {"stream": bool(body.get("stream", False))})


def responses_body(reply: Reply, request_id: str, model: str) -> dict:
    """A Response object: a reasoning item (when the model reasoned), a message item, usage."""
    reasoning = reply.extra.get("reasoning_tokens")
    output = [{"type": "reasoning", "id": f"rs_{request_id}", "summary": []}] if reasoning else []
    if reply.text:
        output.append({"type": "message", "id": f"msg_{request_id}", "status": "completed", "role": "assistant",
                       "content": [{"type": "output_text", "text": reply.text, "annotations": []}]})
    incomplete = reply.finish_reason == "length"
    return {
        "id": f"resp_{request_id}", "object": "response", "created_at": int(time.time()), "model": model,
        "status": "incomplete" if incomplete else "completed",
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "output": output,
        "usage": {"input_tokens": reply.prompt_tokens, "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens": reply.completion_tokens,
                  "output_tokens_details": {"reasoning_tokens": reasoning or 0},
                  "total_tokens": reply.prompt_tokens + reply.completion_tokens},
    }


def responses_stream_events(reply: Reply, request_id: str, model: str) -> list[dict]:
    """response.created, one response.output_text.delta per piece, then response.completed (or
    response.incomplete) carrying the whole Response."""
    final = responses_body(reply, request_id, model)
    events = [{"type": "response.created", "response": {**final, "status": "in_progress", "output": []}}]
    events += [{"type": "response.output_text.delta", "item_id": f"msg_{request_id}", "output_index": 0,
                "content_index": 0, "delta": piece} for piece in _pieces(reply.text)]
    events.append({"type": f"response.{final['status']}", "response": final})
    return events


def _openai_usage(reply: Reply) -> dict:
    usage = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
             "total_tokens": reply.prompt_tokens + reply.completion_tokens}
    if "reasoning_tokens" in reply.extra:  # reasoning models: part of completion_tokens, reported apart
        usage["completion_tokens_details"] = {"reasoning_tokens": reply.extra["reasoning_tokens"]}
    return usage


def _wire_calls(reply: Reply) -> list[dict]:
    return [{"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in reply.extra.get("tool_calls") or []]


def openai_body(reply: Reply, request_id: str, model: str, fingerprint: str | None) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
    if reply.extra.get("tool_calls"):
        message.update(content=reply.text or None, tool_calls=_wire_calls(reply))
    return {
        "id": f"chatcmpl-{request_id}", "object": "chat.completion", "created": int(time.time()),
        "model": model, "system_fingerprint": fingerprint,
        "choices": [{"index": 0, "message": message,
                     "logprobs": {"content": reply.extra["logprobs"], "refusal": None}
                     if "logprobs" in reply.extra else None,
                     "finish_reason": reply.finish_reason}],
        "usage": _openai_usage(reply),
    }


def _pieces(text: str) -> list[str]:
    """The text split into word-sized pieces that join back to exactly the text."""
    pieces, start = [], 0
    for index in range(1, len(text)):
        if text[index] == " ":
            pieces.append(text[start:index])
            start = index
    pieces.append(text[start:])
    return [p for p in pieces if p]


def openai_stream_events(reply: Reply, request_id: str, model: str, fingerprint: str | None,
                         include_usage: bool, terminator: bool = True) -> list[dict | str]:
    """chat.completion.chunk objects, then a usage chunk when asked for, then "[DONE]" (unless `terminator`
    is off: a stream cut short). Tool calls stream as `delta.tool_calls` fragments: id, type and name
    first with empty arguments, then the arguments text in pieces."""
    created = int(time.time())

    def chunk(delta: dict, finish: str | None) -> dict:
        out = {"id": f"chatcmpl-{request_id}", "object": "chat.completion.chunk", "created": created,
               "model": model, "system_fingerprint": fingerprint,
               "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if include_usage:
            out["usage"] = None
        return out

    events: list[dict | str] = [chunk({"role": "assistant", "content": "", "refusal": None}, None)]
    events += [chunk({"content": piece}, None) for piece in _pieces(reply.text)]
    for index, call in enumerate(_wire_calls(reply)):
        head = {"index": index, "id": call["id"], "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""}}
        events.append(chunk({"tool_calls": [head]}, None))
        text = call["function"]["arguments"]
        events += [chunk({"tool_calls": [{"index": index, "function": {"arguments": text[i:i + 8]}}]}, None)
                   for i in range(0, len(text), 8)]
    events.append(chunk({}, reply.finish_reason))
    if include_usage:
        events.append({"id": f"chatcmpl-{request_id}", "object": "chat.completion.chunk", "created": created,
                       "model": model, "system_fingerprint": fingerprint, "choices": [],
                       "usage": _openai_usage(reply)})
    if terminator:
        events.append("[DONE]")
    return events


_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}


def anthropic_body(reply: Reply, request_id: str, model: str) -> dict:
    return {
        "id": f"msg_{request_id}", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": _STOP_REASONS[reply.finish_reason], "stop_sequence": None,
        "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": reply.completion_tokens},
    }


def anthropic_stream_events(reply: Reply, request_id: str, model: str) -> list[tuple[str, dict]]:
    """(event name, data) pairs of a streamed Messages response."""
    start = anthropic_body(reply, request_id, model)
    start.update(content=[], stop_reason=None,
                 usage={"input_tokens": reply.prompt_tokens, "output_tokens": 1})
    events = [("message_start", {"type": "message_start", "message": start}),
              ("content_block_start", {"type": "content_block_start", "index": 0,
                                       "content_block": {"type": "text", "text": ""}})]
    events += [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "text_delta", "text": piece}})
               for piece in _pieces(reply.text)]
    events += [("content_block_stop", {"type": "content_block_stop", "index": 0}),
               ("message_delta", {"type": "message_delta",
                                  "delta": {"stop_reason": _STOP_REASONS[reply.finish_reason],
                                            "stop_sequence": None},
                                  "usage": {"output_tokens": reply.completion_tokens}}),
               ("message_stop", {"type": "message_stop"})]
    return events


def sse(data: dict | str, event: str | None = None) -> bytes:
    """One server-sent event."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


OPENAI_ERROR_TYPES = {400: "invalid_request_error", 404: "not_found_error", 429: "rate_limit_exceeded",
                      500: "server_error"}
ANTHROPIC_ERROR_TYPES = {400: "invalid_request_error", 404: "not_found_error", 429: "rate_limit_error",
                         500: "api_error", 529: "overloaded_error"}


def openai_error(status: int, message: str) -> dict:
    kind = OPENAI_ERROR_TYPES.get(status, "server_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def anthropic_error(status: int, message: str) -> dict:
    return {"type": "error", "error": {"type": ANTHROPIC_ERROR_TYPES.get(status, "api_error"), "message": message}}

"""The Anthropic Messages dialect, including `/v1/messages/count_tokens` for op 'count_tokens'.

System messages become the top-level `system` text; `max_tokens` is required by the API and
defaults to 1024; `seed` has no Anthropic counterpart and is not sent; the effort goes in
`output_config.effort` on the models whose request profile lists efforts (Opus 4.5 and later:
https://platform.claude.com/docs/en/build-with-claude/effort), never on the others. Usage becomes
the typed record: input = input_tokens + cache_read_input_tokens + cache_creation_input_tokens
(Anthropic reports the cached parts apart), output = output_tokens (extended thinking is billed
inside it).

Tools (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use): `tools` entries
are `{name, description, input_schema}` (the JSON Schema of the input); `tool_choice` is `{"type": "auto"}`
(Claude decides), `{"type": "any"}` (must use one of the tools: what Chat calls "required"),
`{"type": "tool", "name": ...}` (that tool) or `{"type": "none"}` (no tool); a request that asks for one
call sends `disable_parallel_tool_use: true` inside the choice (the ToolChoice schema Anthropic
publishes: type, name, disable_parallel_tool_use), with "auto" when the request names no choice. The
answer's calls are `tool_use` content blocks (`id`, `name`, `input`: a JSON object), read into `ToolCall`s
with the input as JSON text (a server that puts a string there has it recorded as sent); the turn ends
with `stop_reason: "tool_use"`, read as finish_reason "tool_calls". Streamed
(https://platform.claude.com/docs/en/build-with-claude/streaming), a `content_block_start` opens a
`tool_use` block (id, name, empty input) and `content_block_delta` events of type `input_json_delta`
carry pieces of the input's JSON text (`partial_json`), assembled by block index.
"""

from __future__ import annotations

from typing import Any

import httpx2

from audit.schema.evidence import ChatRequest, ToolCall
from audit.schema.usage import Usage, int_or_none, messages_usage
from audit.providers.base import Answer, ChatProvider, WireCall, optional_fields, sse_json
from audit.providers.errors import TransientError
from audit.providers.toolcalls import CallParts, arguments_text

__all__ = ["AnthropicMessages", "API_VERSION", "DEFAULT_MAX_TOKENS"]

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024


class AnthropicMessages(ChatProvider):
    name = "anthropic"

    @staticmethod
    def base_url(url: str) -> str:
        url = url.rstrip("/")
        return url[: -len("/v1")] if url.endswith("/v1") else url

    @staticmethod
    def auth_headers(api_key: str | None) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        return headers

    def wire_call(self, request: ChatRequest) -> WireCall:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        body: dict[str, Any] = {"model": self.model,
                                "messages": [m.model_dump() for m in request.messages if m.role != "system"]}
        if system:
            body["system"] = system
        if request.op == "count_tokens":
            return WireCall("/v1/messages/count_tokens", body)
        self.refused(request, ("temperature", "top_p"))
        body.update(_tool_fields(request))
        body["max_tokens"] = request.max_tokens or DEFAULT_MAX_TOKENS
        body.update(optional_fields(request, ("temperature", "top_p")))
        body.update(self.effort_fields(request))  # output_config.effort where the profile lists efforts
        if request.stream:
            body["stream"] = True
        return WireCall("/v1/messages", body, request.stream)

    def read(self, body, request, streamed):
        if request.op == "count_tokens":
            count = int_or_none(body.get("input_tokens"))
            return Answer(None, usage=Usage.of(body, input_tokens=count) if count is not None else None)
        if streamed:
            return _read_events(body["stream"])
        blocks = [b for b in body.get("content") or [] if isinstance(b, dict)]
        text = "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
        thinking = "".join(b.get("thinking", "") for b in blocks if b.get("type") == "thinking")
        usage = messages_usage(body["usage"]) if isinstance(body.get("usage"), dict) else None
        calls = tuple(ToolCall(id=b.get("id") if isinstance(b.get("id"), str) else None,
                               name=b.get("name") if isinstance(b.get("name"), str) else None,
                               arguments=arguments_text(b.get("input")))
                      for b in blocks if b.get("type") == "tool_use") or None
        return Answer(text, body.get("model"), None, usage, thinking or None,
                      _STOP.get(body.get("stop_reason")), calls)

    async def read_stream(self, response: httpx2.Response) -> dict[str, Any]:
        events: list[dict[str, Any]] = []
        async for event in httpx2.EventSource(response):
            if not event.data.strip():
                continue
            data = sse_json(event.data, "event")
            if event.event == "error" or data.get("type") == "error":
                raise TransientError(f"error in stream: {data.get('error', data)}")
            events.append(data)
            if data.get("type") == "message_stop":
                return {"stream": events}
        raise TransientError("the stream ended before message_stop")


_STOP = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
         "refusal": "content_filter"}


_CHOICE = {"auto": "auto", "required": "any", "none": "none"}


def _tool_fields(request: ChatRequest) -> dict[str, Any]:
    """`tools` and `tool_choice` in the Messages form (nothing without tools)."""
    if not request.tools and request.tool_choice is None:
        return {}
    out: dict[str, Any] = {}
    if request.tools:
        out["tools"] = [{"name": t.name, "description": t.description, "input_schema": t.parameters}
                        for t in request.tools]
    choice = request.tool_choice
    if choice is None and request.parallel_tool_calls is not False:
        return out
    kind = _CHOICE.get(choice or "auto", "tool")
    out["tool_choice"] = {"type": kind, **({"name": choice} if kind == "tool" else {})}
    if request.parallel_tool_calls is False and kind != "none":
        out["tool_choice"]["disable_parallel_tool_use"] = True
    return out


def _read_events(events: list[dict[str, Any]]) -> Answer:
    text, thinking, served, raw_usage, stop = [], [], None, {}, None
    calls = CallParts()
    for event in events:
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            served = message.get("model")
            raw_usage.update(message.get("usage") or {})
        elif kind == "content_block_start":
            block = event.get("content_block") or {}
            if isinstance(block, dict) and block.get("type") == "tool_use":
                calls.start(event.get("index"), block.get("id"), block.get("name"),
                            arguments_text(block.get("input")) if block.get("input") else None)
        elif kind == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text_delta":
                text.append(delta.get("text", ""))
            elif delta.get("type") == "thinking_delta":
                thinking.append(delta.get("thinking", ""))
            elif delta.get("type") == "input_json_delta":
                calls.add(event.get("index"), delta.get("partial_json"))
        elif kind == "message_delta":
            raw_usage.update(event.get("usage") or {})
            stop = (event.get("delta") or {}).get("stop_reason") or stop
    return Answer("".join(text), served, None, messages_usage(raw_usage) if raw_usage else None,
                  "".join(thinking) or None, _STOP.get(stop), calls.calls())

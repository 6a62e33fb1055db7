"""The Anthropic Messages dialect, including `/v1/messages/count_tokens` for op 'count_tokens'.

System messages become the top-level `system` text; `max_tokens` is required by the API and
defaults to 1024; `seed` has no Anthropic counterpart and is not sent. Usage is reported with
OpenAI's key names (prompt_tokens, completion_tokens, total_tokens) next to Anthropic's own.
"""

from __future__ import annotations

from typing import Any

import httpx2

from audit.schema.evidence import ChatRequest
from audit.providers.base import ChatProvider, WireCall, optional_fields, sse_json
from audit.providers.errors import TransientError

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
        body["max_tokens"] = request.max_tokens or DEFAULT_MAX_TOKENS
        body.update(optional_fields(request, ("temperature", "top_p")))
        if request.stream:
            body["stream"] = True
        return WireCall("/v1/messages", body, request.stream)

    def read(self, body, request, streamed):
        if request.op == "count_tokens":
            count = body.get("input_tokens")
            usage = {"prompt_tokens": count, "input_tokens": count} if isinstance(count, int) else None
            return None, None, None, usage
        if streamed:
            return _read_events(body["stream"])
        text = "".join(block.get("text", "") for block in body.get("content") or []
                       if isinstance(block, dict) and block.get("type") == "text")
        return text, body.get("model"), None, _usage(body.get("usage"))

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


def _usage(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    usage = dict(raw)
    prompt, completion = raw.get("input_tokens"), raw.get("output_tokens")
    if isinstance(prompt, int):
        usage["prompt_tokens"] = prompt
    if isinstance(completion, int):
        usage["completion_tokens"] = completion
    if isinstance(prompt, int) and isinstance(completion, int):
        usage["total_tokens"] = prompt + completion
    return usage


def _read_events(events: list[dict[str, Any]]):
    text, served, raw_usage = [], None, {}
    for event in events:
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            served = message.get("model")
            raw_usage.update(message.get("usage") or {})
        elif kind == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text_delta":
                text.append(delta.get("text", ""))
        elif kind == "message_delta":
            raw_usage.update(event.get("usage") or {})
    return "".join(text), served, None, _usage(raw_usage) if raw_usage else None

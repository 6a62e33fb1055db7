"""The OpenAI-compatible Chat Completions dialect (OpenAI, vLLM, llama.cpp, Ollama, LiteLLM, OpenRouter …).

The base URL includes the API version prefix as the OpenAI SDK expects (`https://api.openai.com/v1`);
a bare `http://host:port` gets `/v1`. Streams ask for a final usage chunk
(`stream_options.include_usage`); servers that ignore it simply report no usage.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx2

from audit.schema.evidence import ChatRequest
from audit.schema.usage import chat_usage
from audit.providers.base import Answer, ChatProvider, WireCall, optional_fields, sse_json
from audit.providers.errors import TransientError, Unsupported

__all__ = ["OpenAIChat"]


class OpenAIChat(ChatProvider):
    name = "openai"

    @staticmethod
    def base_url(url: str) -> str:
        url = url.rstrip("/")
        return url + "/v1" if urlsplit(url).path in ("", "/") else url

    @staticmethod
    def auth_headers(api_key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def wire_call(self, request: ChatRequest) -> WireCall:
        if request.op != "chat":
            raise Unsupported(f"the openai provider has no {request.op!r} operation", attempts=0)
        self.refused(request, ("temperature", "top_p", "seed"))
        body: dict[str, Any] = {"model": self.model,
                                "messages": [m.model_dump() for m in request.messages]}
        body.update(optional_fields(request, ("temperature", "seed", "top_p")))
        if request.max_tokens is not None:
            body[self.cap_field("max_tokens")] = request.max_tokens
        body.update(self.effort_fields())
        if request.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return WireCall("/chat/completions", body, request.stream)

    def read(self, body, request, streamed):
        if streamed:
            chunks = body["stream"]
            text = "".join(_delta_text(c, "content") for c in chunks)
            reasoning = "".join(_delta_text(c, "reasoning_content") for c in chunks)
            served = next((c["model"] for c in chunks if isinstance(c.get("model"), str) and c["model"]), None)
            fingerprints = [c["system_fingerprint"] for c in chunks if c.get("system_fingerprint")]
            usages = [c["usage"] for c in chunks if isinstance(c.get("usage"), dict)]
            finishes = [f for c in chunks for f in [_finish(c)] if f]
            return Answer(text, served, fingerprints[-1] if fingerprints else None,
                          chat_usage(usages[-1]) if usages else None, reasoning or None,
                          finishes[-1] if finishes else None)
        choices = body.get("choices")
        message = choices[0].get("message") if isinstance(choices, list) and choices and isinstance(
            choices[0], dict) else None
        if not isinstance(message, dict):  # e.g. {"choices": [{"message": null}]}: no answer, not a success
            raise TransientError("malformed response: no message object in choices[0]")
        usage = chat_usage(body["usage"]) if isinstance(body.get("usage"), dict) else None
        reasoning = message.get("reasoning_content")
        return Answer(message.get("content"), body.get("model"), body.get("system_fingerprint"), usage,
                      reasoning if isinstance(reasoning, str) and reasoning else None, _finish(body))

    async def read_stream(self, response: httpx2.Response) -> dict[str, Any]:
        chunks: list[dict[str, Any]] = []
        async for event in httpx2.EventSource(response):
            if event.data.strip() == "[DONE]":
                return {"stream": chunks}
            chunk = sse_json(event.data, "chunk")
            if "error" in chunk and "choices" not in chunk:
                raise TransientError(f"error in stream: {chunk['error']}")
            chunks.append(chunk)
        raise TransientError("the stream ended before [DONE]")


def _finish(body: dict[str, Any]) -> str | None:
    choices = body.get("choices") or []
    reason = choices[0].get("finish_reason") if choices and isinstance(choices[0], dict) else None
    return reason if isinstance(reason, str) else None


def _delta_text(chunk: dict[str, Any], field: str) -> str:
    choices = chunk.get("choices") or []
    if not choices:
        return ""
    content = (choices[0].get("delta") or {}).get(field)
    return content if isinstance(content, str) else ""

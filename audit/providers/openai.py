"""The OpenAI-compatible Chat Completions dialect (OpenAI, vLLM, llama.cpp, Ollama, LiteLLM, OpenRouter …).

The base URL includes the API version prefix as the OpenAI SDK expects (`https://api.openai.com/v1`);
a bare `http://host:port` gets `/v1`. Streams ask for a final usage chunk
(`stream_options.include_usage`: "an additional chunk will be streamed before the data: [DONE]
message", whose `choices` is empty; read in the OpenAPI description as published at
https://docs.rs/openai-struct/0.0.3/src/openai_struct/models/chat_completion_stream_options.rs.html);
servers that ignore it simply report no usage.

Tools: `tools` as `{"type": "function", "function": {name, description, parameters}}`; `tool_choice`
"auto" / "none" / "required", or a tool's name sent as `{"type": "function", "function": {"name": ...}}`
(the meanings as the OpenAPI description states them:
https://docs.rs/crate/openai-client-base/latest/source/docs/ChatCompletionToolChoiceOption.md).
The answer's `message.tool_calls[]` (`id`, `function.name`, `function.arguments` as a JSON string) are
read into `ToolCall`s; streamed, the `delta.tool_calls[]` fragments are joined by their `index`
(the first carries id and name, later ones pieces of the arguments text).

Log-probabilities: `logprobs: true` with `top_logprobs` (0..20 most likely tokens per position); the
answer's `choices[0].logprobs.content[]` holds `{token, logprob, bytes, top_logprobs: [{token, logprob,
bytes}]}` per output token, streamed in each chunk's `choices[0].logprobs.content` (the Chat Completions
reference: https://developers.openai.com/api/reference/python/resources/chat/subresources/completions/;
llama-server returns the same shape since ggml-org/llama.cpp PR 10783, "pre-sampling" probabilities:
https://github.com/ggml-org/llama.cpp/pull/10783). Models whose request profile has no logprobs
(OpenAI's reasoning models away from effort none) are not sent them.

A stream that stops before `data: [DONE]` is a transient failure whose body keeps the chunks that
came (`{"stream": [...], "terminated": false}`), so the evidence shows how far it got.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx2

from audit.schema.evidence import ChatRequest, TokenLogprob, ToolCall, TopLogprob
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
        self.refused(request, ("temperature", "top_p", "seed", "logprobs"))
        body: dict[str, Any] = {"model": self.model,
                                "messages": [m.model_dump() for m in request.messages]}
        body.update(optional_fields(request, ("temperature", "seed", "top_p")))
        if request.max_tokens is not None:
            body[self.cap_field("max_tokens")] = request.max_tokens
        body.update(self.effort_fields(request))
        if request.tools:
            body["tools"] = [{"type": "function", "function": tool.model_dump()} for tool in request.tools]
        if request.tool_choice is not None:
            body["tool_choice"] = request.tool_choice if request.tool_choice in ("auto", "none", "required") \
                else {"type": "function", "function": {"name": request.tool_choice}}
        if request.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = request.parallel_tool_calls
        if request.logprobs:
            body["logprobs"] = True
            if request.top_logprobs is not None:
                body["top_logprobs"] = request.top_logprobs
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
                          finishes[-1] if finishes else None, _streamed_calls(chunks),
                          _logprobs([entry for c in chunks for entry in _choice_logprobs(c)]))
        choices = body.get("choices")
        message = choices[0].get("message") if isinstance(choices, list) and choices and isinstance(
            choices[0], dict) else None
        if not isinstance(message, dict):  # e.g. {"choices": [{"message": null}]}: no answer, not a success
            raise TransientError("malformed response: no message object in choices[0]")
        usage = chat_usage(body["usage"]) if isinstance(body.get("usage"), dict) else None
        reasoning = message.get("reasoning_content")
        return Answer(message.get("content"), body.get("model"), body.get("system_fingerprint"), usage,
                      reasoning if isinstance(reasoning, str) and reasoning else None, _finish(body),
                      _message_calls(message), _logprobs(_choice_logprobs(body)))

    async def read_stream(self, response: httpx2.Response) -> dict[str, Any]:
        chunks: list[dict[str, Any]] = []
        async for event in httpx2.EventSource(response):
            if event.data.strip() == "[DONE]":
                return {"stream": chunks}
            chunk = sse_json(event.data, "chunk")
            if "error" in chunk and "choices" not in chunk:
                raise TransientError(f"error in stream: {chunk['error']}")
            chunks.append(chunk)
        raise TransientError("the stream ended before [DONE]", body={"stream": chunks, "terminated": False})


def _finish(body: dict[str, Any]) -> str | None:
    choices = body.get("choices") or []
    reason = choices[0].get("finish_reason") if choices and isinstance(choices[0], dict) else None
    return reason if isinstance(reason, str) else None


def _choice_logprobs(body: dict[str, Any]) -> list[Any]:
    """`choices[0].logprobs.content` of a reply or a chunk ([] when absent or null)."""
    choices = body.get("choices") or []
    holder = choices[0].get("logprobs") if choices and isinstance(choices[0], dict) else None
    content = holder.get("content") if isinstance(holder, dict) else None
    return content if isinstance(content, list) else []


def _logprobs(entries: list[Any]) -> tuple[TokenLogprob, ...] | None:
    """The output tokens' log-probabilities; entries that are not {token, logprob} are skipped."""
    def pair(item: Any) -> tuple[str, float] | None:
        if not isinstance(item, dict) or not isinstance(item.get("token"), str):
            return None
        value = item.get("logprob")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        return item["token"], float(value)

    out = []
    for entry in entries:
        head = pair(entry)
        if head is None:
            continue
        tops = entry.get("top_logprobs") if isinstance(entry.get("top_logprobs"), list) else []
        top = [TopLogprob(token=t, logprob=v) for t, v in filter(None, map(pair, tops))]
        out.append(TokenLogprob(token=head[0], logprob=head[1], top=top))
    return tuple(out) or None


def _delta_text(chunk: dict[str, Any], field: str) -> str:
    choices = chunk.get("choices") or []
    if not choices:
        return ""
    content = (choices[0].get("delta") or {}).get(field)
    return content if isinstance(content, str) else ""


def _message_calls(message: dict[str, Any]) -> tuple[ToolCall, ...] | None:
    calls = message.get("tool_calls")
    if not isinstance(calls, list) or not calls:
        return None
    out = []
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        arguments = function.get("arguments")
        out.append(ToolCall(id=call.get("id") if isinstance(call.get("id"), str) else None,
                            name=function.get("name") if isinstance(function.get("name"), str) else None,
                            arguments=arguments if isinstance(arguments, str) else
                            ("" if arguments is None else json.dumps(arguments))))
    return tuple(out) or None


def _streamed_calls(chunks: list[dict[str, Any]]) -> tuple[ToolCall, ...] | None:
    """The calls the stream's `delta.tool_calls` fragments make up, in index order."""
    parts: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        choices = chunk.get("choices") or []
        delta = (choices[0].get("delta") or {}) if choices and isinstance(choices[0], dict) else {}
        for fragment in delta.get("tool_calls") or []:
            if not isinstance(fragment, dict):
                continue
            index = fragment.get("index") if isinstance(fragment.get("index"), int) else len(parts)
            slot = parts.setdefault(index, {"id": None, "name": "", "arguments": []})
            if isinstance(fragment.get("id"), str) and fragment["id"]:
                slot["id"] = fragment["id"]
            function = fragment.get("function") or {}
            if isinstance(function.get("name"), str):
                slot["name"] += function["name"]
            if isinstance(function.get("arguments"), str):
                slot["arguments"].append(function["arguments"])
    if not parts:
        return None
    return tuple(ToolCall(id=slot["id"], name=slot["name"] or None, arguments="".join(slot["arguments"]))
                 for _, slot in sorted(parts.items()))

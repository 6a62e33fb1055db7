"""The OpenAI Responses dialect (`POST /v1/responses`), `--provider openai-responses`.

Request: `input` (the non-system messages as role/content items), `instructions` (the system text),
`max_output_tokens` (bounds reasoning and visible output together), `reasoning: {effort}` from the
request profile, `temperature`/`top_p` when set. `seed` is not sent: the Responses reference read
(developers.openai.com/api/reference/terraform/resources/responses) lists no such field.
Response: `output` items of type `message` (content parts `output_text`) and `reasoning` (summary
parts as visible reasoning); `status` `completed` / `incomplete` with `incomplete_details.reason`
(read as finish_reason "length" when the cap cut it); usage `input_tokens`, `output_tokens`,
`output_tokens_details.reasoning_tokens`, `input_tokens_details.cached_tokens`.
Streams are server-sent events ending in `response.completed` (or `.incomplete`), whose `response`
is the whole reply; a stream that ends without one is a transient failure.

Tools (function calling): `tools` entries are flat, `{"type": "function", "name", "description",
"parameters"}` (no nested `function` key, unlike Chat); `tool_choice` is "auto" / "none" / "required" or
`{"type": "function", "name": ...}` for one tool; `parallel_tool_calls` as on Chat. The model's calls
are `output` items of type `function_call` with `call_id`, `name` and `arguments` (a JSON string); they
are read into `ToolCall`s with the `call_id` as the id (what a `function_call_output` answers). Streamed,
a call opens with `response.output_item.added` (the item, arguments empty) and its arguments come in
`response.function_call_arguments.delta` events (`item_id`, `output_index`, `delta`), closed by
`response.function_call_arguments.done`; the calls are assembled from those deltas, by output index,
not taken from the final response, so the stream-assembly check compares what was streamed. Read in
the OpenAI API's published descriptions: ResponseFunctionCallArgumentsDeltaEvent ("Emitted when there is
a partial function-call arguments delta", rubydoc.info/gems/openai/OpenAI/Models/Responses/
ResponseFunctionCallArgumentsDeltaEvent, and docs.rs/openai-struct's OpenAPI model of it), the
FunctionToolCall output item (hexdocs.pm/ex_openai ItemField), and gateways documenting the same
Responses shapes (docs.blackbox.ai/api-reference/responses/tool-calling: the tool_choice values and
`{"type": "function", "name"}`). The Responses API has no finish reason: a completed response with
`function_call` items is read as finish_reason "tool_calls" (what Chat says for the same answer).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx2

from audit.schema.evidence import ChatRequest, ToolCall
from audit.schema.usage import responses_usage
from audit.providers.base import Answer, ChatProvider, WireCall, optional_fields, sse_json
from audit.providers.errors import TransientError, Unsupported
from audit.providers.openai import OpenAIChat
from audit.providers.toolcalls import FORCED, CallParts, arguments_text

__all__ = ["OpenAIResponses"]

_FINAL = ("response.completed", "response.incomplete")


class OpenAIResponses(ChatProvider):
    name = "openai-responses"
    base_url = staticmethod(OpenAIChat.base_url)
    auth_headers = staticmethod(OpenAIChat.auth_headers)

    def wire_call(self, request: ChatRequest) -> WireCall:
        if request.op != "chat":
            raise Unsupported(f"the openai-responses provider has no {request.op!r} operation", attempts=0)
        self.refused(request, ("temperature", "top_p"))
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        body: dict[str, Any] = {"model": self.model,
                                "input": [m.model_dump() for m in request.messages if m.role != "system"]}
        if system:
            body["instructions"] = system
        if request.max_tokens is not None:
            body["max_output_tokens"] = request.max_tokens
        body.update(optional_fields(request, ("temperature", "top_p")))
        effort = self.rules.effort if self.rules is not None else None
        if request.reasoning_effort is not None:
            self.effort_fields(request)  # refuses an effort the profile does not list
            effort = request.reasoning_effort
        if effort is not None:
            body["reasoning"] = {"effort": effort}
        if request.tools:
            body["tools"] = [{"type": "function", **tool.model_dump()} for tool in request.tools]
        if request.tool_choice is not None:
            body["tool_choice"] = request.tool_choice if request.tool_choice in FORCED \
                else {"type": "function", "name": request.tool_choice}
        if request.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = request.parallel_tool_calls
        if request.stream:
            body["stream"] = True
        return WireCall("/responses", body, request.stream)

    def read(self, body, request, streamed):
        if streamed:
            events = body["stream"]
            final = next((e["response"] for e in reversed(events)
                          if e.get("type") in _FINAL and isinstance(e.get("response"), dict)), None)
            streamed_calls = _streamed_calls(events)
            if final is not None:
                answer = _read_response(final)
                return dataclasses.replace(answer, tool_calls=streamed_calls) if streamed_calls else answer
            text = "".join(e.get("delta", "") for e in events if e.get("type") == "response.output_text.delta")
            return Answer(text, tool_calls=streamed_calls)
        return _read_response(body)

    async def read_stream(self, response: httpx2.Response) -> dict[str, Any]:
        events: list[dict[str, Any]] = []
        async for event in httpx2.EventSource(response):
            if not event.data.strip() or event.data.strip() == "[DONE]":
                continue
            data = sse_json(event.data, "event")
            if data.get("type") in ("error", "response.failed"):
                raise TransientError(f"error in stream: {data.get('error') or data.get('response')}")
            events.append(data)
            if data.get("type") in _FINAL:
                return {"stream": events}
        raise TransientError("the stream ended before response.completed")


def _read_response(body: dict[str, Any]) -> Answer:
    items = [i for i in body.get("output") or [] if isinstance(i, dict)]
    text = "".join(part.get("text", "") for item in items if item.get("type") == "message"
                   for part in item.get("content") or [] if isinstance(part, dict) and part.get("type") == "output_text")
    reasoning = "".join(part.get("text", "") for item in items if item.get("type") == "reasoning"
                        for part in item.get("summary") or [] if isinstance(part, dict))
    status = body.get("status")
    details = body.get("incomplete_details") if isinstance(body.get("incomplete_details"), dict) else {}
    finish = "stop" if status == "completed" else \
        ("length" if details.get("reason") == "max_output_tokens" else details.get("reason") or status)
    calls = tuple(ToolCall(id=_call_id(item), name=item.get("name") if isinstance(item.get("name"), str) else None,
                           arguments=arguments_text(item.get("arguments")))
                  for item in items if item.get("type") == "function_call") or None
    if calls and finish == "stop":
        finish = "tool_calls"
    usage = responses_usage(body["usage"]) if isinstance(body.get("usage"), dict) else None
    return Answer(text, body.get("model"), None, usage, reasoning or None, finish if isinstance(finish, str) else None,
                  calls)


def _call_id(item: dict[str, Any]) -> str | None:
    """A function_call item's `call_id` (what the caller answers), else its item `id`."""
    for field in ("call_id", "id"):
        if isinstance(item.get(field), str) and item[field]:
            return item[field]
    return None


def _streamed_calls(events: list[dict[str, Any]]) -> tuple[ToolCall, ...] | None:
    """The calls a stream's function_call items and their argument deltas make up, by output index."""
    parts = CallParts()
    for event in events:
        kind, index = event.get("type"), event.get("output_index")
        if kind == "response.output_item.added" and isinstance(event.get("item"), dict) \
                and event["item"].get("type") == "function_call":
            parts.start(index, _call_id(event["item"]), event["item"].get("name"))
        elif kind == "response.function_call_arguments.delta":
            parts.add(index, event.get("delta"))
        elif kind == "response.function_call_arguments.done":
            parts.finish(index, event.get("arguments"))  # a server that sent no deltas still gives the text
    return parts.calls()

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
"""

from __future__ import annotations

from typing import Any

import httpx2

from audit.schema.evidence import ChatRequest
from audit.schema.usage import responses_usage
from audit.providers.base import Answer, ChatProvider, WireCall, optional_fields, sse_json
from audit.providers.errors import TransientError, Unsupported
from audit.providers.openai import OpenAIChat

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
        self.no_tools(request)
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
        if request.stream:
            body["stream"] = True
        return WireCall("/responses", body, request.stream)

    def read(self, body, request, streamed):
        if streamed:
            events = body["stream"]
            final = next((e["response"] for e in reversed(events)
                          if e.get("type") in _FINAL and isinstance(e.get("response"), dict)), None)
            if final is not None:
                return _read_response(final)
            text = "".join(e.get("delta", "") for e in events if e.get("type") == "response.output_text.delta")
            return Answer(text)
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
    usage = responses_usage(body["usage"]) if isinstance(body.get("usage"), dict) else None
    return Answer(text, body.get("model"), None, usage, reasoning or None, finish if isinstance(finish, str) else None)

"""What every provider client shares: turn a ChatRequest into a wire call and read the reply."""

from __future__ import annotations

import datetime as dt
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx2

from audit.schema.evidence import ChatRequest, TokenLogprob, ToolCall
from audit.schema.request_profile import RequestRules
from audit.schema.usage import Usage
from audit.providers.errors import TransientError, Unsupported
from audit.providers.transport import Transport

__all__ = ["ChatProvider", "WireCall", "Reply", "Answer", "sse_json", "optional_fields"]


@dataclass(frozen=True)
class WireCall:
    """What will be sent: the path under the base URL, the JSON body, and whether it streams."""

    path: str
    body: dict[str, Any]
    stream: bool = False


@dataclass(frozen=True)
class Answer:
    """What a dialect reads from a reply body: the answer text, who served it, and the typed usage."""

    text: str | None
    served_model: str | None = None
    system_fingerprint: str | None = None
    usage: Usage | None = None
    reasoning_text: str | None = None
    finish_reason: str | None = None
    tool_calls: tuple[ToolCall, ...] | None = None
    logprobs: tuple[TokenLogprob, ...] | None = None


@dataclass(frozen=True)
class Reply:
    """A successful call, read into the fields an Exchange records."""

    status: int
    body: dict[str, Any]
    text: str | None
    served_model: str | None
    system_fingerprint: str | None
    usage: Usage | None
    attempts: int
    started_at: dt.datetime
    elapsed_ms: float
    reasoning_text: str | None = None
    finish_reason: str | None = None
    tool_calls: tuple[ToolCall, ...] | None = None
    logprobs: tuple[TokenLogprob, ...] | None = None


class ChatProvider(ABC):
    """A model API dialect. Subclasses say how to build the call and how to read its answer."""

    name: ClassVar[str]

    def __init__(self, transport: Transport, model: str, rules: RequestRules | None = None):
        self.transport = transport
        self.model = model
        self.rules = rules

    def refused(self, request: ChatRequest, names: tuple[str, ...]) -> None:
        """Raise Unsupported (nothing sent, nothing billed) for a field the request profile refuses."""
        if self.rules is None:
            return
        for name in names:
            value = getattr(request, name, None)
            if value is not None and not self.rules.accepts(name, value):
                raise Unsupported(f"not sent: {self.rules.refusal(name, value)}", attempts=0)

    def cap_field(self, default: str) -> str:
        """The field that carries the output cap: the profile's, else the dialect's own."""
        return self.rules.cap_field if self.rules is not None and self.rules.cap_field != "max_output_tokens" \
            else default

    def effort_fields(self, request: ChatRequest | None = None) -> dict[str, Any]:
        """The reasoning effort as the profile says to send it (nothing without efforts): the request's
        own `reasoning_effort` when it sets one (it must be one the profile lists), else the target's."""
        if self.rules is None or self.rules.profile.efforts is None:
            return {}
        effort = self.rules.effort
        if request is not None and request.reasoning_effort is not None:
            if request.reasoning_effort not in self.rules.profile.efforts.values:
                raise Unsupported(f"not sent: request profile {self.rules.profile.id} lists no reasoning effort "
                                  f"{request.reasoning_effort!r}", attempts=0)
            effort = request.reasoning_effort
        if effort is None:
            return {}
        field_name = self.rules.profile.efforts.field
        if field_name == "reasoning_effort":
            return {"reasoning_effort": effort}
        head, _, leaf = field_name.partition(".")
        return {head: {leaf: effort}}

    @staticmethod
    @abstractmethod
    def base_url(url: str) -> str:
        """The client's base URL for a user-given endpoint URL."""

    @staticmethod
    @abstractmethod
    def auth_headers(api_key: str | None) -> dict[str, str]:
        """Headers that carry the key (and any fixed protocol headers)."""

    @abstractmethod
    def wire_call(self, request: ChatRequest) -> WireCall:
        """The call for `request`; raises Unsupported when the dialect cannot express it."""

    @abstractmethod
    def read(self, body: dict[str, Any], request: ChatRequest, streamed: bool) -> Answer:
        """The answer in a reply body, its usage read from this dialect's fields."""

    @abstractmethod
    async def read_stream(self, response: httpx2.Response) -> dict[str, Any]:
        """Assemble a streamed reply into a JSON-able body; raise TransientError if it is cut short."""

    async def send(self, call: WireCall, request: ChatRequest) -> Reply:
        """Send one call through the transport (with its retries) and read the answer."""
        result = await self.transport.post(call.path, call.body,
                                           stream=self.read_stream if call.stream else None)
        streamed = call.stream and "stream" in result.body
        answer = self.read(result.body, request, streamed)
        return Reply(result.status, result.body, answer.text, answer.served_model, answer.system_fingerprint,
                     answer.usage, result.attempts, result.started_at, result.elapsed_ms,
                     answer.reasoning_text, answer.finish_reason, answer.tool_calls, answer.logprobs)


def sse_json(data: str, what: str) -> dict[str, Any]:
    """One server-sent event's data as a JSON object; anything else is a transient failure."""
    try:
        value = json.loads(data)
    except ValueError:
        raise TransientError(f"malformed JSON in a stream {what}") from None
    if not isinstance(value, dict):
        raise TransientError(f"a stream {what} is not a JSON object")
    return value


def optional_fields(request: ChatRequest, names: tuple[str, ...]) -> dict[str, Any]:
    """The request's sampling fields among `names` that are set."""
    return {name: getattr(request, name) for name in names if getattr(request, name) is not None}

"""Evidence: one API call as sent and received, and the normalised request a probe plans.

An `Exchange` never holds a secret: headers are not recorded, and the endpoint is stored without
credentials. Its `key` (probe id + the call's key within the probe) identifies the planned call,
so a resumed run knows which calls already have a recorded response.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from audit.schema.base import Strict
from audit.schema.usage import Usage

__all__ = ["Message", "ToolSpec", "ToolCall", "TopLogprob", "TokenLogprob", "ChatRequest", "Exchange", "Operation"]

Operation = Literal["chat", "count_tokens"]


class Message(Strict):
    role: Literal["system", "user", "assistant"]
    content: str


class ToolSpec(Strict):
    """A function the model may call: its name, what it does, and a JSON Schema of its arguments."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class ToolCall(Strict):
    """A function call the model made, as the server returned it (arguments kept as the raw JSON text)."""

    id: str | None = None
    name: str | None = None
    arguments: str = ""


class TopLogprob(Strict):
    """One of the most likely tokens at an output position, with its log-probability."""

    token: str
    logprob: float


class TokenLogprob(Strict):
    """One output token with its log-probability and the most likely tokens at its position
    (Chat Completions `choices[].logprobs.content[]`)."""

    token: str
    logprob: float
    top: list[TopLogprob] = Field(default_factory=list)


class ChatRequest(Strict):
    """A provider-neutral request; each provider client turns it into its own wire format."""

    op: Operation = "chat"
    messages: list[Message] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    seed: int | None = None
    top_p: float | None = Field(default=None, gt=0, le=1)
    stream: bool = False
    tools: list[ToolSpec] | None = None
    tool_choice: str | None = Field(default=None, description="auto, none, required, or the name of the one "
                                                              "tool the call must use")
    parallel_tool_calls: bool | None = Field(default=None, description="whether the answer may make several "
                                                                       "calls (None: the server's default)")
    reasoning_effort: str | None = Field(default=None, description="this call's reasoning effort instead of "
                                                                   "the target's")
    logprobs: bool | None = Field(default=None, description="ask for the output tokens' log-probabilities")
    top_logprobs: int | None = Field(default=None, ge=0, le=20, description="how many most likely tokens to "
                                                                          "return per position (with logprobs)")


class Exchange(Strict):
    id: str = Field(description="stable id: '<probe_id>/<key>'")
    run_id: str
    probe_id: str
    key: str
    provider: str
    endpoint: str = Field(description="base URL, never with credentials")
    model: str = Field(description="the model name requested")
    request: ChatRequest
    wire_request: dict[str, Any] = Field(description="the JSON body as sent")
    status: int | None = None
    response: dict[str, Any] | None = Field(default=None, description="the JSON body as received")
    text: str | None = Field(default=None, description="the completion text, joined")
    error: str | None = None
    ok: bool = False
    attempts: int = 1
    started_at: dt.datetime
    elapsed_ms: float
    served_model: str | None = None
    system_fingerprint: str | None = None
    usage: Usage | None = Field(default=None, description="the typed usage record, read by the provider")
    reasoning_text: str | None = Field(default=None, description="visible reasoning returned apart from the "
                                                                 "answer (reasoning_content, thinking blocks)")
    finish_reason: str | None = Field(default=None, description="why generation stopped, in OpenAI's terms "
                                                                "(stop, length, …)")
    adaptation: str | None = Field(default=None, description="how the body was adapted after a rejection "
                                                             "(the cap field's name), with the 400 it followed")
    tool_calls: list[ToolCall] | None = Field(default=None, description="function calls the answer made "
                                                                        "(streamed deltas assembled)")
    logprobs: list[TokenLogprob] | None = Field(default=None, description="the output tokens' log-probabilities "
                                                                          "with the top alternatives, when asked "
                                                                          "and returned")

    @property
    def cut_by_cap(self) -> bool:
        """An empty answer because the output cap was reached (hidden reasoning can take all of it):
        no answer at all, never to be read as one."""
        return self.ok and not (self.text or "").strip() and self.finish_reason == "length"

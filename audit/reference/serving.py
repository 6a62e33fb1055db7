"""How the reference endpoint serves a request: its context window, sampling, output cap, tool calls and
streams, each honest by default and each with the fault a real provider has been seen to have.

A profile's `serving:` section (see `Serving`) chooses them; pure functions, no I/O:

- `fit_context`: a prompt past the window is refused with the API's own 400 body, or, as faults, cut
  silently: `middle_out` keeps the head and tail of the longest message (what OpenRouter's middle-out
  transform does, openrouter.ai/docs/transforms), `drop_start` its tail only. Usage then counts the prompt
  that was kept, so `prompt_tokens` is lower than the prompt sent. The window is `context_window`, or the
  model's own in `model_windows`; it holds either the prompt and the requested cap (OpenAI's classic
  "maximum context length is N tokens. However, you requested ..." body, as public issue threads quote
  it, e.g. github.com/crewAIInc/crewAI-examples/issues/121; Anthropic's "prompt is too long: N tokens > W
  maximum" and "input length and `max_tokens` exceed context limit: P + C > W ...", as
  github.com/anthropics/claude-code/issues/12186 and github.com/strands-agents/sdk-python/pull/1078 quote
  them), or, with `reserved_output`, the prompt alone up to the window less the reserve (OpenAI GPT-5:
  "Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in N tokens. ...",
  the body coder's aibridge fixture records and community.openai.com/t/1344734 quotes).
- `sampled`: the request as the model samples it: `always_greedy` ignores temperature and seed,
  `always_sampled` samples at temperature 1 whatever was asked; `ignored_cap` drops the output cap.
- `recall`: a request to list the codes in the prompt is answered with the codes the kept prompt holds.
- `tool_calls`: with tools offered and `tool_choice` not `none`, a call whose arguments are generated from
  the tool's JSON Schema (required fields, enums, nested objects); faults: malformed arguments (not JSON),
  a tool name that was not offered.
"""

from __future__ import annotations

import dataclasses
import json
import re
import random
from typing import Any, Literal

from pydantic import Field, model_validator

from audit.schema.base import NonEmpty, Strict

# `request` below is an audit.reference.replies.ChatInput and `tokenizer` a CountingTokenizer: not imported,
# because replies imports the profile, which imports this module's `Serving`.

__all__ = ["Serving", "Recall", "ContextRefused", "fit_context", "sampled", "recall_text", "tool_calls",
           "context_error", "window_of", "responses_stream_faults", "anthropic_stream_faults"]


class Recall(Strict):
    """The canary codes the model can repeat back when asked to list them."""

    pattern: NonEmpty = Field(default=r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b",
                              description="a regex matching one code")
    keywords: list[NonEmpty] = Field(default_factory=lambda: ["list every code"],
                                     description="case-insensitive substrings of the last user message that ask")


class Serving(Strict):
    context_window: int | None = Field(default=None, ge=16, description="prompt + cap tokens it takes; none: no limit")
    model_windows: dict[NonEmpty, int] = Field(default_factory=dict, description="a model's own window, by model id")
    reserved_output: int | None = Field(default=None, ge=1, description=(
        "output tokens the window holds in reserve: a prompt may fill the window less these, and the cap "
        "does not count (OpenAI GPT-5); none: the prompt and the requested cap share the window"))
    overflow: Literal["refuse", "middle_out", "drop_start"] = "refuse"
    recall: Recall = Field(default_factory=Recall)
    temperature: Literal["honoured", "always_greedy", "always_sampled"] = "honoured"
    output_cap: Literal["honoured", "ignored"] = "honoured"
    tools: Literal["honest", "malformed_arguments", "wrong_name"] = "honest"
    stream_terminator: bool = Field(default=True, description=(
        "end a stream with its terminator: Chat's data: [DONE], Responses' response.completed (or .incomplete), "
        "Messages' message_stop"))
    stream_usage: bool = Field(default=True, description=(
        "send a stream's usage: the chunk Chat's stream_options.include_usage asks for, the usage of Responses' "
        "final event, the usage of Messages' message_start and message_delta"))

    @model_validator(mode="after")
    def _reserve_fits(self) -> "Serving":
        windows = [w for w in (self.context_window, *self.model_windows.values()) if w is not None]
        if self.reserved_output is not None and any(w <= self.reserved_output for w in windows):
            raise ValueError(f"reserved_output {self.reserved_output} leaves no room for a prompt in a "
                             f"{min(windows)}-token window (set reserved_output: null for a shared window)")
        return self


class ContextRefused(Exception):
    """The prompt does not fit the window: the status and the dialect's error body."""

    def __init__(self, body: dict[str, Any]):
        super().__init__(str(body))
        self.status = 400
        self.body = body


def context_error(dialect: str, window: int, prompt: int, cap: int | None,
                  reserved_output: int | None = None) -> dict[str, Any]:
    """The 400 body each dialect sends for a prompt that does not fit the window."""
    if dialect == "anthropic":
        if prompt > window:
            message = f"prompt is too long: {prompt} tokens > {window} maximum"
        else:
            message = (f"input length and `max_tokens` exceed context limit: {prompt} + {cap} > {window}, "
                       "decrease input length or `max_tokens` and try again")
        return {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
    if reserved_output is not None:
        message = (f"Input tokens exceed the configured limit of {window - reserved_output} tokens. Your messages "
                   f"resulted in {prompt} tokens. Please reduce the length of the messages.")
    elif cap:
        message = (f"This model's maximum context length is {window} tokens. However, you requested "
                   f"{prompt + cap} tokens ({prompt} in the messages, {cap} in the completion). "
                   "Please reduce the length of the messages or completion.")
    else:
        message = (f"This model's maximum context length is {window} tokens. However, your messages resulted in "
                   f"{prompt} tokens. Please reduce the length of the messages.")
    return {"error": {"message": message, "type": "invalid_request_error", "param": "messages",
                      "code": "context_length_exceeded"}}


def window_of(serving: Serving, model: str) -> int | None:
    """The window `model` is served with (its own, else the profile's)."""
    return serving.model_windows.get(model, serving.context_window)


def fit_context(serving: Serving, tokenizer: Any, request: Any, prompt: int,
                dialect: str) -> Any:
    """`request` as the window lets it through (`prompt` is its prompt token count): refused
    (ContextRefused), unchanged, or with its longest message cut to fit."""
    window = window_of(serving, request.model)
    if window is None:
        return request
    reserve = serving.reserved_output
    cap = request.max_tokens or 0
    # how far the request runs past what the window takes: the prompt past window - reserve, or prompt + cap
    # past the window
    over = prompt - (window - reserve) if reserve is not None else prompt + cap - window
    if over <= 0:
        return request
    if serving.overflow == "refuse":
        raise ContextRefused(context_error(dialect, window, prompt, request.max_tokens, reserve))
    excess = over + 8  # a few spare: a cut text may re-tokenize a little longer
    longest = max(range(len(request.messages)), key=lambda i: len(request.messages[i][1]))
    role, text = request.messages[longest]
    ids = tokenizer.encode(text)
    keep = max(0, len(ids) - excess)
    if serving.overflow == "middle_out":
        head = keep // 2
        kept = tokenizer.decode(ids[:head]) + tokenizer.decode(ids[len(ids) - (keep - head):]) if keep else ""
    else:
        kept = tokenizer.decode(ids[len(ids) - keep:]) if keep else ""
    messages = list(request.messages)
    messages[longest] = (role, kept)
    return dataclasses.replace(request, messages=tuple(messages))


_RESPONSES_TERMINALS = ("response.completed", "response.incomplete")


def responses_stream_faults(serving: Serving, events: list[dict]) -> list[dict]:
    """A Responses stream as this server cuts it: no terminal event, or a terminal event without usage."""
    out = []
    for event in events:
        if event.get("type") in _RESPONSES_TERMINALS:
            if not serving.stream_terminator:
                continue
            if not serving.stream_usage:
                event = {**event, "response": {**event["response"], "usage": None}}
        out.append(event)
    return out


def anthropic_stream_faults(serving: Serving, events: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """A Messages stream as this server cuts it: no message_stop, or no usage in message_start/message_delta."""
    out = []
    for name, data in events:
        if name == "message_stop" and not serving.stream_terminator:
            continue
        if not serving.stream_usage:
            if name == "message_start":
                data = {**data, "message": {k: v for k, v in data["message"].items() if k != "usage"}}
            elif name == "message_delta":
                data = {k: v for k, v in data.items() if k != "usage"}
        out.append((name, data))
    return out


def sampled(serving: Serving, request: Any) -> Any:
    """The request as this server samples it (temperature and cap faults applied)."""
    changes: dict[str, Any] = {}
    if serving.temperature == "always_greedy":
        changes.update(temperature=0.0, seed=None)
    elif serving.temperature == "always_sampled":
        changes.update(temperature=1.0)
    if serving.output_cap == "ignored":
        changes.update(max_tokens=None)
    return dataclasses.replace(request, **changes) if changes else request


def recall_text(serving: Serving, request: Any) -> str | None:
    """The codes the (kept) prompt holds, when the last user message asks for them; else None."""
    asked = request.last_user_text.casefold()
    if not any(k.casefold() in asked for k in serving.recall.keywords):
        return None
    codes = [c for _, text in request.messages for c in re.findall(serving.recall.pattern, text)]
    return ", ".join(dict.fromkeys(codes)) if codes else "I found no codes."


# ----- tool calls --------------------------------------------------------------------------

_WORDS = "alpha berlin cobalt delta ember falcon granite harbor indigo juniper".split()


def _value(schema: Any, rng, depth: int = 0) -> Any:
    """A value valid under `schema` (the JSON Schema subset function tools use)."""
    if not isinstance(schema, dict):
        return None
    if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
        return rng.choice(schema["enum"])
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        out = {}
        for name, sub in props.items():
            if name in required or (depth < 3 and rng.random() < 0.5):
                out[name] = _value(sub, rng, depth + 1)
        return out
    if kind == "array":
        low = int(schema.get("minItems", 1))
        high = max(low, min(int(schema.get("maxItems", 3)), low + 2))
        return [_value(schema.get("items") or {"type": "string"}, rng, depth + 1) for _ in range(rng.randint(low, high))]
    if kind == "integer":
        low, high = int(schema.get("minimum", 0)), int(schema.get("maximum", 100))
        return rng.randint(low, max(low, high))
    if kind == "number":
        low, high = float(schema.get("minimum", 0)), float(schema.get("maximum", 100))
        return round(rng.uniform(low, max(low, high)), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    return rng.choice(_WORDS)


def _chosen(tools: list[dict], choice: Any, text: str) -> dict | None:
    """The tool to call: the named one, the one the text names (auto: none when it names none), or the first."""
    by_name = {t["name"]: t for t in tools}
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return by_name.get(name)
    lowered = text.casefold()
    named = next((t for t in tools if t["name"].casefold() in lowered
                  or t["name"].replace("_", " ").casefold() in lowered), None)
    if choice == "required":
        return named or tools[0]
    return named  # auto


def tool_calls(serving: Serving, request: Any, tools: list[dict], choice: Any,
               rng_for: Any) -> list[dict] | None:
    """The tool calls the answer makes ([{id, name, arguments}]), or None for a text answer.
    `rng_for(*parts)` gives the seeded random source (audit.reference.replies.seeded_rng with the version)."""
    if not tools or choice == "none":
        return None
    tool = _chosen(tools, choice if choice is not None else "auto", request.last_user_text)
    if tool is None:
        return None
    randomness = ("seed", request.seed) if request.seed is not None else \
        (("greedy",) if request.temperature == 0 else ("nonce", request.nonce))
    rng: random.Random = rng_for("tool", request.messages, tool["name"], randomness)
    arguments = json.dumps(_value(tool.get("parameters") or {"type": "object"}, rng), ensure_ascii=False)
    name = tool["name"]
    if serving.tools == "malformed_arguments":
        arguments = arguments[:-1].replace('"', "'", 1)  # not JSON: a quote swapped, the closing brace gone
    elif serving.tools == "wrong_name":
        name = name + "_v2"
    call_id = "call_" + format(rng.getrandbits(48), "012x")
    return [{"id": call_id, "name": name, "arguments": arguments}]

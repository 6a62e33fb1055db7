"""The typed usage record: what one call consumed, read once where each provider dialect returns.

Every figure is what the server *reported*; None means it reported nothing for that figure.

- `input_tokens`: every prompt token billed, cached reads and cache writes included (Anthropic reports
  those apart from its `input_tokens`; OpenAI's `prompt_tokens` already includes cached tokens).
- `output_tokens`: every generated token billed, hidden reasoning included (OpenAI's
  `completion_tokens` / `output_tokens`, Anthropic's `output_tokens` with thinking inside).
- `reasoning_tokens`: the part of `output_tokens` spent on reasoning, when reported.
- `visible_output_tokens`: `output_tokens - reasoning_tokens` (all of `output_tokens` when no
  reasoning is reported).
- `cached_read_tokens`, `cache_write_tokens`: the cached part of `input_tokens`, when reported.
- `raw`: the usage object exactly as the server sent it.

Evidence written before this record existed stored the usage dict itself (with OpenAI's key names,
Anthropic's beside them); `Usage` reads that shape too, so old runs rescore unchanged.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from audit.schema.base import Strict

__all__ = ["Usage", "int_or_none", "chat_usage", "responses_usage", "messages_usage"]

_FIELDS = ("input_tokens", "output_tokens", "visible_output_tokens", "reasoning_tokens",
           "cached_read_tokens", "cache_write_tokens")


def int_or_none(value: Any) -> int | None:
    """`value` when it is a non-negative integer (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class Usage(Strict):
    input_tokens: int | None = Field(default=None, ge=0)
    output_tokens: int | None = Field(default=None, ge=0)
    visible_output_tokens: int | None = Field(default=None, ge=0)
    reasoning_tokens: int | None = Field(default=None, ge=0)
    cached_read_tokens: int | None = Field(default=None, ge=0)
    cache_write_tokens: int | None = Field(default=None, ge=0)
    raw: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _legacy_dict(cls, data: Any) -> Any:
        """A stored usage dict from before the typed record (no `raw` key): read it as reported."""
        if isinstance(data, dict) and "raw" not in data and not set(data) & {"visible_output_tokens",
                                                                             "cached_read_tokens"}:
            return _from_legacy(data).model_dump()
        return data

    @classmethod
    def of(cls, raw: dict[str, Any], *, input_tokens: Any = None, output_tokens: Any = None,
           reasoning_tokens: Any = None, cached_read_tokens: Any = None, cache_write_tokens: Any = None
           ) -> "Usage":
        """A record from a dialect's figures (anything not a count becomes None); visible output derived."""
        output, reasoning = int_or_none(output_tokens), int_or_none(reasoning_tokens)
        visible = None
        if output is not None:
            visible = max(0, output - reasoning) if reasoning is not None else output
        return cls(input_tokens=int_or_none(input_tokens), output_tokens=output, visible_output_tokens=visible,
                   reasoning_tokens=reasoning, cached_read_tokens=int_or_none(cached_read_tokens),
                   cache_write_tokens=int_or_none(cache_write_tokens), raw=dict(raw))

    @property
    def reported(self) -> bool:
        """Whether the server reported any token count at all."""
        return any(getattr(self, name) is not None for name in _FIELDS)


def _detail(raw: dict[str, Any], group: str, name: str) -> Any:
    details = raw.get(group)
    return details.get(name) if isinstance(details, dict) else None


def chat_usage(raw: dict[str, Any]) -> Usage:
    """OpenAI Chat Completions usage: prompt_tokens (cached included), completion_tokens (reasoning
    included), completion_tokens_details.reasoning_tokens, prompt_tokens_details.cached_tokens."""
    return Usage.of(raw, input_tokens=raw.get("prompt_tokens"), output_tokens=raw.get("completion_tokens"),
                    reasoning_tokens=_detail(raw, "completion_tokens_details", "reasoning_tokens"),
                    cached_read_tokens=_detail(raw, "prompt_tokens_details", "cached_tokens"))


def responses_usage(raw: dict[str, Any]) -> Usage:
    """OpenAI Responses usage: input_tokens (cached included), output_tokens (reasoning included),
    output_tokens_details.reasoning_tokens, input_tokens_details.cached_tokens."""
    return Usage.of(raw, input_tokens=raw.get("input_tokens"), output_tokens=raw.get("output_tokens"),
                    reasoning_tokens=_detail(raw, "output_tokens_details", "reasoning_tokens"),
                    cached_read_tokens=_detail(raw, "input_tokens_details", "cached_tokens"))


def messages_usage(raw: dict[str, Any]) -> Usage:
    """Anthropic Messages usage: input = input_tokens + cache_read_input_tokens +
    cache_creation_input_tokens (reported apart); output_tokens has extended thinking inside."""
    base = int_or_none(raw.get("input_tokens"))
    read, write = int_or_none(raw.get("cache_read_input_tokens")), int_or_none(raw.get("cache_creation_input_tokens"))
    total = None if base is None else base + (read or 0) + (write or 0)
    return Usage.of(raw, input_tokens=total, output_tokens=raw.get("output_tokens"),
                    cached_read_tokens=read, cache_write_tokens=write)


def _from_legacy(raw: dict[str, Any]) -> Usage:
    """The figures of an old stored usage dict: OpenAI Chat keys, or Anthropic's with OpenAI's added."""
    if "input_tokens" in raw and ("cache_read_input_tokens" in raw or "output_tokens" in raw or "prompt_tokens" in raw):
        return messages_usage(raw)
    if "prompt_tokens" in raw or "completion_tokens" in raw:
        return chat_usage(raw)
    return responses_usage(raw)

"""Model API clients: the OpenAI-compatible Chat Completions and Anthropic Messages dialects over
one shared, retrying, concurrency-limited httpx2 transport per endpoint. See `errors` for the
exception tree and `retry` for the policy."""

from __future__ import annotations

from .anthropic import AnthropicMessages
from .base import ChatProvider, Reply, WireCall
from .errors import ProviderError, RequestRejected, RetriesExhausted, Unsupported
from .openai import OpenAIChat
from .retry import RetryPolicy
from .transport import Timeouts, Transport

__all__ = ["PROVIDERS", "ChatProvider", "Reply", "WireCall", "ProviderError", "RequestRejected",
           "RetriesExhausted", "Unsupported", "RetryPolicy", "Timeouts", "Transport", "OpenAIChat",
           "AnthropicMessages"]

PROVIDERS: dict[str, type[ChatProvider]] = {"openai": OpenAIChat, "anthropic": AnthropicMessages}

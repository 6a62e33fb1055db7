"""Model API clients: the OpenAI-compatible Chat Completions, OpenAI Responses and Anthropic Messages dialects over
one shared, retrying, concurrency-limited httpx2 transport per endpoint. See `errors` for the
exception tree and `retry` for the policy."""

from __future__ import annotations

from audit.providers.anthropic import AnthropicMessages
from audit.providers.base import ChatProvider, Reply, WireCall
from audit.providers.errors import ProviderError, RequestRejected, RetriesExhausted, Unsupported
from audit.providers.openai import OpenAIChat
from audit.providers.responses import OpenAIResponses
from audit.providers.retry import RetryPolicy
from audit.providers.transport import Timeouts, Transport

__all__ = ["PROVIDERS", "ChatProvider", "Reply", "WireCall", "ProviderError", "RequestRejected",
           "RetriesExhausted", "Unsupported", "RetryPolicy", "Timeouts", "Transport", "OpenAIChat",
           "AnthropicMessages", "OpenAIResponses"]

PROVIDERS: dict[str, type[ChatProvider]] = {"openai": OpenAIChat, "openai-responses": OpenAIResponses,
                                            "anthropic": AnthropicMessages}

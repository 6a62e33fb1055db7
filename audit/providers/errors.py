"""Why a call to a model API produced no usable response.

    ProviderError            base: carries the attempts made and, where one came, the last HTTP status
    ├── RequestRejected      a 4xx other than 408/409/429: the server refused the request; never retried
    ├── RetriesExhausted     transient failures (transport errors, 408, 409, 429, 5xx, malformed or
    │                        truncated bodies) outlasted the retry policy
    ├── DeadlineExceeded     the call's total deadline passed (a server too slow, or trickling); not retried
    ├── ResponseTooLarge     the response body passed the size cap; not retried
    └── Unsupported          the provider cannot express this request; nothing was sent
"""

from __future__ import annotations

__all__ = ["ProviderError", "RequestRejected", "RetriesExhausted", "DeadlineExceeded", "ResponseTooLarge",
           "Unsupported", "TransientError"]


class ProviderError(Exception):
    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1,
                 body: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.attempts = attempts
        self.body = body


class RequestRejected(ProviderError):
    """The server refused the request (its own message is kept)."""


class RetriesExhausted(ProviderError):
    """Every attempt failed transiently."""


class DeadlineExceeded(ProviderError):
    """No complete response came within the call's total deadline."""


class ResponseTooLarge(ProviderError):
    """The response body was larger than the cap; it was not read further."""


class Unsupported(ProviderError):
    """The request cannot be expressed for this provider; it was never sent."""


class TransientError(Exception):
    """One failed attempt worth retrying (internal to the transport)."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None,
                 body: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.body = body

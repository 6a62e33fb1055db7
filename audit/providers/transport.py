"""The shared HTTP transport: one async httpx2 client per endpoint, a concurrency limit, retries.

Every attempt holds one slot of the endpoint's semaphore; the waits between attempts do not.
Transport errors (refused or dropped connections, timeouts), 408, 409, 429, 5xx, and 2xx bodies
that are not a JSON object (or a stream cut short) are retried with exponential backoff and
jitter, honouring Retry-After. Any other non-2xx status fails at once with the server's message.
No header is ever recorded; the API key lives only in the client's default headers.

httpx2 is pydantic's maintained continuation of httpx: the same API, with a connection pool that
does not rescan every connection on each request (httpx 0.28 spent about 2 ms of CPU per call
there at concurrency 32; see bench/results/runtime.md), and server-sent events built in.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx2

from audit.providers.errors import RequestRejected, RetriesExhausted, TransientError
from audit.providers.retry import RetryPolicy, is_retryable_status, retry_after_seconds

__all__ = ["Transport", "Timeouts", "WireResult", "StreamReader", "server_message"]

StreamReader = Callable[[httpx2.Response], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 120.0


@dataclass(frozen=True)
class WireResult:
    status: int
    body: dict[str, Any]
    attempts: int
    started_at: dt.datetime
    elapsed_ms: float


def server_message(body: Any, raw: bytes) -> str:
    """The error message a server put in its body (OpenAI and Anthropic shapes), else its text."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        for value in (error, body.get("message"), body.get("detail")):
            if isinstance(value, str) and value:
                return value
    text = raw.decode("utf-8", "replace").strip()
    return text[:500] if text else "(empty body)"


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class Transport:
    """POST JSON to one endpoint with a concurrency limit and the retry policy."""

    def __init__(self, base_url: str, *, headers: dict[str, str] | None = None, concurrency: int = 8,
                 timeouts: Timeouts = Timeouts(), retry: RetryPolicy = RetryPolicy(),
                 transport: httpx2.AsyncBaseTransport | None = None, rng: random.Random | None = None):
        self.retry = retry
        self.retries = 0  # attempts that were retried, over the transport's life
        self._rng = rng or random.Random()
        self._limit = asyncio.Semaphore(concurrency)
        self._client = httpx2.AsyncClient(
            base_url=base_url, headers=headers, transport=transport, follow_redirects=False,
            verify=base_url.startswith("https:"),  # a plain-http endpoint needs no CA bundle loaded
            timeout=httpx2.Timeout(timeouts.read, connect=timeouts.connect),
            limits=httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency))

    async def __aenter__(self) -> "Transport":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post(self, path: str, body: dict[str, Any], *, stream: StreamReader | None = None) -> WireResult:
        """Send `body`; return the decoded JSON object (or what `stream` assembled) with timings."""
        started_at = dt.datetime.now(dt.timezone.utc)
        t0 = time.perf_counter()
        last: TransientError | None = None
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                async with self._limit:
                    status, data = await self._attempt(path, body, stream)
                return WireResult(status, data, attempt, started_at, (time.perf_counter() - t0) * 1000)
            except RequestRejected as exc:
                exc.attempts = attempt
                raise
            except TransientError as exc:
                last = exc
                if attempt < self.retry.max_attempts:
                    self.retries += 1
                    await asyncio.sleep(self.retry.delay(attempt, exc.retry_after, self._rng))
        assert last is not None
        raise RetriesExhausted(f"{last.message} (after {self.retry.max_attempts} attempts)", status=last.status,
                               attempts=self.retry.max_attempts, body=last.body)

    async def _attempt(self, path: str, body: dict[str, Any], stream: StreamReader | None) -> tuple[int, dict]:
        try:
            if stream is None:
                response = await self._client.post(path, json=body)
                return self._judge(response, response.content)
            async with self._client.stream("POST", path, json=body) as response:
                content_type = response.headers.get("content-type", "")
                if response.status_code != 200 or "text/event-stream" not in content_type:
                    return self._judge(response, await response.aread())
                return response.status_code, await stream(response)
        except (httpx2.TransportError, httpx2.DecodingError) as exc:
            detail = str(exc).strip()
            raise TransientError(f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__) from None

    @staticmethod
    def _judge(response: httpx2.Response, raw: bytes) -> tuple[int, dict]:
        status = response.status_code
        data = _json_object(raw)
        if 200 <= status < 300:
            if data is None:
                raise TransientError("malformed response: the body is not a JSON object", status=status)
            return status, data
        message = f"HTTP {status}: {server_message(data, raw)}"
        if is_retryable_status(status):
            raise TransientError(message, status=status, body=data,
                                 retry_after=retry_after_seconds(response.headers.get("retry-after")))
        raise RequestRejected(message, status=status, body=data)

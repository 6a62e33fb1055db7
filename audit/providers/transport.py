"""The shared HTTP transport: one async httpx2 client per endpoint, a concurrency limit, retries.

Every attempt holds one slot of the endpoint's semaphore; the waits between attempts do not.
Transport errors (refused or dropped connections, timeouts), 408, 409, 429, 5xx, and 2xx bodies
that are not a JSON object (or a stream cut short) are retried with exponential backoff and
jitter, honouring Retry-After. Any other non-2xx status fails at once with the server's message.
No header is ever recorded; the API key lives only in the client's default headers.

Two limits make every call end: a total deadline per call (connecting, every attempt, the waits
between them; by default four read timeouts, at least 20 s), so a server trickling a byte a second cannot hold a
call forever, and a cap on the response body (16 MiB by default, counted as it arrives, streams
included). Either ends the call as a `ProviderError` the run records as an error exchange; neither
is retried. The time a call waits for a concurrency slot counts toward neither its deadline nor
its `elapsed_ms`.

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

from audit.providers.errors import (DeadlineExceeded, RequestRejected, ResponseTooLarge, RetriesExhausted,
                                    TransientError)
from audit.providers.redact import Redactor
from audit.providers.retry import RetryPolicy, is_retryable_status, retry_after_seconds

__all__ = ["Transport", "Timeouts", "WireResult", "StreamReader", "server_message"]

StreamReader = Callable[[httpx2.Response], Awaitable[dict[str, Any]]]


DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Timeouts:
    """Per-call limits: connect and read timeouts (per socket operation), the call's total deadline
    (None: four read timeouts, at least 20 s) and the largest response body accepted."""

    connect: float = 10.0
    read: float = 120.0
    deadline: float | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @property
    def call_deadline(self) -> float:
        return self.deadline if self.deadline is not None else max(20.0, 4 * self.read)


@dataclass(frozen=True)
class WireResult:
    status: int
    body: dict[str, Any]
    attempts: int
    started_at: dt.datetime
    elapsed_ms: float


def server_message(body: Any, raw: bytes, redactor: Redactor | None = None) -> str:
    """The error message a server put in its body (OpenAI and Anthropic shapes), else its text,
    with the key redacted before the text is cut to 500 characters."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        for value in (error, body.get("message"), body.get("detail")):
            if isinstance(value, str) and value:
                return value
    text = raw.decode("utf-8", "replace").strip()
    if redactor is not None:
        text = redactor.text(text)
    return text[:500] if text else "(empty body)"


class _CappedStream(httpx2.AsyncByteStream):
    """A response's byte stream that fails once more than `cap` bytes have come."""

    def __init__(self, inner: httpx2.AsyncByteStream, cap: int):
        self._inner, self._cap, self._seen = inner, cap, 0

    async def __aiter__(self):
        async for chunk in self._inner:
            self._seen += len(chunk)
            if self._seen > self._cap:
                raise ResponseTooLarge(f"response body larger than {self._cap:,} bytes; not read further")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


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
                 transport: httpx2.AsyncBaseTransport | None = None, rng: random.Random | None = None,
                 secrets: tuple[str, ...] = ()):
        self.retry = retry
        self.timeouts = timeouts
        self._redactor = Redactor(secrets)
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
        """Send `body`; return the decoded JSON object (or what `stream` assembled) with timings.

        The clock (deadline and elapsed_ms) starts when the first attempt gets its slot."""
        loop = asyncio.get_running_loop()
        deadline = self.timeouts.call_deadline
        started_at, t0, ends_at = None, 0.0, 0.0
        last: TransientError | None = None
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                async with self._limit:
                    if started_at is None:
                        started_at, t0 = dt.datetime.now(dt.timezone.utc), time.perf_counter()
                        ends_at = loop.time() + deadline
                    async with asyncio.timeout_at(ends_at):
                        status, data = await self._attempt(path, body, stream)
                return WireResult(status, data, attempt, started_at, (time.perf_counter() - t0) * 1000)
            except TimeoutError:
                raise DeadlineExceeded(f"no complete response within the call deadline of {deadline:g} s",
                                       status=last.status if last else None, attempts=attempt) from None
            except (RequestRejected, ResponseTooLarge) as exc:
                exc.attempts = attempt
                raise
            except TransientError as exc:
                last = exc
                if attempt < self.retry.max_attempts:
                    wait = self.retry.delay(attempt, exc.retry_after, self._rng)
                    if loop.time() + wait >= ends_at:
                        raise DeadlineExceeded(f"{exc.message} (the call deadline of {deadline:g} s leaves no "
                                               f"time to retry after {attempt} attempts)", status=exc.status,
                                               attempts=attempt, body=exc.body) from None
                    self.retries += 1
                    await asyncio.sleep(wait)
        assert last is not None
        raise RetriesExhausted(f"{last.message} (after {self.retry.max_attempts} attempts)", status=last.status,
                               attempts=self.retry.max_attempts, body=last.body)

    async def _attempt(self, path: str, body: dict[str, Any], stream: StreamReader | None) -> tuple[int, dict]:
        cap = self.timeouts.max_body_bytes
        try:
            async with self._client.stream("POST", path, json=body) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise ResponseTooLarge(f"response body of {int(declared):,} bytes is larger than the cap of "
                                           f"{cap:,} bytes; not read", status=response.status_code)
                response.stream = _CappedStream(response.stream, cap)
                content_type = response.headers.get("content-type", "")
                if stream is None or response.status_code != 200 or "text/event-stream" not in content_type:
                    return self._judge(response, await response.aread(), self._redactor)
                return response.status_code, await stream(response)
        except ResponseTooLarge as exc:
            exc.status = exc.status or response.status_code
            raise
        except (httpx2.TransportError, httpx2.DecodingError) as exc:
            detail = str(exc).strip()
            raise TransientError(f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__) from None

    @staticmethod
    def _judge(response: httpx2.Response, raw: bytes, redactor: Redactor | None = None) -> tuple[int, dict]:
        status = response.status_code
        data = _json_object(raw)
        if 200 <= status < 300:
            if data is None:
                raise TransientError("malformed response: the body is not a JSON object", status=status)
            return status, data
        message = f"HTTP {status}: {server_message(data, raw, redactor)}"
        if is_retryable_status(status):
            raise TransientError(message, status=status, body=data,
                                 retry_after=retry_after_seconds(response.headers.get("retry-after")))
        raise RequestRejected(message, status=status, body=data)

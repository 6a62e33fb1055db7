"""The transport's retry policy and the OpenAI client, against a real loopback server."""

import asyncio
import datetime as dt
import time

import httpx2
import pytest
from rt_loopback import Loopback

from audit.providers import OpenAIChat, RequestRejected, RetriesExhausted, RetryPolicy, Timeouts, Transport
from audit.providers.retry import is_retryable_status, retry_after_seconds
from audit.schema.evidence import ChatRequest, Message

FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)


def chat(text="hello", **kw):
    return ChatRequest(messages=[Message(role="user", content=text)], **kw)


def send(server, request, *, retry=FAST, timeouts=Timeouts(), concurrency=4):
    async def go():
        async with Transport(OpenAIChat.base_url(server.base_url), retry=retry, timeouts=timeouts,
                             concurrency=concurrency) as transport:
            client = OpenAIChat(transport, "m1")
            return await client.send(client.wire_call(request), request)
    return asyncio.run(go())


def test_retryable_statuses():
    assert all(is_retryable_status(s) for s in (408, 409, 429, 500, 502, 503, 599))
    assert not any(is_retryable_status(s) for s in (400, 401, 403, 404, 422))


def test_retry_after_reads_seconds_and_http_dates():
    now = dt.datetime(2025, 1, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds("3", now) == 3.0
    assert retry_after_seconds("Wed, 01 Jan 2025 12:00:05 GMT", now) == 5.0
    assert retry_after_seconds("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    import random
    rng = random.Random(1)
    delays = [policy.delay(n, rng=rng) for n in (1, 2, 3, 4, 5)]
    assert 0.5 <= delays[0] <= 1.0 and 1.0 <= delays[1] <= 2.0 and all(2.0 <= d <= 4.0 for d in delays[2:])
    assert policy.delay(1, retry_after=3.0, rng=rng) >= 3.0


def test_plain_chat_reads_text_model_fingerprint_and_usage():
    with Loopback(served_model="m1-2025") as server:
        reply = send(server, chat("hi there", temperature=0, seed=7, max_tokens=5))
    assert reply.status == 200 and reply.text == "echo: hi there" and reply.attempts == 1
    assert reply.served_model == "m1-2025" and reply.system_fingerprint == "fp_loop"
    assert reply.usage.input_tokens == 7
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["body"] == {"model": "m1", "messages": [{"role": "user", "content": "hi there"}],
                            "temperature": 0, "max_tokens": 5, "seed": 7}


def test_429_with_retry_after_is_honoured():
    with Loopback() as server:
        server.faults = ["429:1"]
        t0 = time.perf_counter()
        reply = send(server, chat())
        waited = time.perf_counter() - t0
    assert reply.attempts == 2 and reply.text == "echo: hello"
    assert waited >= 1.0
    assert len(server.requests) == 2


def test_429_with_http_date_retry_after():
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)
    with Loopback() as server:
        server.faults = ["429:" + when.strftime("%a, %d %b %Y %H:%M:%S GMT")]
        t0 = time.perf_counter()
        reply = send(server, chat())
    assert reply.attempts == 2 and time.perf_counter() - t0 >= 0.9


@pytest.mark.parametrize("fault", ["500", "drop", "badjson"])
def test_transient_failures_are_retried(fault):
    with Loopback() as server:
        server.faults = [fault, fault]
        reply = send(server, chat())
    assert reply.attempts == 3 and reply.text == "echo: hello"
    assert len(server.requests) == 3


def test_read_timeout_is_retried():
    with Loopback() as server:
        server.faults = ["slow:1.0"]
        reply = send(server, chat(), timeouts=Timeouts(connect=2, read=0.3))
    assert reply.attempts == 2


@pytest.mark.parametrize("status", ["400", "401", "404"])
def test_other_4xx_fail_at_once_with_the_server_message(status):
    with Loopback() as server:
        server.faults = [status]
        with pytest.raises(RequestRejected) as caught:
            send(server, chat())
    assert caught.value.status == int(status) and caught.value.attempts == 1
    assert f"server says {status}: bad thing" in caught.value.message
    assert len(server.requests) == 1


def test_retries_run_out():
    with Loopback() as server:
        server.faults = ["500"] * 10
        with pytest.raises(RetriesExhausted) as caught:
            send(server, chat())
    assert caught.value.attempts == 4 and caught.value.status == 500
    assert "bad thing" in caught.value.message and len(server.requests) == 4


def test_streaming_joins_text_and_reads_the_usage_chunk():
    with Loopback() as server:
        reply = send(server, chat("stream me", stream=True))
    assert reply.text == "echo: stream me" and reply.usage.output_tokens == 3
    assert reply.served_model == "m1" and reply.system_fingerprint == "fp_loop"
    body = server.requests[0]["body"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert [c["object"] for c in reply.body["stream"]] == ["chat.completion.chunk"] * 3


def test_a_stream_cut_mid_body_is_retried():
    with Loopback() as server:
        server.faults = ["stream-drop"]
        reply = send(server, chat("stream me", stream=True))
    assert reply.attempts == 2 and reply.text == "echo: stream me"


def test_concurrency_limit_per_endpoint():
    with Loopback(delay=0.1) as server:
        async def go():
            async with Transport(server.base_url + "/v1", concurrency=3, retry=FAST) as transport:
                client = OpenAIChat(transport, "m1")
                requests = [chat(f"p{i}") for i in range(12)]
                return await asyncio.gather(*(client.send(client.wire_call(r), r) for r in requests))
        replies = asyncio.run(go())
    assert len(replies) == 12 and server.max_in_flight == 3


def test_mock_transport_seam():
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.headers["authorization"] == "Bearer k"
        return httpx2.Response(200, json={"model": "x", "choices": [{"message": {"content": "ok"}}]})

    async def go():
        async with Transport("http://mock/v1", headers=OpenAIChat.auth_headers("k"),
                             transport=httpx2.MockTransport(handler)) as transport:
            client = OpenAIChat(transport, "x")
            return await client.send(client.wire_call(chat()), chat())
    reply = asyncio.run(go())
    assert reply.text == "ok" and reply.usage is None


def test_base_urls():
    assert OpenAIChat.base_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000/v1"
    assert OpenAIChat.base_url("https://openrouter.ai/api/v1/") == "https://openrouter.ai/api/v1"

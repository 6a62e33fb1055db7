"""Injected faults over a real socket: each kind, their determinism, and that retries get through."""

from __future__ import annotations

import json

import httpx2
import pytest

from audit.reference import ReferenceServer

from .conftest import chat

ALWAYS = {"max_per_request": 100}


def faulty(kind: str, **extra) -> ReferenceServer:
    return ReferenceServer("default", faults={kind: 1.0, **ALWAYS, **extra})


def test_rate_limit_is_429_with_retry_after(client):
    with faulty("rate_limit", retry_after=2) as server:
        response = chat(client, server, "hi")
        assert response.status_code == 429
        assert response.headers["retry-after"] == "2"
        assert response.headers["retry-after-ms"] == "2000"
        assert response.json()["error"]["type"] == "rate_limit_exceeded"
        anthropic = client.post(server.base_url + "/messages",
                                json={"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]})
        assert anthropic.status_code == 429 and anthropic.json()["error"]["type"] == "rate_limit_error"
        assert server.requests.faults() == {"rate_limit": 2}


def test_server_error_is_500(client):
    with faulty("server_error") as server:
        response = chat(client, server, "hi")
        assert response.status_code == 500 and "error" in response.json()
        assert server.requests.records[0].status == 500


def test_timeout_stalls_past_the_read_timeout(client):
    with faulty("timeout", timeout_seconds=5) as server:
        with pytest.raises(httpx2.ReadTimeout):
            httpx2.post(server.base_url + "/chat/completions", timeout=httpx2.Timeout(5, read=0.3),
                       json={"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    # leaving the block woke the stalled handler: stopping did not wait the 5 s
    assert server.requests.records[0].fault == "timeout" and server.requests.records[0].status is None
    assert server.requests.records[0].elapsed_ms < 4000


def test_malformed_json_body(client):
    with faulty("malformed_json") as server:
        response = chat(client, server, "hi")
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.text)


def test_malformed_event_in_a_stream(client):
    with faulty("malformed_json") as server:
        response = chat(client, server, "hi", stream=True)
        data = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
        broken = 0
        for payload in data:
            if payload != "[DONE]":
                try:
                    json.loads(payload)
                except json.JSONDecodeError:
                    broken += 1
        assert broken == 1


def test_drop_cuts_the_body(client):
    with faulty("drop") as server:
        with pytest.raises(httpx2.RemoteProtocolError):
            chat(client, server, "hi")
        with pytest.raises(httpx2.RemoteProtocolError):
            chat(client, server, "hi", stream=True)
        assert server.requests.faults() == {"drop": 2}
        # the server keeps serving other connections afterwards
        assert client.get(server.base_url + "/models").status_code == 200


def test_after_max_per_request_faults_the_same_body_is_served(client):
    with ReferenceServer("default", faults={"server_error": 1.0, "max_per_request": 2}) as server:
        statuses = [chat(client, server, "same body").status_code for _ in range(4)]
        assert statuses == [500, 500, 200, 200]
        assert [r.attempt for r in server.requests.records] == [1, 2, 3, 4]


def _fault_sequence(seed: int, prompts: list[str]) -> dict[str, str | None]:
    faults = {"seed": seed, "rate_limit": 0.1, "server_error": 0.1, "malformed_json": 0.1, "drop": 0.1}
    with ReferenceServer("default", faults=faults) as server, httpx2.Client(timeout=5) as http:
        for prompt in prompts:
            try:
                chat(http, server, prompt)
            except httpx2.HTTPError:
                pass
        by_prompt = {r.body["messages"][0]["content"]: r.fault for r in server.requests.records}
    return by_prompt


def test_faults_are_deterministic_given_the_seed_and_near_their_rates():
    prompts = [f"prompt number {i}" for i in range(200)]
    first = _fault_sequence(7, prompts)
    assert _fault_sequence(7, list(reversed(prompts))) == first  # arrival order does not matter
    assert _fault_sequence(8, prompts) != first
    rate = sum(f is not None for f in first.values()) / len(first)
    assert 0.28 <= rate <= 0.52  # 40% configured
    assert {f for f in first.values() if f} == {"rate_limit", "server_error", "malformed_json", "drop"}


def test_latency_is_applied(client):
    with ReferenceServer("default", latency={"fixed_ms": 150, "jitter_ms": 20}) as server:
        chat(client, server, "slow")
        assert 150 <= server.requests.records[0].elapsed_ms < 1500


def test_many_concurrent_slow_requests_overlap():
    import concurrent.futures
    import time

    with ReferenceServer("default", latency={"fixed_ms": 200}) as server, \
            httpx2.Client(timeout=10, limits=httpx2.Limits(max_connections=40)) as http:
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            codes = list(pool.map(lambda i: chat(http, server, f"p{i}").status_code, range(32)))
        elapsed = time.perf_counter() - started
    assert codes == [200] * 32
    assert elapsed < 32 * 0.2 / 4  # served concurrently, not one after another (6.4 s)

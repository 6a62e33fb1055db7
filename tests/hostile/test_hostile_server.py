"""Runs against a hostile server on 127.0.0.1 (tests/support/hostile_server.py): the key echoed back in
every encoding is in no file written, a trickling or stalled server meets the per-call deadline, a
huge body meets the cap, and garbage, resets and redirects are error exchanges, never a crash."""

from __future__ import annotations

import asyncio
import json
import time
from itertools import product
from pathlib import Path

import pytest

from audit.providers import OpenAIChat, RetryPolicy, Timeouts, Transport
from audit.providers.errors import DeadlineExceeded, ResponseTooLarge
from audit.schema.evidence import ChatRequest, Message
from tests.hostile.conftest import invoke, tiny_drift_probe
from tests.support.hostile_server import ENCODINGS, HostileServer, key_fragments

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "data" / "disclosures" / "allenai" / "olmo-2-7b.yaml"
KEY = "sk-test-PLANTED-secret-Key-0123456789"
PLACES = ("json-error", "text", "html", "reply", "model")


def run(tmp_path: Path, server: HostileServer, *extra: str, prompts: int = 1, repeats: int = 2, env=None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    probe = tiny_drift_probe(tmp_path, repeats=repeats, prompts=prompts)
    target = tmp_path / "target.yaml"
    target.write_text(f"model: m\nbase_url: {server.base_url}\nmax_attempts: 1\nread_timeout: 5\n")
    from typer.testing import CliRunner

    from audit.cli.app import app
    args = ["run", str(RECORD), "--target", str(target), "--probes", str(probe), "--out", str(tmp_path / "out"),
            "--run-id", "h", "--no-history", "--formats", "json,md", *extra]
    return CliRunner().invoke(app, args, env=env, catch_exceptions=False)


def evidence(tmp_path: Path) -> list[dict]:
    path = tmp_path / "out" / "runs" / "h" / "evidence.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def written_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def test_the_key_echoed_in_every_encoding_and_place_is_in_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOSTILE_TEST_KEY", KEY)
    combos = [f"echo:{enc}:{where}" for enc, where in product(ENCODINGS, PLACES)]
    with HostileServer() as server:
        server.queue(*combos)
        result = run(tmp_path, server, "--api-key-env", "HOSTILE_TEST_KEY", "--concurrency", "4",
                     prompts=13, repeats=2)  # 52 calls: every combination once, then plain replies
    assert result.exit_code == 0, result.stderr
    assert len(server.requests) == 52
    lines = evidence(tmp_path)
    assert sum("[REDACTED]" in json.dumps(line) for line in lines) >= len(combos)
    files = written_files(tmp_path)
    assert len(files) >= 5
    for path in files:
        assert key_fragments(path.read_bytes(), KEY) == [], path
    assert key_fragments(result.stdout + result.stderr, KEY) == []


def test_a_text_body_cut_at_500_characters_keeps_no_prefix_of_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("HOSTILE_TEST_KEY", KEY)
    with HostileServer() as server:
        server.always = "echo:plain:text"
        result = run(tmp_path, server, "--api-key-env", "HOSTILE_TEST_KEY")
    assert result.exit_code == 0, result.stderr
    errors = [line["error"] for line in evidence(tmp_path)]
    assert errors and all("key=[REDACTED]" in e for e in errors), errors
    assert all(key_fragments(p.read_bytes(), KEY, size=6) == [] for p in written_files(tmp_path))


def chat(text: str = "hi") -> ChatRequest:
    return ChatRequest(messages=[Message(role="user", content=text)])


def send(server: HostileServer, timeouts: Timeouts):
    async def go():
        async with Transport(OpenAIChat.base_url(server.base_url), timeouts=timeouts,
                             retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)) as transport:
            client = OpenAIChat(transport, "m")
            request = chat()
            return await client.send(client.wire_call(request), request)
    return asyncio.run(go())


@pytest.mark.parametrize("behaviour", ["trickle:0.2", "stall"])
def test_the_call_deadline_ends_a_trickling_or_stalled_reply(behaviour):
    with HostileServer() as server:
        server.always = behaviour
        t0 = time.perf_counter()
        with pytest.raises(DeadlineExceeded, match="call deadline of 1.5 s"):
            send(server, Timeouts(read=1.0, deadline=1.5))  # each byte comes within the read timeout
        assert time.perf_counter() - t0 < 4


def test_the_deadline_flag_and_its_variable_bound_a_whole_run(tmp_path):
    with HostileServer() as server:
        server.always = "trickle:0.3"
        t0 = time.perf_counter()
        result = run(tmp_path, server, prompts=3, env={"AUDIT_CALL_DEADLINE": "1"})
        took = time.perf_counter() - t0
    assert result.exit_code == 0, result.stderr
    assert took < 30
    errors = [line["error"] for line in evidence(tmp_path)]
    assert errors and all("call deadline of 1 s" in e for e in errors), errors
    assert "calls in a row got no complete response within their deadline" in result.stdout
    with HostileServer() as server:  # the flag wins over the variable
        server.always = "trickle:0.3"
        result = run(tmp_path / "flag", server, "--call-deadline", "0.5", env={"AUDIT_CALL_DEADLINE": "30"})
    assert all("call deadline of 0.5 s" in line["error"] for line in evidence(tmp_path / "flag"))


@pytest.mark.parametrize("behaviour, message", [("huge:200000", "larger than the cap of 100,000 bytes"),
                                                ("huge-chunked:200000", "larger than 100,000 bytes")])
def test_the_body_cap_ends_a_huge_reply_declared_or_not(behaviour, message):
    with HostileServer() as server:
        server.always = behaviour
        with pytest.raises(ResponseTooLarge, match=message) as info:
            send(server, Timeouts(max_body_bytes=100_000))
    assert info.value.attempts == 1  # not retried


def test_the_cap_flag_keeps_huge_replies_out_of_the_evidence(tmp_path):
    with HostileServer() as server:
        server.always = "huge-chunked:3000000"
        result = run(tmp_path, server, "--max-response-bytes", "100000")
    assert result.exit_code == 0, result.stderr
    lines = evidence(tmp_path)
    assert lines and all("larger than 100,000 bytes" in line["error"] for line in lines)
    assert (tmp_path / "out" / "runs" / "h" / "evidence.jsonl").stat().st_size < 50_000


def test_the_default_cap_is_16_mib(tmp_path):
    with HostileServer() as server:
        server.always = "huge:20000000"
        result = run(tmp_path, server)
    assert result.exit_code == 0, result.stderr
    assert all("larger than the cap of 16,777,216 bytes" in line["error"] for line in evidence(tmp_path))


def test_limits_from_a_target_file_and_bad_values_are_located(tmp_path):
    target = tmp_path / "t.yaml"
    target.write_text("model: m\nbase_url: http://127.0.0.1:9/v1\ncall_deadline: -1\nmax_response_bytes: 10\n")
    result = invoke("run", str(RECORD), "--target", str(target), "--dry-run")
    assert result.exit_code == 2
    assert f"{target}:3: call_deadline:" in result.stderr and f"{target}:4: max_response_bytes:" in result.stderr


@pytest.mark.parametrize("behaviour, message", [("garbage", "not a JSON object"), ("reset", ""),
                                                ("redirect", "HTTP 302")])
def test_garbage_resets_and_redirects_are_error_exchanges(tmp_path, behaviour, message):
    with HostileServer() as server:
        server.always = behaviour
        result = run(tmp_path, server)
    assert result.exit_code == 0, result.stderr
    lines = evidence(tmp_path)
    assert lines and all(not line["ok"] and message in line["error"] for line in lines), lines[0]["error"]
    assert all("198.51.100.7" not in json.dumps(line) or behaviour == "redirect" for line in lines)
    assert len(server.requests) == len(lines)  # a redirect is not followed

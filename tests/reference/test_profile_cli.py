"""Profiles: shipped ones load, bad ones fail with file:line:field; and the serve-reference command."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx2
import pytest

from audit.core.errors import InputError
from audit.reference import ReferenceServer, list_profiles, load_profile


@pytest.mark.parametrize("path", list_profiles(), ids=lambda p: p.stem)
def test_shipped_profiles_load_and_serve(path, client):
    profile = load_profile(path.stem)
    assert profile.id == path.stem
    with ReferenceServer(profile, latency={"fixed_ms": 0}, faults={"rate_limit": 0, "server_error": 0,
                                                                    "timeout": 0, "malformed_json": 0,
                                                                    "drop": 0}) as server:
        response = client.post(server.base_url + "/chat/completions",
                               json={"model": profile.models[0], "messages": [{"role": "user", "content": "hi"}]})
        assert response.status_code == 200


def _problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_profile(path)
    return caught.value.messages()


def test_unknown_key_is_reported_with_file_line_and_field(tmp_path):
    messages = _problems(tmp_path, "id: x\nlatency:\n  fixed_ms: 10\n  jiter_ms: 5\n")
    assert messages == [f"{tmp_path / 'bad.yaml'}:4: latency.jiter_ms: unknown key"]


def test_unknown_tokenizer_is_reported_at_its_line(tmp_path):
    messages = _problems(tmp_path, "id: x\nversions:\n  a: {}\n  b:\n    tokenizer: no-such-vocab\n")
    assert len(messages) == 1
    assert messages[0].startswith(f"{tmp_path / 'bad.yaml'}:5: versions.b.tokenizer: unknown tokenizer 'no-such-vocab'")


def test_invalid_values_are_reported(tmp_path):
    messages = _problems(tmp_path, "id: x\nfaults:\n  rate_limit: 0.7\n  drop: 0.6\n"
                                   "generation:\n  words: [10, 2]\n")
    assert any(":2: faults:" in m and "more than 1" in m for m in messages)
    assert any(":6: generation.words:" in m or ":5: generation:" in m for m in messages)
    messages = _problems(tmp_path, "id: x\nversion: c\nversions: {a: {}, b: {}}\n")
    assert "version 'c' is not one of" in messages[0]


def test_extends_merges_over_the_base(tmp_path):
    path = tmp_path / "child.yaml"
    path.write_text("extends: default\nid: child\nlatency: {fixed_ms: 5}\ngeneration: {style: terse}\n")
    profile = load_profile(path)
    assert profile.id == "child" and profile.latency.fixed_ms == 5
    assert profile.generation.style == "terse" and profile.generation.words == (20, 60)
    assert len(profile.persona.topics) == 5
    loop = tmp_path / "loop.yaml"
    loop.write_text("extends: loop.yaml\nid: loop\n")
    with pytest.raises(InputError, match="loop"):
        load_profile(loop)


def test_overrides_merge_into_a_shipped_profile():
    profile = load_profile("default", faults={"drop": 0.5}, served_model="x")
    assert profile.faults.drop == 0.5 and profile.faults.seed == 0 and profile.served_model == "x"
    assert load_profile(profile, latency={"fixed_ms": 7}).latency.fixed_ms == 7


def test_non_loopback_host_is_refused():
    with pytest.raises(InputError, match="not a loopback"):
        ReferenceServer("default", host="0.0.0.0")


def _serve(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "audit", "serve-reference", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_serve_reference_prints_the_base_url_and_serves():
    process = _serve("--profile", "default", "--version", "b")
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        body = httpx2.post(base_url + "/chat/completions", timeout=10,
                          json={"model": "m", "messages": [{"role": "user", "content": "hi"}]}).json()
        assert body["system_fingerprint"] == "fp_ref_b7"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_reference_bad_input_exits_2_with_one_line(cli, tmp_path):
    result = cli("serve-reference", "--host", "10.1.2.3")
    assert result.returncode == 2 and "not a loopback address" in result.stderr
    assert "Traceback" not in result.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nmodels: 3\n")
    result = cli("serve-reference", "--profile", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: {bad}:2: models: Input should be a valid list"]


def test_an_output_reserve_as_large_as_the_window_is_reported(tmp_path):
    """A profile extending gpt-5.4 (128,000 held in reserve) with a small window must drop the reserve."""
    (message,) = _problems(tmp_path, "extends: gpt-5.4\nid: x\nserving:\n  context_window: 8192\n")
    assert str(tmp_path / "bad.yaml") in message and "serving" in message
    assert "reserved_output 128000 leaves no room for a prompt in a 8192-token window" in message


def test_audit_validate_knows_reference_profiles(tmp_path):
    """`audit validate` checks reference-endpoint profiles (shipped ones in data/reference, and any file
    that reads as one) instead of reporting their keys as unknown record keys."""
    bad = tmp_path / "narrow.yaml"
    bad.write_text("extends: gpt-5.4\nid: narrow\nserving:\n  context_window: 8192\n", encoding="utf-8")
    folder = os.path.join(os.path.dirname(__file__), "..", "..", "data", "reference")
    shipped = subprocess.run([sys.executable, "-m", "audit", "validate", folder], capture_output=True,
                             text=True, timeout=120)
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    assert "ok  profile" in shipped.stdout and "serving-stream-cut" in shipped.stdout
    broken = subprocess.run([sys.executable, "-m", "audit", "validate", str(bad)], capture_output=True, text=True,
                            timeout=120)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert f"{bad}:3: serving: reserved_output 128000 leaves no room" in broken.stdout + broken.stderr

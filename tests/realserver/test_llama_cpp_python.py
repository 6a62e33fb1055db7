"""Against llama-cpp-python's real server serving tiny models with real tokenizers."""

from __future__ import annotations

import httpx2
import pytest

pytestmark = pytest.mark.realserver

PROBES = ["The quick brown fox jumps over the lazy dog.", "1234567890 + 987654321 = ?",
          "東京は日本の首都です。", "مرحبا بالعالم", "emoji 🙂🙃 and ünïcödé", "def f(x):\n    return x * 2"]
BASE = "You are auditing a model. Count carefully."


def _chat(server, model: str, content: str, **extra) -> dict:
    response = httpx2.post(server.base_url + "/chat/completions", timeout=120,
                          json={"model": model, "messages": [{"role": "user", "content": content}],
                                "max_tokens": 8, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_lists_models_and_answers_chat_completions(llama_cpp_server):
    listed = {m["id"] for m in httpx2.get(llama_cpp_server.base_url + "/models", timeout=30).json()["data"]}
    assert {"tiny-llama3", "tiny-llama3-b", "tiny-qwen2"} <= listed
    body = _chat(llama_cpp_server, "tiny-llama3", "Hello world", seed=1)
    assert body["model"] == "tiny-llama3"
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert body["usage"]["completion_tokens"] <= 8
    assert body["usage"]["prompt_tokens"] > 0


@pytest.mark.parametrize("model,vocab", [("tiny-llama3", "llama-bpe"), ("tiny-qwen2", "qwen2")])
def test_prompt_token_differencing_equals_the_vocab_count(llama_cpp_server, vocab_count, model, vocab):
    base = _chat(llama_cpp_server, model, BASE, seed=1)["usage"]["prompt_tokens"]
    for probe in PROBES:
        with_probe = _chat(llama_cpp_server, model, BASE + "\n" + probe, seed=1)["usage"]["prompt_tokens"]
        assert with_probe - base == vocab_count(vocab, BASE + "\n" + probe) - vocab_count(vocab, BASE), probe
        assert with_probe - base == vocab_count(vocab, probe), probe  # "\n" joins the base's final "."


def test_same_seed_repeats_and_other_weights_differ(llama_cpp_server):
    def text(model: str, seed: int) -> str:
        return _chat(llama_cpp_server, model, "Tell me a story.", seed=seed)["choices"][0]["message"]["content"]

    first = text("tiny-llama3", 7)
    assert text("tiny-llama3", 7) == first
    assert text("tiny-llama3-b", 7) != first


def test_serve_command_stops_its_server_on_sigterm(tiny_models):
    """`python -m tests.support.realserver.serve` under kill (SIGTERM) leaves no server child behind."""
    import signal
    import subprocess
    import sys

    from tests.support.realserver.servers import llama_cpp_python_status
    from tests.support.realserver.testing import unavailable

    if reason := llama_cpp_python_status():
        unavailable(reason)
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.realserver.serve"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert httpx2.get(base_url + "/models", timeout=30).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        with pytest.raises(httpx2.TransportError):
            httpx2.get(base_url + "/models", timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()

"""Against llama.cpp's own C++ llama-server (built by scripts/setup-real-servers.sh --llama-server)."""

from __future__ import annotations

import httpx2
import pytest

pytestmark = pytest.mark.realserver

BASE = "You are auditing a model. Count carefully."
PROBES = ["The quick brown fox jumps over the lazy dog.", "東京は日本の首都です。", "emoji 🙂🙃 and ünïcödé"]


def _prompt_tokens(server, content: str) -> int:
    response = httpx2.post(server.base_url + "/chat/completions", timeout=120,
                          json={"model": "tiny-llama3", "messages": [{"role": "user", "content": content}],
                                "max_tokens": 4, "seed": 1})
    assert response.status_code == 200, response.text
    return response.json()["usage"]["prompt_tokens"]


def test_answers_and_reports_a_fingerprint(llama_server):
    response = httpx2.post(llama_server.base_url + "/chat/completions", timeout=120,
                          json={"model": "tiny-llama3", "messages": [{"role": "user", "content": "Hello"}],
                                "max_tokens": 4, "seed": 1})
    body = response.json()
    assert response.status_code == 200
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert body.get("system_fingerprint")


def test_differencing_and_tokenize_endpoint_match_the_vocab(llama_server, vocab_count):
    base = _prompt_tokens(llama_server, BASE)
    for probe in PROBES:
        difference = _prompt_tokens(llama_server, BASE + "\n" + probe) - base
        assert difference == vocab_count("llama-bpe", BASE + "\n" + probe) - vocab_count("llama-bpe", BASE)
        tokens = httpx2.post(llama_server.url + "/tokenize", json={"content": probe}, timeout=30).json()["tokens"]
        assert len(tokens) == vocab_count("llama-bpe", probe)

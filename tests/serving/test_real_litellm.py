"""The serving probe through the LiteLLM proxy in front of llama-server: a second real server with its own
parameter handling (it re-serializes each request for its `openai/` backend and maps the backend's errors
to its own). The checks must read the same truths through it as straight from llama-server: the real
2,048-token limit, no silent truncation, tool calls that parse and fit their schemas, caps, sampling,
seed and streams honoured; and the proxy's master key must stay out of the evidence."""

from __future__ import annotations

import pytest

from tests.support.serving import run_serving, serving_probe, serving_target

pytestmark = pytest.mark.realserver

N_CTX = 2048
ONLY_CONTEXT = {"cap": {"enabled": False}, "sampling": {"enabled": False}, "tools": {"enabled": False},
                "stream": {"enabled": False}}


def _run(proxy, tmp_path, model: str, declared: int | None, probe, name: str):
    evidence = tmp_path / f"{name}.jsonl"
    _, done, findings = run_serving(proxy.base_url, serving_target(declared, model=model), evidence, probe,
                                    concurrency=1, api_key=proxy.master_key)
    assert proxy.master_key not in evidence.read_text(encoding="utf-8")
    return done, {f.check: f for f in findings}


@pytest.mark.parametrize("declared, outcome", [(N_CTX, "pass"), (2 * N_CTX, "fail")])
def test_the_context_limit_reads_the_same_through_litellm(litellm_over_llama_server, tmp_path, declared, outcome):
    done, found = _run(litellm_over_llama_server, tmp_path, "tiny-llama3", declared, serving_probe(**ONLY_CONTEXT),
                       f"ctx{declared}")
    window, trunc = found["context-window"], found["silent-truncation"]
    assert window.outcome == outcome, window.message
    assert trunc.outcome == "pass", trunc.message
    assert done["ctx.past"].status is not None and 400 <= done["ctx.past"].status < 500, done["ctx.past"].error
    if outcome == "fail":
        v = window.values
        assert v["limit_low"] < N_CTX <= v["limit_high"] + 1, v
        assert v["limit_high"] - v["limit_low"] <= v["resolution_tokens"], v


def test_tool_calls_through_litellm_parse_and_fit_their_schemas(litellm_over_llama_server, tmp_path):
    probe = serving_probe(context={"enabled": False}, cap={"enabled": False}, sampling={"enabled": False},
                          stream={"enabled": False},
                          tools={"max_tokens": 256, "modes": ["required", "none", "required.stream"]})
    done, got = _run(litellm_over_llama_server, tmp_path, "tiny-llama3-tools", None, probe, "tools")
    for check in ("tool-arguments-parse", "tool-arguments-schema", "tool-name-offered", "tool-call-when-required",
                  "tool-stream-assembly", "tool-finish-reason"):
        assert got[check].outcome == "pass", (check, got[check].message, got[check].values)
    assert done["tool.get_weather.required"].tool_calls


def test_cap_sampling_seed_and_streams_through_litellm(litellm_over_llama_server, tmp_path):
    probe = serving_probe(context={"enabled": False}, tools={"enabled": False})
    _, found = _run(litellm_over_llama_server, tmp_path, "tiny-llama3", None, probe, "misc")
    got = {check: f.outcome for check, f in found.items()}
    for check in ("output-cap", "temperature-honoured", "seed-honoured", "stream-agreement", "stream-terminator",
                  "stream-usage"):
        assert got[check] == "pass", (check, found[check].message)

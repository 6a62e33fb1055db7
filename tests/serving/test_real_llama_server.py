"""The serving probe against llama.cpp's llama-server (tests/support/realserver/serving.py): with `-c 2048` the
context check finds the real limit within its stated resolution and no silent truncation, with and without
context shift; with a tool-capable template (`--jinja`, Llama-3.1 style) the tool calls parse and fit their
schemas, even from random weights (llama.cpp constrains them by a grammar built from the schemas)."""

from __future__ import annotations

import pytest

from tests.support.serving import outcomes, run_serving, serving_probe, serving_target

pytestmark = pytest.mark.realserver

N_CTX = 2048
ONLY_CONTEXT = {"cap": {"enabled": False}, "sampling": {"enabled": False}, "tools": {"enabled": False},
                "stream": {"enabled": False}}


def _context_run(server, tmp_path, declared: int):
    probe = serving_probe(**ONLY_CONTEXT)
    _, done, findings = run_serving(server.base_url, serving_target(declared, model="tiny-llama3"),
                                    tmp_path / "ctx.jsonl", probe, concurrency=1)
    return done, {f.check: f for f in findings}


def _limit_found(window) -> None:
    v = window.values
    assert v["limit_low"] < N_CTX <= v["limit_high"] + 1, v
    assert v["limit_high"] - v["limit_low"] <= v["resolution_tokens"], v
    assert v["search_tokens"] <= v["search_budget_tokens"]


def test_llama_server_serves_its_declared_2048_and_refuses_past_it(llama_server_ctx2048, tmp_path):
    done, found = _context_run(llama_server_ctx2048, tmp_path, N_CTX)
    assert found["context-window"].outcome == "pass", found["context-window"].message
    assert found["silent-truncation"].outcome == "pass", found["silent-truncation"].message
    assert done["ctx.past"].status == 400 and "exceed" in done["ctx.past"].error
    # the calibrated own count is what llama-server reports for the near-window prompt
    assert done["ctx.accept"].usage.input_tokens == found["context-window"].values["accept_prompt_tokens"]


@pytest.mark.parametrize("fixture", ["llama_server_ctx2048", "llama_server_ctx2048_shift"])
def test_a_window_declared_too_large_is_bisected_to_the_real_limit(fixture, request, tmp_path):
    server = request.getfixturevalue(fixture)
    _, found = _context_run(server, tmp_path, 2 * N_CTX)
    window = found["context-window"]
    assert window.outcome == "fail" and window.values["accepted"] is False
    _limit_found(window)
    assert found["silent-truncation"].outcome == "pass", found["silent-truncation"].message
    assert window.values["recall_works"] is False  # random weights: judged by prompt_tokens alone


def test_tool_calls_from_llama_server_parse_and_fit_their_schemas(llama_server_tools, tmp_path):
    probe = serving_probe(context={"enabled": False}, cap={"enabled": False}, sampling={"enabled": False},
                          stream={"enabled": False},
                          # llama-server reads a named tool_choice object as auto ("Wrong type supplied for parameter
                          # 'tool_choice'"), and under auto random weights write text its parser rejects (HTTP 500)
                          tools={"max_tokens": 256, "modes": ["required", "none", "required.stream"]})
    _, done, findings = run_serving(llama_server_tools.base_url, serving_target(None, model="tiny-llama3"),
                                    tmp_path / "tools.jsonl", probe, concurrency=1)
    got = {f.check: f for f in findings}
    assert got["tool-arguments-parse"].outcome == "pass", got["tool-arguments-parse"].message
    assert got["tool-arguments-schema"].outcome == "pass", got["tool-arguments-schema"].message
    assert got["tool-arguments-schema"].values["schema_rate_n"] >= 3
    assert got["tool-name-offered"].outcome == "pass"
    assert got["tool-call-when-required"].outcome == "pass", got["tool-call-when-required"].message
    assert got["tool-stream-assembly"].outcome == "pass", got["tool-stream-assembly"].values
    assert got["tool-finish-reason"].outcome == "pass", got["tool-finish-reason"].values
    assert done["tool.get_weather.required"].tool_calls  # a grammar-constrained call under tool_choice required


def test_llama_server_honours_cap_sampling_seed_and_streams(llama_server_ctx2048, tmp_path):
    probe = serving_probe(context={"enabled": False}, tools={"enabled": False})
    _, _, findings = run_serving(llama_server_ctx2048.base_url, serving_target(None, model="tiny-llama3"),
                                 tmp_path / "misc.jsonl", probe, concurrency=2)
    got = outcomes(findings)
    for check in ("output-cap", "temperature-honoured", "seed-honoured", "stream-agreement", "stream-terminator",
                  "stream-usage"):
        assert got[check] == "pass", (check, next(f.message for f in findings if f.check == check))
    assert got["reasoning-effort-honoured"] == "not_available"  # the openai-compatible profile lists no efforts

"""The context checks against the providers' own window rules, over HTTP to reference profiles that enforce
them: OpenAI GPT-5 windows hold the 128,000 maximum output in reserve (a prompt past 272,000 tokens is
refused on a 400,000 window), Anthropic's window holds the prompt and max_tokens together. An honest
endpoint must pass at the limit the rules give, never fail because the probe tested the bare window."""

from __future__ import annotations

import dataclasses

import httpx2
import pytest

from audit.reference import ReferenceServer
from audit.schema.disclosure import DeclaredFacts
from tests.support.serving import run_serving, serving_probe, serving_target

LINE = "The archive notes list the harbor shipments, the weather and the tides for every week.\n"
# only the context checks: the long prompts are what these tests are about
CONTEXT_ONLY = dict(cap={"enabled": False}, sampling={"enabled": False}, tools={"enabled": False},
                    stream={"enabled": False})


def _target(model: str, window: int, max_output: int | None, provider: str = "openai"):
    target = serving_target(window, model=model, provider=provider)
    return dataclasses.replace(target, declared=DeclaredFacts(context_window=window, max_output_tokens=max_output))


def _context(profile: str, target, tmp_path, **context):
    probe = serving_probe(**CONTEXT_ONLY, context=context) if context else serving_probe(**CONTEXT_ONLY)
    with ReferenceServer(profile) as server:
        _, done, findings = run_serving(server.base_url, target, tmp_path / "ev.jsonl", probe)
    return done, {f.check: f for f in findings}


def test_gpt_5_4_mini_is_tested_at_272k_and_passes(tmp_path):
    done, found = _context("gpt-5.4", _target("gpt-5.4-mini", 400_000, 128_000), tmp_path)
    window, trunc = found["context-window"], found["silent-truncation"]
    v = window.values
    assert window.outcome == "pass", window.message
    assert trunc.outcome == "pass", trunc.message
    assert v["prompt_limit"] == 272_000 and v["cap_counts"] is False and v["declared_window"] == 400_000
    assert 0.94 * 272_000 <= v["accept_prompt_tokens"] <= 0.95 * 272_000
    assert 272_000 < v["past_prompt_tokens"] < 400_000  # past the limit, well inside the bare window
    assert "configured limit of 272000 tokens" in v["past_error"]
    assert "95% of the 272,000-token prompt limit)" in window.message
    assert window.message.endswith("less the 128,000 maximum output tokens it holds in reserve, as request profile "
                                   "openai-gpt-5.4 says")
    assert not [k for k in done if k.startswith("ctx.search")]


def test_gpt_5_4_itself_is_tested_at_922k(tmp_path):
    _, found = _context("gpt-5.4", _target("gpt-5.4", 1_050_000, 128_000), tmp_path)
    window = found["context-window"]
    assert window.outcome == "pass", window.message
    assert window.values["prompt_limit"] == 922_000


def test_without_a_declared_max_output_the_window_is_not_assessed_and_nothing_long_is_sent(tmp_path):
    done, found = _context("gpt-5.4", _target("gpt-5.4-mini", 400_000, None), tmp_path)
    window = found["context-window"]
    assert window.outcome == "not_available"
    assert "max_output_tokens" in window.message and "openai-gpt-5.4" in window.message
    assert set(done) <= {"ctx.recall", "ctx.calibrate"}  # no long prompt went out


def test_a_provider_that_serves_the_bare_window_takes_more_than_the_limit(tmp_path):
    """An endpoint that holds no output in reserve (the default profile takes any prompt) answers the
    GPT-5.4 mini prompt past 272,000: partial, the endpoint takes more than the documented limit."""
    _, found = _context("default", _target("gpt-5.4-mini", 400_000, 128_000), tmp_path,
                        search_budget_tokens=0)
    window = found["context-window"]
    assert window.outcome == "partial" and window.values["past_refused"] is False
    assert "takes more than declared" in window.message


def test_claude_opus_4_7_is_tested_at_its_1m_window_with_the_cap(tmp_path):
    _, found = _context("claude-opus-4.7", _target("claude-opus-4-7", 1_000_000, 128_000, "anthropic"), tmp_path)
    window = found["context-window"]
    v = window.values
    assert window.outcome == "pass", window.message
    assert v["prompt_limit"] == 1_000_000 and v["cap_counts"] is True
    assert "prompt is too long" in v["past_error"] and "> 1000000 maximum" in v["past_error"]


@pytest.mark.parametrize("model, lines, body", [
    ("gpt-5.4-mini", 17_000, "Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in"),
    ("gpt-5.4", 17_000, None),  # 289k tokens fit GPT-5.4's 922,000
])
def test_the_gpt_5_4_profile_enforces_each_models_limit(model, lines, body):
    with ReferenceServer("gpt-5.4") as server:
        reply = httpx2.post(server.base_url + "/chat/completions", timeout=60, json={
            "model": model, "max_completion_tokens": 64, "messages": [{"role": "user", "content": LINE * lines}]})
    if body is None:
        assert reply.status_code == 200, reply.text
    else:
        assert reply.status_code == 400 and body in reply.text
        assert reply.json()["error"]["code"] == "context_length_exceeded"


@pytest.mark.parametrize("lines, cap, message", [
    (60_000, 64, "prompt is too long: "),
    (58_700, 10_000, "input length and `max_tokens` exceed context limit: "),
])
def test_the_claude_profile_sends_anthropics_two_window_errors(lines, cap, message):
    with ReferenceServer("claude-opus-4.7") as server:
        reply = httpx2.post(server.base_url + "/messages", timeout=60, headers={"anthropic-version": "2023-06-01"},
                            json={"model": "claude-opus-4-7", "max_tokens": cap,
                                  "messages": [{"role": "user", "content": LINE * lines}]})
    assert reply.status_code == 400 and reply.json()["error"]["type"] == "invalid_request_error"
    assert reply.json()["error"]["message"].startswith(message)


def test_the_plan_prints_the_prompt_limit_and_its_cost():
    from audit.probes.serving.kind import ServingProbe

    probe = serving_probe()
    assert isinstance(probe, ServingProbe)
    (note,) = probe.plan_notes(_target("gpt-5.4-mini", 400_000, 128_000), {})
    assert "prompt limit 272,000 of the 400,000 window" in note.label
    assert note.input_tokens >= round(0.95 * 272_000) + 272_000

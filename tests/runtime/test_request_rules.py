"""Request profiles and rejections over HTTP against reference profiles that enforce the documented
rules: a known rejection is paid at most once, the cap field is adapted once and recorded, and
probes follow the target's request profile (audit/runtime/request_profiles.py, rejections.py)."""

from __future__ import annotations

import pytest

from audit.core.errors import InputError
from audit.probes.base import TargetContext
from audit.probes.registry import find_probe
from audit.reference import ReferenceServer
from audit.runtime.collect import collect_into
from audit.runtime.request_profiles import load_request_profiles, resolve_rules
from audit.runtime.rejections import rejected_field, replacement_field
from audit.providers import PROVIDERS
from audit.schema.disclosure import DeclaredFacts, ModelIdentity


def _run(server, model, probe_ids, tmp_path, *, rules=None, provider="openai", tokenizer="o200k_base"):
    probes = [find_probe(p) for p in probe_ids]
    target = TargetContext(provider=provider, model=model, identity=ModelIdentity(vendor="x", name=model),
                           declared=DeclaredFacts(tokenizer=tokenizer), request=rules)
    states, _ = collect_into(tmp_path / "e.jsonl", PROVIDERS[provider], server.base_url, model, probes, target,
                             run_id="rules", concurrency=8, rules=rules)
    return target, probes, states


def test_every_profile_rule_names_its_source_and_models_match():
    profiles = load_request_profiles()
    for profile in profiles.profiles:
        rules = [profile.cap, profile.seed, profile.logprobs, *profile.sampling.values()]
        rules += [r for r in (profile.efforts, profile.reasoning) if r is not None]
        assert all(r.source == "unverified" or r.source.startswith("https://") for r in rules), profile.id
    assert resolve_rules("gpt-5.4-mini", "openai").profile.id == "openai-gpt-5.4"
    assert resolve_rules("gpt-5.4-mini", "openai").effort == "none"
    assert resolve_rules("gpt-5-mini", "openai").accepts("temperature", 0) is False
    assert resolve_rules("gpt-5-mini", "openai").accepts("temperature", 1) is True
    assert resolve_rules("claude-opus-4-7", "anthropic").accepts("temperature", 0) is False
    assert resolve_rules("gpt-5.4", "openai", effort="low").accepts("temperature", 0) is False
    with pytest.raises(InputError):
        resolve_rules("gpt-5.4", "openai", effort="max")


def test_error_bodies_name_the_field():
    body = {"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                                 "Use 'max_completion_tokens' instead.", "type": "invalid_request_error",
                      "param": "max_tokens", "code": "unsupported_parameter"}}
    assert rejected_field(body) == "max_tokens" and replacement_field(body) == "max_completion_tokens"
    anthropic = {"type": "error", "error": {"type": "invalid_request_error",
                                            "message": "temperature is deprecated for this model."}}
    assert rejected_field(anthropic) == "temperature" and replacement_field(anthropic) is None


def test_without_a_profile_the_cap_field_is_adapted_after_one_rejection(tmp_path):
    with ReferenceServer("gpt-5.4") as server:
        _, probes, states = _run(server, "gpt-5.4-mini", ["tokenizer-integrity", "drift-core"], tmp_path)
        rejected = server.requests.count(status=400)
        total = len(server.requests)
    assert rejected <= 2  # at most one per probe for max_tokens
    done = [ex for s in states for ex in s.done.values()]
    assert all(ex.ok for ex in done), [ex.error for ex in done if not ex.ok]
    adapted = [ex for ex in done if ex.adaptation]
    assert adapted and all("max_completion_tokens" in ex.wire_request for ex in adapted)
    assert "after HTTP 400" in adapted[0].adaptation
    assert total == len(done) + rejected


def test_with_the_profile_nothing_is_rejected_and_reasoning_is_counted(tmp_path):
    rules = resolve_rules("gpt-5.4-mini", "openai", effort="low")
    with ReferenceServer("gpt-5.4") as server:
        target, probes, states = _run(server, "gpt-5.4-mini", ["tokenizer-integrity"], tmp_path, rules=rules)
        assert server.requests.count(status=400) == 0
    [state] = states
    sent = [ex.wire_request for ex in state.done.values()]
    assert all("max_completion_tokens" in b and "temperature" not in b and b["reasoning_effort"] == "low"
               for b in sent)
    found = {f.check: f for f in probes[0].evaluate(target, state.done)}
    assert found["tokenizer-match"].outcome == "pass"
    assert found["completion-billing"].outcome == "pass"
    assert found["reasoning-tokens"].outcome == "pass"


@pytest.mark.parametrize("profile,outcome", [("gpt-5.4", "pass"), ("overreasoning", "fail")])
def test_reasoning_token_consistency_at_effort_none(tmp_path, profile, outcome):
    rules = resolve_rules("gpt-5.4-mini", "openai")  # default effort: none
    with ReferenceServer(profile) as server:
        target, probes, states = _run(server, "gpt-5.4-mini", ["tokenizer-integrity"], tmp_path, rules=rules)
    found = {f.check: f for f in probes[0].evaluate(target, states[0].done)}
    assert found["reasoning-tokens"].outcome == outcome, found["reasoning-tokens"].message


def test_overreporting_at_effort_low_passes_the_cap_and_fails(tmp_path):
    rules = resolve_rules("gpt-5.4-mini", "openai", effort="low")
    with ReferenceServer("overreasoning") as server:
        target, probes, states = _run(server, "gpt-5.4-mini", ["tokenizer-integrity"], tmp_path, rules=rules)
    found = {f.check: f for f in probes[0].evaluate(target, states[0].done)}
    # A constant over-report (3x) stays far under the generous cap; the tight-cap call (visible answer
    # plus half the reported reasoning) shows it (tests/runtime/test_reasoning_efforts.py has more)
    assert found["reasoning-tokens"].values["mean_reasoning_tokens"]["low"] == 96
    assert found["reasoning-tokens"].outcome == "fail" and "tight-low" in found["reasoning-tokens"].message


def test_claude_opus_47_gets_no_sampling_fields(tmp_path):
    rules = resolve_rules("claude-opus-4-7", "anthropic")
    with ReferenceServer("claude-opus-4.7") as server:
        target, probes, states = _run(server, "claude-opus-4-7", ["tokenizer-integrity", "drift-core"], tmp_path,
                                      rules=rules, provider="anthropic")
        assert server.requests.count(status=400) == 0
    done = [ex for s in states for ex in s.done.values()]
    assert done and all(ex.ok for ex in done)
    assert not any("temperature" in ex.wire_request for ex in done)
    assert not any(ex.key.startswith("fixed") for ex in done)  # temperature-0 channel left out


def test_responses_dialect_reads_text_usage_and_reasoning(tmp_path):
    rules = resolve_rules("gpt-5.4-mini", "openai-responses", effort="low")
    with ReferenceServer("gpt-5.4") as server:
        target, probes, states = _run(server, "gpt-5.4-mini", ["tokenizer-integrity"], tmp_path, rules=rules,
                                      provider="openai-responses")
        paths = {r.path for r in server.requests.records}
        assert server.requests.count(status=400) == 0
    assert paths == {"/v1/responses"}
    done = states[0].done
    assert all(ex.ok and ex.usage.reasoning_tokens == 32 and ex.wire_request["reasoning"] == {"effort": "low"}
               and "max_output_tokens" in ex.wire_request for ex in done.values())
    found = {f.check: f for f in probes[0].evaluate(target, done)}
    assert found["tokenizer-match"].outcome == "pass" and found["completion-billing"].outcome == "pass"


def test_responses_stream_is_assembled():
    import asyncio

    from audit.providers import OpenAIResponses, Transport
    from audit.schema.evidence import ChatRequest, Message

    async def go(url):
        async with Transport(OpenAIResponses.base_url(url)) as transport:
            provider = OpenAIResponses(transport, "gpt-5.4-mini")
            request = ChatRequest(messages=[Message(role="system", content="be brief"),
                                            Message(role="user", content="hello there")], max_tokens=12, stream=True)
            return await provider.send(provider.wire_call(request), request)

    with ReferenceServer("gpt-5.4") as server:
        reply = asyncio.run(go(server.url))
        sent = server.requests.records[0].body
    assert sent["instructions"] == "be brief" and sent["stream"] is True
    assert reply.text and reply.usage.output_tokens is not None and reply.finish_reason in ("stop", "length")


def test_reasoning_that_eats_the_cap_gives_an_empty_answer_cut_by_length(tmp_path):
    """GPT-5 rules: max_completion_tokens bounds reasoning too; the answer is empty, finish_reason length,
    and the exchange reads as cut by the cap (no answer), not as an answer."""
    import asyncio

    from audit.providers import OpenAIChat, Transport
    from audit.schema.evidence import ChatRequest, Exchange, Message

    rules = resolve_rules("gpt-5.4-mini", "openai", effort="xhigh")

    async def go(url):
        async with Transport(OpenAIChat.base_url(url)) as transport:
            provider = OpenAIChat(transport, "gpt-5.4-mini", rules)
            request = ChatRequest(messages=[Message(role="user", content="who are you")], max_tokens=24)
            wire = provider.wire_call(request)
            return request, wire, await provider.send(wire, request)

    with ReferenceServer("gpt-5.4") as server:
        request, wire, reply = asyncio.run(go(server.url))
    assert wire.body["max_completion_tokens"] == 24 and wire.body["reasoning_effort"] == "xhigh"
    assert reply.text == "" and reply.finish_reason == "length"
    assert reply.usage.output_tokens == reply.usage.reasoning_tokens == 24 and reply.usage.visible_output_tokens == 0
    exchange = Exchange(id="p/k", run_id="r", probe_id="p", key="k", provider="openai", endpoint="http://x",
                        model="gpt-5.4-mini", request=request, wire_request=wire.body, status=200, ok=True,
                        text=reply.text, started_at=reply.started_at, elapsed_ms=1.0,
                        usage=reply.usage.model_dump(), finish_reason=reply.finish_reason)
    assert exchange.cut_by_cap


def test_a_malformed_profile_file_names_file_line_and_field(tmp_path):
    bad = tmp_path / "profiles.yaml"
    bad.write_text("profiles:\n  - id: x\n    description: d\n    dialects: [openai]\n"
                   "    cap: {field: max_tokens, source: 'http://insecure.example'}\n"
                   "    seed: {supported: true, source: unverified}\n"
                   "    logprobs: {supported: true, source: unverified}\n")
    with pytest.raises(InputError) as caught:
        load_request_profiles(bad)
    problem = caught.value.problems[0]
    assert str(bad) in str(problem.file) and problem.line == 5 and "cap" in (problem.field or "")

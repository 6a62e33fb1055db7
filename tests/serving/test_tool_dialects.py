"""Tool calls on the Responses and Messages dialects, over HTTP against the reference endpoint: the providers send
the dialect's own `tools` / `tool_choice` (audit/providers/responses.py, anthropic.py), the endpoint answers
with function_call items / tool_use blocks, plain and streamed (audit/reference/tool_wire.py), the calls are
recorded in Exchange.tool_calls in the shape Chat Completions gives, and the serving probe's tool checks
decide there as on Chat."""

from __future__ import annotations

import json

import pytest

from audit.reference import ReferenceServer
from tests.support.serving import outcomes, run_serving, serving_target

DIALECTS = ("openai-responses", "anthropic")
TOOL_CHECKS = ("tool-call-when-required", "tool-call-when-forbidden", "tool-name-offered", "tool-arguments-parse",
               "tool-arguments-schema", "tool-finish-reason", "tool-stream-assembly")


def _run(profile: str, dialect: str, tmp_path):
    with ReferenceServer(profile) as server:
        _, done, findings = run_serving(server.base_url, serving_target(8192, provider=dialect),
                                        tmp_path / f"{profile}-{dialect}.jsonl")
    return done, findings


def _tool_exchanges(done):
    return {key: ex for key, ex in done.items() if key.startswith("tool.")}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_honest_profile_passes_every_tool_check(tmp_path, dialect):
    done, findings = _run("serving", dialect, tmp_path)
    got = outcomes(findings)
    assert {check: got[check] for check in TOOL_CHECKS} == {check: "pass" for check in TOOL_CHECKS}
    # the other checks are not hurt: the one Chat-only sampling field (seed) is not available, nothing fails
    assert got["seed-honoured"] == "not_available"
    assert not [check for check, outcome in got.items() if outcome == "fail"]
    tools = _tool_exchanges(done)
    required = [ex for key, ex in tools.items() if key.endswith((".required", ".named", ".required.stream"))]
    assert required and all(ex.tool_calls and ex.finish_reason == "tool_calls" for ex in required)
    assert not any(ex.tool_calls for key, ex in tools.items() if key.endswith(".none"))
    for ex in required:  # recorded as Chat records them: id, name, arguments as JSON text
        [call] = ex.tool_calls
        assert call.id and call.name in {t.name for t in ex.request.tools}
        assert isinstance(json.loads(call.arguments), dict)


def test_responses_sends_flat_function_tools_and_reads_function_call_items(tmp_path):
    done, _ = _run("serving", "openai-responses", tmp_path)
    named = next(ex for key, ex in done.items() if key.endswith(".named"))
    body = named.wire_request
    assert all(t["type"] == "function" and "name" in t and "parameters" in t and "function" not in t
               for t in body["tools"])
    assert body["tool_choice"] == {"type": "function", "name": named.request.tool_choice}
    assert body["parallel_tool_calls"] is False
    [item] = [i for i in named.response["output"] if i["type"] == "function_call"]
    assert named.tool_calls[0].id == item["call_id"] and named.tool_calls[0].arguments == item["arguments"]
    assert named.response["status"] == "completed"
    streamed = next(ex for key, ex in done.items() if key.endswith(".required.stream"))
    kinds = [e["type"] for e in streamed.response["stream"]]
    assert "response.output_item.added" in kinds and kinds.count("response.function_call_arguments.delta") >= 2
    assert kinds[-1] == "response.completed"
    deltas = "".join(e["delta"] for e in streamed.response["stream"]
                     if e["type"] == "response.function_call_arguments.delta")
    assert streamed.tool_calls[0].arguments == deltas


def test_messages_sends_input_schema_and_reads_tool_use_blocks(tmp_path):
    done, _ = _run("serving", "anthropic", tmp_path)
    by_mode = {key.removeprefix("tool.get_weather."): ex for key, ex in done.items()
               if key.startswith("tool.get_weather.")}
    required, named, none = by_mode["required"], by_mode["named"], by_mode["none"]
    assert all(set(t) == {"name", "description", "input_schema"} for t in required.wire_request["tools"])
    assert required.wire_request["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    assert named.wire_request["tool_choice"] == {"type": "tool", "name": named.request.tool_choice,
                                                 "disable_parallel_tool_use": True}
    assert none.wire_request["tool_choice"] == {"type": "none"}
    [block] = [b for b in required.response["content"] if b["type"] == "tool_use"]
    assert required.response["stop_reason"] == "tool_use" and required.finish_reason == "tool_calls"
    assert json.loads(required.tool_calls[0].arguments) == block["input"]
    assert none.response["stop_reason"] == "end_turn" and none.tool_calls is None
    streamed = by_mode["required.stream"]
    events = streamed.response["stream"]
    assert any(e["type"] == "content_block_start" and e["content_block"]["type"] == "tool_use" for e in events)
    pieces = [e["delta"]["partial_json"] for e in events
              if e["type"] == "content_block_delta" and e["delta"]["type"] == "input_json_delta"]
    assert len(pieces) >= 2 and streamed.tool_calls[0].arguments == "".join(pieces)


def test_the_dialects_record_one_call_shape(tmp_path):
    """The same greedy request gives the same call on Responses and Messages (neither sends a seed), read into
    equal ToolCalls but for the ids each API mints."""
    runs = {d: _tool_exchanges(_run("serving", d, tmp_path)[0]) for d in DIALECTS}
    responses, messages = runs["openai-responses"], runs["anthropic"]
    assert responses.keys() == messages.keys()
    for key in responses:
        a, b = responses[key].tool_calls or [], messages[key].tool_calls or []
        assert [(c.name, json.loads(c.arguments)) for c in a] == [(c.name, json.loads(c.arguments)) for c in b], key


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("profile, caught", [
    ("serving-malformed-tool-arguments", {"tool-arguments-parse": "fail"}),
    ("serving-wrong-tool-name", {"tool-name-offered": "fail", "tool-call-when-required": "fail"}),
])
def test_tool_faults_are_caught_on_every_dialect(tmp_path, dialect, profile, caught):
    done, findings = _run(profile, dialect, tmp_path)
    got = outcomes(findings)
    assert {check: got[check] for check in caught} == caught
    assert not [c for c, o in got.items() if o == "fail" and c not in caught]
    if profile == "serving-malformed-tool-arguments" and dialect == "anthropic":
        # a Messages tool_use input must be an object: the broken text arrives as a string, recorded as sent
        required = next(ex for key, ex in done.items() if key.endswith(".required"))
        [block] = [b for b in required.response["content"] if b["type"] == "tool_use"]
        assert isinstance(block["input"], str) and required.tool_calls[0].arguments == block["input"]


@pytest.mark.parametrize("path, body, message", [
    ("/messages", {"max_tokens": 16, "tool_choice": {"type": "required"},
                   "tools": [{"name": "f", "input_schema": {"type": "object"}}]}, "tool_choice.type"),
    ("/messages", {"max_tokens": 16, "tools": [{"name": "f", "parameters": {}, "input_schema": 3}]},
     "input_schema must be a JSON Schema object"),
    ("/responses", {"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools[0]: must be"),
    ("/responses", {"tools": [{"type": "function", "name": "f"}], "tool_choice": {"type": "tool", "name": "f"}},
     "tool_choice: must be"),
])
def test_the_endpoint_refuses_tools_in_another_dialects_shape(path, body, message):
    import httpx2

    with ReferenceServer("serving") as server:
        content = {"model": "reference-model", **body}
        content["messages" if path == "/messages" else "input"] = [{"role": "user", "content": "hi"}]
        reply = httpx2.post(server.base_url + path, json=content)
    assert reply.status_code == 400 and message in reply.text, reply.text


def test_claude_opus_47_without_temperature_passes_the_tool_checks(tmp_path):
    """Opus 4.7 refuses temperature at an effort, so its plain and streamed calls are sampled and may
    differ: the assembly check then asks only that the streamed deltas assemble to a parseable call
    (it false-failed 0/3 against this honest profile when it demanded equal calls)."""
    with ReferenceServer("claude-opus-4.7") as server:
        target = serving_target(8192, model="claude-opus-4-7", provider="anthropic")
        _, done, findings = run_serving(server.base_url, target, tmp_path / "opus.jsonl")
    streamed = [ex for key, ex in done.items() if key.endswith(".required.stream")]
    assert streamed and all(ex.request.temperature is None for ex in streamed)
    got = outcomes(findings)
    assert {check: got[check] for check in TOOL_CHECKS} == {check: "pass" for check in TOOL_CHECKS}
    assert "sampled" in next(f.message for f in findings if f.check == "tool-stream-assembly")

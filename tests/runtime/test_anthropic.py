"""The Anthropic Messages client against a loopback server speaking Messages."""

import asyncio

from rt_loopback import Loopback

from audit.providers import AnthropicMessages, RetryPolicy, Transport, Unsupported, OpenAIChat
from audit.schema.evidence import ChatRequest, Message

import pytest


def request(op="chat", stream=False, **kw):
    return ChatRequest(op=op, stream=stream, messages=[Message(role="system", content="be brief"),
                                                       Message(role="user", content="who are you")], **kw)


def send(server, req, key="sk-ant-test"):
    async def go():
        async with Transport(AnthropicMessages.base_url(server.base_url + "/v1"),
                             headers=AnthropicMessages.auth_headers(key),
                             retry=RetryPolicy(max_attempts=3, base_delay=0.01)) as transport:
            client = AnthropicMessages(transport, "claude-test")
            return await client.send(client.wire_call(req), req)
    return asyncio.run(go())


def test_messages_call_maps_system_and_reads_usage():
    with Loopback(served_model="claude-test-20250101") as server:
        reply = send(server, request(temperature=0.5, seed=3))
    sent = server.requests[0]
    assert sent["path"] == "/v1/messages"
    assert sent["headers"]["x-api-key"] == "sk-ant-test" and sent["headers"]["anthropic-version"] == "2023-06-01"
    assert sent["body"] == {"model": "claude-test", "system": "be brief", "max_tokens": 1024, "temperature": 0.5,
                            "messages": [{"role": "user", "content": "who are you"}]}
    assert reply.text == "echo: who are you | system=be brief"
    assert reply.served_model == "claude-test-20250101"
    assert reply.usage.input_tokens == reply.usage.raw["input_tokens"] == 10
    assert reply.usage.output_tokens == reply.usage.visible_output_tokens == reply.usage.raw["output_tokens"]
    assert reply.usage.reasoning_tokens is None


def test_count_tokens_uses_its_endpoint():
    with Loopback() as server:
        reply = send(server, request(op="count_tokens"))
    assert server.requests[0]["path"] == "/v1/messages/count_tokens"
    assert "max_tokens" not in server.requests[0]["body"]
    assert reply.usage.input_tokens == 7 and reply.usage.output_tokens is None and reply.text is None


def test_streamed_messages_are_assembled():
    with Loopback() as server:
        reply = send(server, request(stream=True, max_tokens=20))
    assert server.requests[0]["body"]["stream"] is True
    assert reply.text == "echo: who are you | system=be brief"
    assert reply.served_model == "claude-test"
    assert reply.usage.input_tokens == 10 and reply.usage.output_tokens == 7


def test_streamed_messages_cut_short_are_retried():
    with Loopback() as server:
        server.faults = ["stream-drop", "429:0"]
        reply = send(server, request(stream=True))
    assert reply.attempts == 3 and reply.text.startswith("echo: who are you")


def test_openai_has_no_count_tokens():
    client = OpenAIChat(None, "m")
    with pytest.raises(Unsupported):
        client.wire_call(request(op="count_tokens"))

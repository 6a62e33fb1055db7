"""Fixtures: a running reference endpoint and an httpx client for it."""

from __future__ import annotations

import httpx2
import pytest

from audit.reference import ReferenceServer


@pytest.fixture
def server():
    with ReferenceServer("default") as running:
        yield running


@pytest.fixture
def client():
    with httpx2.Client(timeout=10) as http:
        yield http


def chat(client: httpx2.Client, server: ReferenceServer, content: str | list, **extra) -> httpx2.Response:
    """POST a one-message (or given messages) chat completion."""
    messages = content if isinstance(content, list) else [{"role": "user", "content": content}]
    body = {"model": "reference-model", "messages": messages, **extra}
    return client.post(server.base_url + "/chat/completions", json=body)

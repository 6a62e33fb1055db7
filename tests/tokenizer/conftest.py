"""Real-server fixtures for the tokenizer probe's tests: the shared ones from tests.support.realserver.testing, a
llama-server serving the tiny Qwen2 model, llama-server with a given chat template, and a LiteLLM proxy
that advertises `gpt-4o` but routes to llama-cpp-python's tiny Qwen2 (a served-model substitution).

LiteLLM runs from its own virtualenv (see tests.support.realserver.litellm; scripts/setup-real-servers.sh
installs it). With AUDIT_REQUIRE_REAL_SERVERS=1 a missing LiteLLM is installed on first use (as a
missing llama-server is built); by hand: `python -m tests.support.realserver.litellm`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.realserver.litellm import LiteLLMProxy, litellm_or_skip
from tests.support.realserver.servers import LlamaServer
from tests.support.realserver.testing import (llama_cpp_server, llama_server, require_real_servers,  # noqa: F401
                                      tiny_models, vocab_count)

ADVERTISED = "gpt-4o"


@pytest.fixture(scope="session")
def llama_server_qwen2(llama_server, tiny_models):  # noqa: F811 (llama_server skips or builds first)
    with LlamaServer(tiny_models["tiny-qwen2"], alias="tiny-qwen2") as server:
        yield server


class TemplatedLlamaServer(LlamaServer):
    """llama-server applying a chat template file instead of the GGUF's own."""

    def __init__(self, model: Path, template: Path, **kwargs):
        super().__init__(model, **kwargs)
        self.template = template

    def command(self) -> list[str]:
        return super().command() + ["--chat-template-file", str(self.template)]


@pytest.fixture(scope="session")
def templated_llama_server(llama_server):  # noqa: F811 (llama_server skips or builds first)
    return TemplatedLlamaServer


@pytest.fixture(scope="session")
def litellm_proxy(llama_cpp_server):  # noqa: F811
    """LiteLLM advertising `gpt-4o`, routed to llama-cpp-python's tiny-qwen2."""
    with LiteLLMProxy(litellm_or_skip(), {ADVERTISED: (llama_cpp_server.base_url, "tiny-qwen2")}) as proxy:
        yield proxy

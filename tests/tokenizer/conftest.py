"""Real-server fixtures for the tokenizer probe's tests: the shared ones from tests.support.realserver.testing, a
llama-server serving the tiny Qwen2 model, llama-server with a given chat template, and a LiteLLM proxy
that advertises `gpt-4o` but routes to llama-cpp-python's tiny Qwen2 (a served-model substitution).

LiteLLM runs from its own virtualenv (see tests.support.realserver.litellm; scripts/setup-real-servers.sh
installs it). With AUDIT_REQUIRE_REAL_SERVERS=1 a missing LiteLLM is installed on first use (as a
missing llama-server is built); by hand: `python -m tests.support.realserver.litellm`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
import yaml

from tests.support.realserver.litellm import LITELLM_VERSION, install_litellm, litellm_executable, litellm_venv
from tests.support.realserver.servers import LlamaServer, _ChildServer
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


class LiteLLMProxy(_ChildServer):
    """LiteLLM's proxy on 127.0.0.1, offline: the bundled cost map, no telemetry, a fresh master key."""

    name = "litellm"
    ready_path = "/health/liveliness"  # /v1/models needs the master key

    def __init__(self, executable: Path, routes: dict[str, tuple[str, str]], **kwargs):
        """routes: advertised name -> (backend base URL, backend model)."""
        super().__init__(**kwargs)
        self.executable = executable
        self.routes = routes
        self.master_key = "sk-" + secrets.token_hex(16)
        self.config_path = self._workdir / "config.yaml"

    def command(self) -> list[str]:
        config = {
            "model_list": [{"model_name": name, "litellm_params": {"model": f"openai/{model}", "api_base": base,
                                                                    "api_key": "none"}}
                           for name, (base, model) in self.routes.items()],
            "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},  # the key stays out of files
            "litellm_settings": {"telemetry": False},
        }
        self.config_path.write_text(yaml.safe_dump(config))
        return [str(self.executable), "--config", str(self.config_path), "--host", "127.0.0.1",
                "--port", str(self.port)]

    def _env(self) -> dict[str, str]:
        return {**os.environ, "LITELLM_MASTER_KEY": self.master_key, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                "LITELLM_TELEMETRY": "False", "NO_COLOR": "1"}


@pytest.fixture(scope="session")
def litellm_proxy(llama_cpp_server):  # noqa: F811
    """LiteLLM advertising `gpt-4o`, routed to llama-cpp-python's tiny-qwen2."""
    executable = litellm_executable()
    if executable is None:
        if not require_real_servers():
            pytest.skip(f"litellm is not installed (python -m venv {litellm_venv()} && "
                        f"{litellm_venv() / 'bin' / 'pip'} install 'litellm[proxy]=={LITELLM_VERSION}')")
        executable = install_litellm()
    with LiteLLMProxy(executable, {ADVERTISED: (llama_cpp_server.base_url, "tiny-qwen2")}) as proxy:
        yield proxy

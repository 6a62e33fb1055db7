"""llama-server set up for the serving probe: a small context (`-c 2048`, one slot) with and without context
shift, and a tool-capable chat template for the tool-call checks.

    from tests.support.realserver.serving import (llama_server_ctx2048, llama_server_ctx2048_shift,  # noqa: F401
                                                 llama_server_tools)

- `llama_server_ctx2048`: tiny-llama3, `-c 2048 -np 1` (one slot, so the slot's context is the whole 2,048),
  no context shift: llama.cpp refuses a prompt of n_ctx tokens or more with HTTP 400
  `exceed_context_size_error` ("request (N tokens) exceeds the available context size").
- `llama_server_ctx2048_shift`: the same with `--context-shift`: prompts larger than n_ctx are refused
  ("input (N tokens) is larger than the max context size"), generation past the window shifts the context.
  (Both read in llama.cpp's tools/server/server-context.cpp of the pinned llama-cpp-python 0.3.36 sdist.)
- `llama_server_tools`: tiny-llama3 with `--jinja` and `LLAMA31_TOOLS_TEMPLATE`, a Llama-3.1-style template
  written here, with Llama 3.1's custom tool-call form `<function=NAME>{JSON arguments}</function>` right after
  the assistant header. llama.cpp's differential template analysis (common/chat-auto-parser-generator.cpp)
  reads it as TAG_WITH_JSON with no start marker, so under `tool_choice: required` its grammar allows no text
  before the call and builds the arguments from each tool's schema: even random weights emit calls whose
  arguments parse and fit. With `parallel_tool_calls: false` the grammar ends after one call (finish_reason
  tool_calls); with parallel calls allowed, random weights start a second call they never close before the cap.
  Tried and not used: a Qwen2.5-style template (calls in <tool_call> tags) and a bare `{"name": ...}` object,
  under which that grammar lets free text come first, and random weights do not reach the call.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.realserver.servers import LlamaServer
from tests.support.realserver.testing import require_real_servers

__all__ = ["ServingLlamaServer", "LLAMA31_TOOLS_TEMPLATE", "llama_server_ctx2048", "llama_server_ctx2048_shift",
           "llama_server_tools"]

LLAMA31_TOOLS_TEMPLATE = """\
{{- bos_token }}
{%- if messages[0].role == 'system' %}{%- set system_message = messages[0].content %}{%- set messages = messages[1:] %}\
{%- else %}{%- set system_message = '' %}{%- endif %}
{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}
{%- if tools %}
{{- 'You have these functions. To call one, answer only with <function=NAME>{JSON arguments}</function>.\\n\\n' }}
{%- for tool in tools %}{{- (tool | tojson) + '\\n\\n' }}{%- endfor %}
{%- endif %}
{{- system_message + '<|eot_id|>' }}
{%- for message in messages %}
{%- if message.role == 'assistant' and message.tool_calls %}
{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- for tool_call in message.tool_calls %}
{%- set call = tool_call.function if tool_call.function is defined else tool_call %}
{{- '<function=' + call.name + '>' + (call.arguments if call.arguments is string else (call.arguments | tojson)) + '</function>' }}
{%- endfor %}
{{- '<|eot_id|>' }}
{%- elif message.role == 'tool' %}
{{- '<|start_header_id|>ipython<|end_header_id|>\\n\\n' + (message.content or '') + '<|eot_id|>' }}
{%- else %}
{{- '<|start_header_id|>' + message.role + '<|end_header_id|>\\n\\n' + (message.content or '') + '<|eot_id|>' }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}
"""


class ServingLlamaServer(LlamaServer):
    """llama-server with extra flags and, optionally, a chat template written into its own folder."""

    def __init__(self, model: Path, extra_args: tuple[str, ...] = (), template: str | None = None, **kwargs):
        super().__init__(model, **kwargs)
        self.extra_args = extra_args
        self.template = template

    def command(self) -> list[str]:
        command = super().command() + ["-np", "1", *self.extra_args]
        if self.template is not None:
            path = self._workdir / "chat-template.jinja"
            path.write_text(self.template, encoding="utf-8")
            command += ["--chat-template-file", str(path)]
        return command


def _serve(tiny_models, **kwargs):
    """tiny-llama3 on a ServingLlamaServer (skips, or builds when real servers are required, without the binary)."""
    from tests.support.realserver.paths import llama_server_bin

    if not llama_server_bin().is_file():
        if not require_real_servers():
            pytest.skip("llama-server is not built (scripts/setup-real-servers.sh --llama-server)")
        from tests.support.realserver.build import build_llama_server

        build_llama_server()
    with ServingLlamaServer(tiny_models["tiny-llama3"], alias="tiny-llama3", **kwargs) as server:
        yield server


@pytest.fixture(scope="session")
def llama_server_ctx2048(tiny_models):
    yield from _serve(tiny_models, n_ctx=2048, extra_args=("--no-context-shift",))


@pytest.fixture(scope="session")
def llama_server_ctx2048_shift(tiny_models):
    yield from _serve(tiny_models, n_ctx=2048, extra_args=("--context-shift",))


@pytest.fixture(scope="session")
def llama_server_tools(tiny_models):
    yield from _serve(tiny_models, n_ctx=4096, template=LLAMA31_TOOLS_TEMPLATE)


@pytest.fixture(scope="session")
def litellm_over_llama_server(llama_server_ctx2048, llama_server_tools):
    """The LiteLLM proxy in front of both llama-servers, a second real server with its own parameter
    handling: `tiny-llama3` routes to the `-c 2048` one, `tiny-llama3-tools` to the tool-template one."""
    from tests.support.realserver.litellm import LiteLLMProxy, litellm_or_skip

    routes = {"tiny-llama3": (llama_server_ctx2048.base_url, "tiny-llama3"),
              "tiny-llama3-tools": (llama_server_tools.base_url, "tiny-llama3")}
    with LiteLLMProxy(litellm_or_skip(), routes) as proxy:
        yield proxy

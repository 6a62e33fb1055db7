"""Pytest fixtures for tests that need a real model server.

Import them into a conftest.py (pytest then sees them), and mark such tests ``realserver``:

    from tests.support.realserver.testing import llama_cpp_server, llama_server, tiny_models, vocab_count  # noqa: F401

- ``tiny_models``: {alias: GGUF path} of `DEFAULT_MODELS`, built on first use and cached.
- ``llama_cpp_server``: llama-cpp-python's server serving every tiny model by alias (session scope);
  ``.base_url``, ``.models``, ``.startup_seconds``.
- ``llama_server``: llama.cpp's llama-server serving ``tiny-llama3`` (session scope).
- ``vocab_count``: ``vocab_count("llama-bpe", text)`` counts tokens with llama.cpp's own tokenizer
  (a vocab-only GGUF, no BOS, no special-token parsing): the ground truth.

When something is missing (llama-cpp-python not installed, llama-server not built) the test is skipped
with the reason, unless ``AUDIT_REQUIRE_REAL_SERVERS=1``: then it fails, and a missing llama-server
is built (about 7 minutes).
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache

import pytest

__all__ = ["require_real_servers", "unavailable", "tiny_models", "llama_cpp_server", "llama_server", "vocab_count"]


def require_real_servers() -> bool:
    return os.environ.get("AUDIT_REQUIRE_REAL_SERVERS") == "1"


def unavailable(reason: str) -> None:
    """Skip with `reason`, or fail when real servers are required."""
    if require_real_servers():
        pytest.fail(f"real servers are required (AUDIT_REQUIRE_REAL_SERVERS=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def tiny_models():
    for module, package in (("gguf", "gguf"), ("numpy", "numpy")):
        if importlib.util.find_spec(module) is None:
            unavailable(f"the {package} package is not installed (needed to build tiny models)")
    from tests.support.realserver.catalog import ensure_models

    return ensure_models()


@pytest.fixture(scope="session")
def llama_cpp_server(tiny_models):
    from tests.support.realserver.catalog import served_models
    from tests.support.realserver.servers import LlamaCppPythonServer, llama_cpp_python_status

    reason = llama_cpp_python_status()
    if reason:
        unavailable(reason)
    with LlamaCppPythonServer(served_models()) as server:
        yield server


@pytest.fixture(scope="session")
def llama_server(tiny_models):
    from tests.support.realserver.paths import llama_server_bin
    from tests.support.realserver.servers import LlamaServer

    if not llama_server_bin().is_file():
        if not require_real_servers():
            pytest.skip("llama-server is not built (scripts/setup-real-servers.sh --llama-server)")
        from tests.support.realserver.build import build_llama_server

        build_llama_server()
    with LlamaServer(tiny_models["tiny-llama3"], alias="tiny-llama3") as server:
        yield server


@lru_cache(maxsize=None)
def _vocab_model(vocab: str):
    import llama_cpp

    from tests.support.realserver.paths import vocab_file

    return llama_cpp.Llama(model_path=str(vocab_file(vocab)), vocab_only=True, verbose=False)


@pytest.fixture(scope="session")
def vocab_count(tiny_models):
    if importlib.util.find_spec("llama_cpp") is None:
        unavailable("llama-cpp-python is not installed (run scripts/setup-real-servers.sh)")

    def count(vocab: str, text: str) -> int:
        return len(_vocab_model(vocab).tokenize(text.encode("utf-8"), add_bos=False, special=False))

    return count

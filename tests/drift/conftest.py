"""Drift test fixtures; helpers live in support/ (drift_support.py, drift_llama.py; importable by name)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).resolve().parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

import drift_support  # noqa: E402


@pytest.fixture
def make_exchange():
    return drift_support.exchange


@pytest.fixture
def toy_run():
    return drift_support.synthetic_run


@pytest.fixture(scope="session")
def drift_models():
    """{variant: GGUF path} of the tiny model and its silent changes (see support/drift_llama.py)."""
    from tests.support.realserver.testing import unavailable

    for module, package in (("gguf", "gguf"), ("numpy", "numpy"), ("llama_cpp", "llama-cpp-python")):
        if importlib.util.find_spec(module) is None:
            unavailable(f"the {package} package is not installed (scripts/setup-real-servers.sh)")
    import drift_llama

    return drift_llama.drift_models()


@pytest.fixture(scope="session")
def drift_serve(drift_models):
    """`drift_serve(variant)`: start llama-cpp-python's server with that variant as `tiny-drift`.

    Use it as a context manager; every call starts a fresh server process (a restart between the
    baseline and the audit is part of what the tests check). One CPU thread: the tiny model is
    fastest that way on a shared 2-core machine.
    """
    from tests.support.realserver.servers import LlamaCppPythonServer, llama_cpp_python_status
    from tests.support.realserver.testing import unavailable

    reason = llama_cpp_python_status()
    if reason:
        unavailable(reason)
    import drift_llama

    def serve(variant: str) -> LlamaCppPythonServer:
        return LlamaCppPythonServer([drift_llama.served(drift_models[variant])], n_threads=1)

    return serve


@pytest.fixture(scope="session")
def drift_llama_server(drift_models):
    """`drift_llama_server(variant)`: llama.cpp's C++ llama-server serving that variant as `tiny-drift`
    (its own chat template, one thread); skipped when llama-server is not built."""
    from tests.support.realserver.paths import llama_server_bin
    from tests.support.realserver.servers import LlamaServer
    from tests.support.realserver.testing import require_real_servers

    if not llama_server_bin().is_file():
        if not require_real_servers():
            pytest.skip("llama-server is not built (scripts/setup-real-servers.sh --llama-server)")
        from tests.support.realserver.build import build_llama_server

        build_llama_server()
    import drift_llama

    def serve(variant: str) -> LlamaServer:
        return LlamaServer(drift_models[variant], alias=drift_llama.ALIAS, n_threads=1)

    return serve

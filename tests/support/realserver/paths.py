"""Where real-server artefacts are cached: vocab-only GGUF files, tiny models, llama-server.

Everything lives under one cache folder, ``$AUDIT_CACHE_DIR`` when set, else
``$XDG_CACHE_HOME/model-integrity-audit`` (``~/.cache/model-integrity-audit``). The folder is
filled by ``scripts/setup-real-servers.sh`` (or on demand by the realserver test fixtures):

    <cache>/llama-vocab/ggml-vocab-<name>.gguf        vocab-only GGUF files from llama.cpp
    <cache>/llama-vocab/ggml-vocab-<name>.gguf.inp    test inputs, separated by "\\n__ggml_vocab_test__\\n"
    <cache>/llama-vocab/ggml-vocab-<name>.gguf.out    expected token ids, one line of ints per input
    <cache>/models/tiny-<family>-s<seed>.gguf         tiny random-weight models
    <cache>/llama-server/bin/llama-server             llama.cpp's C++ server, with its shared libraries
    <cache>/wheels/llama_cpp_python-<version>-*.whl    llama-cpp-python with the same libraries, reused by new checkouts
    <cache>/litellm-venv/                             the LiteLLM proxy's own virtualenv
"""

from __future__ import annotations

from pathlib import Path

# One home for the pin, the cache root and the vocab folder: the product's (tests may import the
# product, never the other way round).
from audit.tokenizers.cache import cache_dir
from audit.tokenizers.llamacpp.sdist import LLAMA_CPP_PYTHON_VERSION, list_vocab_files, vocab_dir

__all__ = ["LLAMA_CPP_PYTHON_VERSION", "cache_dir", "vocab_dir", "vocab_file", "list_vocab_files",
           "models_dir", "sdist_dir", "llama_server_bin", "wheels_dir", "llama_cpp_python_wheel"]


def vocab_file(name: str) -> Path:
    """The vocab GGUF for a llama.cpp vocab name such as 'llama-bpe', 'qwen2', 'gpt-2'."""
    return vocab_dir() / f"ggml-vocab-{name}.gguf"


def models_dir() -> Path:
    return cache_dir() / "models"


def sdist_dir() -> Path:
    return cache_dir() / "sdist"


def llama_server_bin() -> Path:
    return cache_dir() / "llama-server" / "bin" / "llama-server"


def wheels_dir() -> Path:
    return cache_dir() / "wheels"


def llama_cpp_python_wheel(version: str = LLAMA_CPP_PYTHON_VERSION) -> Path | None:
    """The built llama-cpp-python wheel in the cache, or None."""
    found = sorted(wheels_dir().glob(f"llama_cpp_python-{version}-*.whl"))
    return found[0] if found else None

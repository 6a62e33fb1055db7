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

import os
from pathlib import Path

__all__ = ["LLAMA_CPP_PYTHON_VERSION", "cache_dir", "vocab_dir", "vocab_file", "list_vocab_files",
           "models_dir", "sdist_dir", "llama_server_bin", "wheels_dir", "llama_cpp_python_wheel"]

LLAMA_CPP_PYTHON_VERSION = "0.3.36"  # the pinned llama-cpp-python (and its vendored llama.cpp)


def cache_dir() -> Path:
    """The cache root (not created)."""
    configured = os.environ.get("AUDIT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "model-integrity-audit"


def vocab_dir() -> Path:
    """Folder of llama.cpp's vocab-only GGUF files and their .inp/.out test vectors."""
    return cache_dir() / "llama-vocab"


def vocab_file(name: str) -> Path:
    """The vocab GGUF for a llama.cpp vocab name such as 'llama-bpe', 'qwen2', 'gpt-2'."""
    return vocab_dir() / f"ggml-vocab-{name}.gguf"


def list_vocab_files() -> dict[str, Path]:
    """Vocab name -> GGUF path, for every vocab file present in the cache."""
    folder = vocab_dir()
    if not folder.is_dir():
        return {}
    return {p.name[len("ggml-vocab-"):-len(".gguf")]: p for p in sorted(folder.glob("ggml-vocab-*.gguf"))}


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

"""Build llama.cpp's C++ llama-server from the llama.cpp vendored in the cached llama-cpp-python sdist.

    python -m tests.support.realserver.build      # about 7 minutes on 2 cores; prints the binary's path

Portable CPU flags (no -march=native), no curl, no web UI download (offline), static libraries so
the one binary is all that is kept: `llama_server_bin()`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.realserver.paths import cache_dir, llama_server_bin
from tests.support.realserver.vocab import ensure_sdist, extract_source

__all__ = ["PORTABLE_FLAGS", "build_llama_server"]

PORTABLE_FLAGS = ["-DGGML_NATIVE=OFF", "-DGGML_AVX2=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON", "-DLLAMA_CURL=OFF"]


def build_llama_server(jobs: int | None = None, force: bool = False) -> Path:
    """The llama-server binary, built (and cached) when missing."""
    target = llama_server_bin()
    if target.is_file() and not force:
        return target
    source = extract_source(ensure_sdist(), cache_dir() / "src")
    build = cache_dir() / "build" / "llama-server"
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(["cmake", "-S", str(source), "-B", str(build), *generator, "-DCMAKE_BUILD_TYPE=Release",
                    *PORTABLE_FLAGS, "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF",
                    "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF"],
                   check=True)
    subprocess.run(["cmake", "--build", str(build), "--target", "llama-server",
                    "-j", str(jobs or os.cpu_count() or 2)], check=True)
    built = build / "bin" / "llama-server"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    shutil.copy2(built, partial)
    partial.replace(target)
    return target


if __name__ == "__main__":
    print(build_llama_server(force="--force" in sys.argv[1:]))

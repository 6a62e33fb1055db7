"""Compile llama.cpp once, from the copy vendored in the cached llama-cpp-python sdist, for both servers.

    python -m tests.support.realserver.build [--force]   # about 6 minutes on 2 cores (JOBS=n jobs); prints both

One cmake build of ``vendor/llama.cpp`` (shared libraries, portable CPU flags, no curl, no web UI
download: offline) gives

- llama.cpp's C++ ``llama-server`` (and ``llama-quantize``), kept with the shared libraries it loads (RUNPATH ``$ORIGIN``) in
  ``<cache>/llama-server/bin/``: `llama_server_bin()`;
- the same libraries for llama-cpp-python: the sdist is packed into a wheel with its own CMake step
  told not to build llama.cpp (``LLAMA_BUILD=OFF``, ``LLAVA_BUILD=OFF``: the options of the sdist's
  CMakeLists.txt) and the libraries placed in ``llama_cpp/lib/``, the folder ``llama_cpp`` loads them
  from (``llama_cpp/_ctypes_extensions.py``), so the installed package needs no ``LLAMA_CPP_LIB_PATH``.
  The wheel is kept in `wheels_dir()`, so a new checkout installs it in seconds.

The sdist's own build would compile the same libraries again (its CMakeLists.txt adds
``vendor/llama.cpp`` with ``BUILD_SHARED_LIBS=On``), and cannot add the ``llama-server`` target beside
its own ``mtmd`` (llama.cpp's tools folder defines ``mtmd`` a second time).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.realserver.paths import (LLAMA_CPP_PYTHON_VERSION, cache_dir, llama_cpp_python_wheel,
                                            llama_server_bin, wheels_dir)
from tests.support.realserver.vocab import ensure_sdist, extract_source

__all__ = ["PORTABLE_FLAGS", "PYTHON_LIBRARIES", "build_llama_cpp", "build_llama_server"]

PORTABLE_FLAGS = ["-DGGML_NATIVE=OFF", "-DGGML_AVX2=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON", "-DLLAMA_CURL=OFF"]

# What the sdist's CMakeLists.txt installs into llama_cpp/lib/ on a CPU build (the others are GPU backends).
PYTHON_LIBRARIES = ("llama", "ggml", "ggml-base", "ggml-cpu", "mtmd")

_CMAKE_OPTIONS = [
    "-DCMAKE_BUILD_TYPE=Release", *PORTABLE_FLAGS,
    "-DBUILD_SHARED_LIBS=ON", "-DCMAKE_BUILD_WITH_INSTALL_RPATH=ON", "-DCMAKE_INSTALL_RPATH=$ORIGIN",
    "-DLLAMA_BUILD_TOOLS=ON", "-DLLAMA_BUILD_SERVER=ON", "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF",
    "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
]
# llama-quantize rides along (a few seconds of linking): the verification benchmarks quantize tiny models.
_TOOLS = ("llama-server", "llama-quantize")
_TARGETS = [*_TOOLS, *PYTHON_LIBRARIES]


def build_llama_cpp(jobs: int | None = None, force: bool = False) -> tuple[Path, Path]:
    """(llama-cpp-python wheel, llama-server binary), both from one compile when either is missing."""
    wheel, server = llama_cpp_python_wheel(), llama_server_bin()
    quantize = server.with_name("llama-quantize")
    if wheel is not None and server.is_file() and quantize.is_file() and not force:
        return wheel, server
    work = cache_dir() / "build"
    shutil.rmtree(work, ignore_errors=True)  # a half-finished earlier attempt
    source = extract_source(ensure_sdist(), work / "src")
    binaries = _compile(source, work / "llama.cpp", jobs or os.cpu_count() or 2)
    _keep_llama_server(binaries, server)
    wheel = _pack_wheel(source.parent.parent, binaries)
    shutil.rmtree(work, ignore_errors=True)
    return wheel, server


def build_llama_server(jobs: int | None = None, force: bool = False) -> Path:
    """The llama-server binary, built (and cached, with the wheel) when missing."""
    if llama_server_bin().is_file() and not force:
        return llama_server_bin()
    return build_llama_cpp(jobs, force=True)[1]


def _compile(source: Path, build: Path, jobs: int) -> Path:
    """Configure and build llama.cpp; returns the folder holding llama-server and the shared libraries."""
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(["cmake", "-S", str(source), "-B", str(build), *generator, *_CMAKE_OPTIONS], check=True)
    subprocess.run(["cmake", "--build", str(build), "-j", str(jobs), "--target", *_TARGETS], check=True)
    return build / "bin"


def _shared_libraries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("lib*.so*") if p.is_file())


def _strip(path: Path) -> None:
    strip = shutil.which("strip")
    if strip:
        subprocess.run([strip, "--strip-unneeded", str(path)], check=True)


def _keep_llama_server(binaries: Path, target: Path) -> None:
    """Copy llama-server and every shared library beside it (symlinks kept) into target's folder, atomically."""
    partial = target.parent.with_name(target.parent.name + ".part")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for item in [*(binaries / tool for tool in _TOOLS), *_shared_libraries(binaries)]:
        shutil.copy2(item, partial / item.name, follow_symlinks=False)
        if not item.is_symlink():
            _strip(partial / item.name)
    shutil.rmtree(target.parent, ignore_errors=True)
    partial.replace(target.parent)


def _pack_wheel(sdist_root: Path, binaries: Path) -> Path:
    """Build llama-cpp-python's wheel without compiling, with the libraries in llama_cpp/lib/."""
    lib = sdist_root / "llama_cpp" / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    for name in PYTHON_LIBRARIES:
        # the name llama_cpp opens and the versioned name the libraries link against (a wheel holds no symlinks)
        linked = binaries / f"lib{name}.so"
        for alias in {linked, binaries / _soname(linked)}:
            shutil.copyfile(alias, lib / alias.name)  # follows the symlinks
            _strip(lib / alias.name)
    out = wheels_dir()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}-*.whl"):
        old.unlink()
    env = dict(os.environ, CMAKE_ARGS="-DLLAMA_BUILD=OFF -DLLAVA_BUILD=OFF")
    # The sdist's .gitignore lists "lib/"; sdist.include is what scikit-build-core's file discovery lets
    # through anyway (https://scikit-build-core.readthedocs.io/en/latest/configuration/).
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--no-cache-dir", "--config-settings=sdist.include=llama_cpp/lib/*", "-w", str(out),
                    str(sdist_root)], check=True, env=env)
    wheel = llama_cpp_python_wheel()
    if wheel is None:
        raise FileNotFoundError(f"pip wheel left no llama_cpp_python wheel in {out}")
    return wheel


def _soname(library: Path) -> str:
    """The name a shared library is linked by: CMake's libX.so is a symlink to it (libX.so.0 -> libX.so.0.0.N)."""
    return os.readlink(library) if library.is_symlink() else library.name


if __name__ == "__main__":
    jobs = os.environ.get("JOBS")
    for built in build_llama_cpp(int(jobs) if jobs else None, force="--force" in sys.argv[1:]):
        print(built)

"""llama.cpp's vocab-only GGUF files (with their .inp/.out test vectors) and its Unicode table, taken from
the pinned llama-cpp-python source package on PyPI.

A setup step (`audit tokenizers fetch`), never at run time: pip downloads the sdist (no build, no
dependencies), its sha256 is checked against the pin (PyPI's published digest), and only
`vendor/llama.cpp/models/ggml-vocab-*` and `vendor/llama.cpp/src/unicode-data.cpp` are extracted into
<cache>/llama-vocab/. Each step is skipped when its result is already cached.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from audit.core.atomic import write_bytes_atomic
from audit.tokenizers.cache import cache_dir

__all__ = ["LLAMA_CPP_PYTHON_VERSION", "SDIST_SHA256", "UNICODE_DATA", "sdist_path", "vocab_dir", "ensure_sdist",
           "extract_vocab", "ensure_vocab", "list_vocab_files"]

LLAMA_CPP_PYTHON_VERSION = "0.3.36"  # the pinned llama-cpp-python (and its vendored llama.cpp)
# https://pypi.org/simple/llama-cpp-python/ : llama_cpp_python-0.3.36.tar.gz#sha256=...
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
UNICODE_DATA = "llama.cpp-unicode-data.cpp"  # src/unicode-data.cpp, stored beside the vocab files
_VOCAB_PREFIX = "vendor/llama.cpp/models/ggml-vocab-"
_UNICODE_MEMBER = "vendor/llama.cpp/src/unicode-data.cpp"


def sdist_path(version: str = LLAMA_CPP_PYTHON_VERSION) -> Path:
    return cache_dir() / "sdist" / f"llama_cpp_python-{version}.tar.gz"


def vocab_dir() -> Path:
    return cache_dir() / "llama-vocab"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_sdist(version: str = LLAMA_CPP_PYTHON_VERSION, sha256: str = SDIST_SHA256) -> Path:
    """The cached, hash-checked source package; downloaded with pip when missing."""
    target = sdist_path(version)
    if target.is_file() and _sha256(target) == sha256:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-binary", ":all:", "--no-deps",
                        f"llama-cpp-python=={version}", "-d", tmp], check=True)
        downloaded = Path(tmp) / target.name
        if not downloaded.is_file():
            raise FileNotFoundError(f"pip did not produce {target.name}")
        actual = _sha256(downloaded)
        if actual != sha256:
            raise ValueError(f"{target.name}: sha256 {actual} is not the pinned {sha256}")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(downloaded.read_bytes())
        partial.replace(target)
    return target


def list_vocab_files(folder: Path | None = None) -> dict[str, Path]:
    """Vocab name ('llama-bpe', 'qwen2', ...) -> GGUF path, for the vocab files present."""
    folder = folder or vocab_dir()
    if not folder.is_dir():
        return {}
    return {p.name[len("ggml-vocab-"):-len(".gguf")]: p for p in sorted(folder.glob("ggml-vocab-*.gguf"))}


def extract_vocab(sdist: Path, dest: Path | None = None) -> dict[str, Path]:
    """Extract every ggml-vocab-* file (GGUF and test vectors) and llama.cpp's Unicode table into `dest`."""
    dest = dest or vocab_dir()
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            _root, _, rest = member.name.partition("/")
            if not member.isfile():
                continue
            if rest.startswith(_VOCAB_PREFIX):
                target = dest / Path(rest).name
            elif rest == _UNICODE_MEMBER:
                target = dest / UNICODE_DATA
            else:
                continue
            with archive.extractfile(member) as source:  # type: ignore[union-attr]
                write_bytes_atomic(target, source.read())
    return list_vocab_files(dest)


def ensure_vocab(version: str = LLAMA_CPP_PYTHON_VERSION) -> dict[str, Path]:
    """Vocab name -> GGUF path; fetches and extracts only what the cache lacks."""
    found = list_vocab_files()
    if found and (vocab_dir() / UNICODE_DATA).is_file():
        return found
    return extract_vocab(ensure_sdist(version))

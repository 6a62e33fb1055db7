"""Fetch llama-cpp-python's source package and take llama.cpp's vocab-only GGUF files out of it.

The sdist is fetched with pip (``pip download --no-binary :all: --no-deps``), the only registry
access; the vocab files and their .inp/.out test vectors are extracted into `vocab_dir()`.
Both steps are skipped when their result is already in the cache.

    python -m tests.support.realserver.vocab            # fetch + extract, print the vocab folder
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from tests.support.realserver.paths import LLAMA_CPP_PYTHON_VERSION, list_vocab_files, sdist_dir, vocab_dir

__all__ = ["sdist_path", "ensure_sdist", "extract_vocab", "ensure_vocab", "extract_source"]

_VOCAB_PREFIX = "vendor/llama.cpp/models/ggml-vocab-"


def sdist_path(version: str = LLAMA_CPP_PYTHON_VERSION) -> Path:
    return sdist_dir() / f"llama_cpp_python-{version}.tar.gz"


def ensure_sdist(version: str = LLAMA_CPP_PYTHON_VERSION) -> Path:
    """The cached source package, downloaded with pip when missing."""
    target = sdist_path(version)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps",
                    f"llama-cpp-python=={version}", "-d", str(target.parent)],
                   check=True)
    if not target.is_file():
        raise FileNotFoundError(f"pip did not produce {target}")
    return target


def _members(archive: tarfile.TarFile, prefix_after_root: str):
    for member in archive.getmembers():
        _root, _, rest = member.name.partition("/")
        if rest.startswith(prefix_after_root) and member.isfile():
            yield member, rest


def extract_vocab(sdist: Path, dest: Path | None = None) -> dict[str, Path]:
    """Extract every ggml-vocab-* file (GGUF and test vectors) from the sdist into `dest`."""
    dest = dest or vocab_dir()
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdist) as archive:
        for member, rest in _members(archive, _VOCAB_PREFIX):
            target = dest / Path(rest).name
            partial = target.with_name(target.name + ".part")
            with archive.extractfile(member) as source, open(partial, "wb") as out:  # type: ignore[union-attr]
                out.write(source.read())
            partial.replace(target)
    return list_vocab_files()


def ensure_vocab(version: str = LLAMA_CPP_PYTHON_VERSION) -> dict[str, Path]:
    """Vocab name -> GGUF path; fetches and extracts only when the cache has none."""
    found = list_vocab_files()
    if found:
        return found
    return extract_vocab(ensure_sdist(version))


def extract_source(sdist: Path, dest: Path) -> Path:
    """Unpack the whole sdist (for building llama-server); returns its vendored llama.cpp folder."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdist) as archive:
        root = archive.getmembers()[0].name.split("/", 1)[0]
        if not (dest / root).is_dir():
            archive.extractall(dest, filter="data")
    return dest / root / "vendor" / "llama.cpp"


if __name__ == "__main__":
    files = ensure_vocab()
    print(vocab_dir())
    print(f"{len(files)} vocab files: {', '.join(files)}", file=sys.stderr)

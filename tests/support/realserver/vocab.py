"""llama-cpp-python's source package and the llama.cpp vocab files in it, for the real-server builders.

Fetching, hash-checking and extracting the vocab files is the product's own setup step
(audit/tokenizers/llamacpp/sdist.py, run by `audit tokenizers fetch`); this module only adds
`extract_source` (the whole sdist, for building llama-server).

    python -m tests.support.realserver.vocab            # fetch + extract, print the vocab folder
"""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path

from audit.tokenizers.llamacpp.sdist import ensure_sdist, ensure_vocab, extract_vocab, sdist_path
from tests.support.realserver.paths import vocab_dir

__all__ = ["sdist_path", "ensure_sdist", "extract_vocab", "ensure_vocab", "extract_source"]


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

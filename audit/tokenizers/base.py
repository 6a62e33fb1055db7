"""The one tokenizer interface the project uses, whatever library sits underneath."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["Tokenizer", "TokenizerUnavailable"]


class TokenizerUnavailable(Exception):
    """A catalog entry cannot be loaded here (package or file missing); the message says why."""


@dataclass(frozen=True, eq=False)
class Tokenizer:
    """Plain-text tokenization: no BOS/EOS added, special-token strings treated as ordinary text.

    That is what a chat API does with message content, so counts compare with its usage numbers.
    """

    name: str
    vocab_size: int
    source: str
    _encode: Callable[[str], Sequence[int]] = field(repr=False)
    _decode: Callable[[list[int]], str] = field(repr=False)

    def encode(self, text: str) -> list[int]:
        return list(self._encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        return self._decode(list(ids))

    def count(self, text: str) -> int:
        return len(self._encode(text))

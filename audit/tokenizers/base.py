"""The one tokenizer interface the project uses, whatever library sits underneath."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["Tokenizer", "TokenizerUnavailable", "most_by_character"]


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
    # The most tokens any generation of a text can take (see most_tokens); None: byte-level BPE.
    _most: Callable[[str], int] | None = field(default=None, repr=False)

    def encode(self, text: str) -> list[int]:
        return list(self._encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        return self._decode(list(ids))

    def count(self, text: str) -> int:
        return len(self._encode(text))

    def most_tokens(self, text: str) -> int:
        """The most tokens any generation of `text` can take in this vocabulary: generation need not be
        canonical, so this, not `count`, bounds an honest completion count from above.

        Byte-level BPE (the default): one token per UTF-8 byte. A vocabulary of character pieces
        (SentencePiece, Gemma's BPE) sets its own bound: `most_by_character`. Special tokens a
        generation adds without visible text (a stop token) are the caller's allowance."""
        if self._most is not None:
            return self._most(text)
        return len(text.encode("utf-8"))


def most_by_character(text: str, is_piece: Callable[[str], bool], space: str = "\u2581") -> int:
    """The most tokens a vocabulary of character pieces can spend on `text`: every piece but a byte
    token covers at least one character, so one per character that is a piece (a space is `space`),
    its UTF-8 bytes for one that is not (byte fallback), plus one for a dummy-prefix space."""
    if not text:
        return 0
    return 1 + sum(1 if is_piece(space if ch == " " else ch) else len(ch.encode("utf-8")) for ch in text)

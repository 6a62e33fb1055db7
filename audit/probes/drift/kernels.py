"""String kernels for the two-sample test on completions.

`hamming_kernel` follows the idea of Model Equality Testing (Gao, Liang & Guestrin, ICLR 2025):
compare two completions position by position. Texts are split into word and punctuation
tokens, padded to a fixed length L, and positions are weighted geometrically so the first
tokens (where sampled completions first part ways) count most. A weighted sum of per-position
delta kernels is positive definite, so the MMD it defines is a metric on distributions over
the first L tokens. `exact_kernel` compares whole normalised answers (temperature-0 prompts).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["tokens", "hamming_kernel", "exact_kernel", "position_weights"]

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_PAD = -1


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def position_weights(length: int, decay: float) -> np.ndarray:
    weights = decay ** np.arange(length, dtype=float)
    return weights / weights.sum()


def _encode(texts: Sequence[str], length: int) -> np.ndarray:
    """Token ids per position (one shared vocabulary per call), padded with -1."""
    vocab: dict[str, int] = {}
    codes = np.full((len(texts), length), _PAD, dtype=np.int64)
    for row, text in enumerate(texts):
        for col, tok in enumerate(tokens(text)[:length]):
            codes[row, col] = vocab.setdefault(tok, len(vocab))
    return codes


def hamming_kernel(texts: Sequence[str], length: int = 24, decay: float = 0.85) -> np.ndarray:
    """Gram matrix: weighted share of the first `length` positions where two texts agree."""
    codes = _encode(texts, length)
    weights = position_weights(length, decay)
    equal = codes[:, None, :] == codes[None, :, :]
    return (equal * weights).sum(axis=2)


def exact_kernel(answers: Sequence[str]) -> np.ndarray:
    """Gram matrix: 1 where two (already normalised) answers are identical."""
    arr = np.array(answers, dtype=object)
    return (arr[:, None] == arr[None, :]).astype(float)

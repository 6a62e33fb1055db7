"""The tiny models the test suite serves, and how to get them all ready.

`ensure_models()` is what both scripts/setup-real-servers.sh and the realserver fixtures call:
vocab files first (from the cached llama-cpp-python sdist), then each tiny model (cached by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.realserver.servers import ServedModel
from tests.support.realserver.tiny_gguf import FAMILIES, build_tiny_model
from tests.support.realserver.vocab import ensure_vocab

__all__ = ["TinyModel", "DEFAULT_MODELS", "ensure_models", "served_models"]


@dataclass(frozen=True)
class TinyModel:
    alias: str
    family: str
    seed: int = 1
    scale: float = 1.0
    jinja: bool = False  # True: serve with the GGUF's own chat template instead of the built-in format

    @property
    def chat_format(self) -> str | None:
        return None if self.jinja else FAMILIES[self.family].chat_format


DEFAULT_MODELS = (
    TinyModel("tiny-llama3", "llama-bpe", seed=1),
    TinyModel("tiny-llama3-b", "llama-bpe", seed=2),      # same tokenizer, different weights
    TinyModel("tiny-qwen2", "qwen2", seed=1, jinja=True),  # its own template, with a default system prompt
)


def ensure_models(models: tuple[TinyModel, ...] = DEFAULT_MODELS) -> dict[str, Path]:
    """Alias -> GGUF path, building whatever is not cached yet."""
    ensure_vocab()
    return {m.alias: build_tiny_model(m.family, seed=m.seed, scale=m.scale) for m in models}


def served_models(models: tuple[TinyModel, ...] = DEFAULT_MODELS, n_ctx: int = 2048) -> list[ServedModel]:
    paths = ensure_models(models)
    return [ServedModel(paths[m.alias], m.alias, m.chat_format, n_ctx=n_ctx) for m in models]

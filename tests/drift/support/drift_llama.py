"""Tiny llama.cpp models for the drift tests and benchmark: one model and its silent changes.

    base     a tiny random-weight model (GPT-2 vocabulary, 64 wide, 2 layers), seed 11, stored F16/F32
    swap     the same architecture and tokenizer with other weights (seed 12)
    q8_0     `base` re-quantized to Q8_0 with llama.cpp's own quantizer (llama_model_quantize)
    q4_0     `base` re-quantized to Q4_0

The weight scale (1.0) makes the next-token distribution peaked: the same prompt sampled at
temperature 1 often repeats its first words, and two seeds answer differently (checked by
test_real_llama.py). The GPT-2 vocabulary (50k tokens) keeps a call near 50 ms on one CPU thread.
Every variant is served under one alias, `tiny-drift`, so a swap is silent: same name, same API.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

__all__ = ["ALIAS", "FAMILY", "SCALE", "VARIANTS", "drift_models", "quantize", "served"]

ALIAS = "tiny-drift"
FAMILY = "gpt-2"
SCALE = 1.0
BASE_SEED, SWAP_SEED = 11, 12
VARIANTS = ("base", "swap", "q8_0", "q4_0")


def quantize(source: Path, kind: str) -> Path:
    """`source` re-quantized by llama.cpp to `kind` ("q8_0" or "q4_0"), cached beside it."""
    import llama_cpp

    ftype = {"q8_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0, "q4_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0}[kind]
    target = source.with_name(f"{source.stem}-{kind}.gguf")
    if target.is_file():
        return target
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = 1
    if llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), ctypes.byref(params)) != 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"llama_model_quantize failed for {source} -> {kind}")
    partial.replace(target)
    return target


def drift_models() -> dict[str, Path]:
    """Variant name -> GGUF path, built (and cached in the realserver models folder) on first use."""
    from tests.support.realserver.tiny_gguf import build_tiny_model
    from tests.support.realserver.vocab import ensure_vocab

    ensure_vocab()
    base = build_tiny_model(FAMILY, seed=BASE_SEED, scale=SCALE)
    return {"base": base, "swap": build_tiny_model(FAMILY, seed=SWAP_SEED, scale=SCALE),
            "q8_0": quantize(base, "q8_0"), "q4_0": quantize(base, "q4_0")}


def served(path: Path):
    """The ServedModel for one variant: always the alias `tiny-drift`, ChatML like the family."""
    from tests.support.realserver.servers import ServedModel
    from tests.support.realserver.tiny_gguf import FAMILIES

    return ServedModel(path, ALIAS, FAMILIES[FAMILY].chat_format, n_ctx=1024)

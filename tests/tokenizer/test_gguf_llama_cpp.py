"""Differential check: the built-in GGUF loader gives the ids llama.cpp itself gives (llama-cpp-python's
`tokenize(add_bos=False, special=False)`), on the probe pool, random mixed-script text and every
vocabulary's control and user-defined token texts. Runs where the real-server setup installed
llama-cpp-python; the product never imports it."""

from __future__ import annotations

import random

import pytest

from audit.probes.tokenizer.pool import BASE_TEXT, CANDIDATES
from audit.tokenizers import load_catalog
from audit.tokenizers.llamacpp import load_encoder
from audit.tokenizers.llamacpp.sdist import ensure_vocab, vocab_dir
from audit.tokenizers.llamacpp.vocab import ATTR_CONTROL, ATTR_USER_DEFINED

llama_cpp = pytest.importorskip("llama_cpp")

ALPHABET = list(" \n\t\r  aZ09'’sS.,!?-_<>|/\\éüßøΩжאعहँ中文日本語한국😀👍🏽\u200b\u00a0\u3000\u0301\ufeff$+^~`")
FILES = sorted({spec.file for e in load_catalog().tokenizers for spec in e.loaders if spec.kind == "gguf"}
               | {"ggml-vocab-baichuan.gguf", "ggml-vocab-aquila.gguf"})


def _corpus(enc) -> list[str]:
    rng = random.Random(7)
    texts = [BASE_TEXT, *CANDIDATES]
    texts += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 60))) for _ in range(200)]
    specials = [t for t, a in zip(enc.vocab.tokens, enc.vocab.attrs) if a & (ATTR_CONTROL | ATTR_USER_DEFINED)]
    return texts + [f"x {t} y{t}" for t in specials[:40]]


@pytest.mark.parametrize("file", FILES)
def test_same_ids_as_llama_cpp(file):
    ensure_vocab()
    path = vocab_dir() / file
    enc = load_encoder(path)
    model = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
    corpus = _corpus(enc)
    differ = [t for t in corpus if enc.encode(t) != model.tokenize(t.encode("utf-8"), add_bos=False, special=False)]
    assert not differ, f"{file}: {len(corpus) - len(differ)}/{len(corpus)} equal; first differing: {differ[0]!r}"

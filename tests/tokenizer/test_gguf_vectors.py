"""The built-in llama.cpp loader against llama.cpp's own test vectors (the .inp/.out files beside each
vocab GGUF in llama.cpp's models/ folder), token for token, with llama-cpp-python never imported.

The vocab files come from the product's own setup step (`ensure_vocab`: the pinned llama-cpp-python sdist
from PyPI, hash-checked and cached).
"""

from __future__ import annotations

import sys
from functools import lru_cache

import pytest

from audit.tokenizers import load_catalog
from audit.tokenizers.base import TokenizerUnavailable
from audit.tokenizers.llamacpp.sdist import ensure_vocab, vocab_dir
from audit.tokenizers.loaders import gguf_tokenizer

SEPARATOR = "\n__ggml_vocab_test__\n"


@pytest.fixture(scope="module", autouse=True)
def no_llama_cpp():
    """Make any import of llama_cpp fail while these tests run."""
    saved = sys.modules.get("llama_cpp")
    sys.modules["llama_cpp"] = None  # type: ignore[assignment]
    yield
    if saved is None:
        sys.modules.pop("llama_cpp", None)
    else:
        sys.modules["llama_cpp"] = saved


def _vocabs_with_vectors() -> list[str]:
    return sorted(name for name, path in ensure_vocab().items() if path.with_name(path.name + ".out").is_file())


def _vectors(name: str) -> list[tuple[str, list[int]]]:
    base = vocab_dir() / f"ggml-vocab-{name}.gguf"
    texts = base.with_name(base.name + ".inp").read_text(encoding="utf-8").split(SEPARATOR)
    lines = base.with_name(base.name + ".out").read_text(encoding="utf-8").split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    assert len(lines) >= len(texts)
    return [(text, [int(x) for x in line.split()]) for text, line in zip(texts, lines)]


@lru_cache(maxsize=None)
def _load(file: str):
    return gguf_tokenizer(vocab_dir() / file, file)


CATALOG_FILES = {spec.file for e in load_catalog().tokenizers for spec in e.loaders if spec.kind == "gguf"}


@pytest.mark.parametrize("name", _vocabs_with_vectors())
def test_matches_llama_cpp_vectors(name):
    file = f"ggml-vocab-{name}.gguf"
    try:
        tok = _load(file)
    except TokenizerUnavailable as exc:
        if file in CATALOG_FILES:
            raise
        pytest.skip(f"not a catalog vocabulary and not supported: {exc}")
    vectors = _vectors(name)
    failures = [(text, ids, tok.encode(text)) for text, ids in vectors if tok.encode(text) != ids]
    assert not failures, f"{name}: {len(vectors) - len(failures)}/{len(vectors)} vectors match; first: {failures[0]}"


@pytest.mark.parametrize("file", sorted(CATALOG_FILES))
def test_catalog_vocab_loads_and_round_trips(file):
    tok = _load(file)
    text = "Hello world, 12345 times!\n\tcafé"
    assert tok.decode(tok.encode(text)).strip() == text.strip()
    assert tok.count("") == 0


def test_user_defined_tokens_split_control_tokens_do_not():
    """special=False: a user-defined token's text becomes that token; a control token's is plain text."""
    from audit.tokenizers.llamacpp import load_encoder
    from audit.tokenizers.llamacpp.vocab import ATTR_CONTROL, ATTR_USER_DEFINED

    enc = load_encoder(vocab_dir() / "ggml-vocab-command-r.gguf")
    ids = enc.vocab.token_to_id
    assert enc.vocab.attrs[ids["<|START_OF_TURN_TOKEN|>"]] == ATTR_USER_DEFINED
    assert ids["<|START_OF_TURN_TOKEN|>"] in enc.encode("Hi<|START_OF_TURN_TOKEN|>there")
    assert enc.vocab.attrs[ids["<BOS_TOKEN>"]] & ATTR_CONTROL
    assert ids["<BOS_TOKEN>"] not in enc.encode("Hi<BOS_TOKEN>there")
    assert enc.decode(enc.encode("Hi<BOS_TOKEN>there")) == "Hi<BOS_TOKEN>there"

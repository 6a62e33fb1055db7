"""The catalog loads offline and its tokenizers agree with ground truth: tiktoken's published file
hashes for OpenAI encodings, llama.cpp's test vectors for open vocabularies."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from audit.tokenizers import TokenizerUnavailable, catalog_status, load_catalog, load_tokenizer, tokenizer_from_file
from audit.tokenizers.cache import ensure_openai_file, gguf_dirs, openai_expected_hash
from audit.tokenizers.loaders import load_with

REQUIRE = os.environ.get("AUDIT_REQUIRE_REAL_SERVERS") == "1"


def skip_or_fail(reason: str):
    if REQUIRE:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_openai_files_match_tiktoken_published_hash(encoding):
    path = ensure_openai_file(encoding)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == openai_expected_hash(encoding)


def test_r50k_file_matches_hash_when_fetched():
    from audit.tokenizers.cache import _cached_path

    path = _cached_path("r50k_base")
    if not path.is_file():
        skip_or_fail("r50k_base not fetched (run `audit tokenizers fetch`)")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == openai_expected_hash("r50k_base")


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_openai_encodings_load_without_llama_cpp_and_agree_with_quicktok(name):
    tok = load_tokenizer(name)
    other = load_with({"kind": "quicktok", "encoding": name}, name)
    text = "Hello 世界 12345 😀 <|endoftext|> مرحبا"
    assert tok.encode(text) == other.encode(text)
    assert tok.decode(tok.encode(text)) == text
    assert tok.count(text) == len(tok.encode(text)) and tok.name == name and tok.vocab_size > 100_000


def test_aliases_resolve():
    assert load_tokenizer("gpt-4o").name == "o200k_base"
    assert load_tokenizer("meta-llama/Llama-3.1-8B").name == "llama-3"
    with pytest.raises(TokenizerUnavailable, match="no tokenizer 'nope'"):
        load_tokenizer("nope")


def test_unavailable_entries_are_reported_not_raised():
    statuses = catalog_status()
    assert {s.entry.name for s in statuses} == {e.name for e in load_catalog().tokenizers}
    for s in statuses:
        assert s.available or "unavailable" in s.detail


def _vectors_dir() -> Path | None:
    for folder in gguf_dirs():
        if list(folder.glob("ggml-vocab-*.gguf.out")):
            return folder
    return None


def _vectors(folder: Path, gguf: str) -> list[tuple[str, list[int]]]:
    texts = (folder / f"{gguf}.inp").read_text(encoding="utf-8").split("\n__ggml_vocab_test__\n")
    ids = (folder / f"{gguf}.out").read_text(encoding="utf-8").split("\n")
    return [(t, [int(x) for x in i.split()]) for t, i in zip(texts, ids)]


# (catalog loader spec, llama.cpp vocab file whose vectors are its ground truth)
PACKAGE_LOADERS = [
    ({"kind": "quicktok", "encoding": "llama3"}, "ggml-vocab-llama-bpe.gguf"),
    ({"kind": "qwen", "file": "qwen.tiktoken", "pattern": "qwen"}, "ggml-vocab-qwen2.gguf"),
    ({"kind": "quicktok", "encoding": "qwen3"}, "ggml-vocab-qwen2.gguf"),
    ({"kind": "tiktoken", "encoding": "r50k_base"}, "ggml-vocab-gpt-2.gguf"),
]


@pytest.mark.parametrize("spec,gguf", PACKAGE_LOADERS, ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_package_tokenizers_match_llama_cpp_vectors(spec, gguf):
    folder = _vectors_dir()
    if folder is None:
        skip_or_fail("llama.cpp vocab files missing (scripts/setup-real-servers.sh)")
    try:
        tok = load_with(spec, "t")
    except TokenizerUnavailable as exc:
        skip_or_fail(str(exc))
    vectors = _vectors(folder, gguf)
    assert [tok.encode(text) for text, _ in vectors] == [ids for _, ids in vectors]


def _gguf_entries():
    return [(e.name, spec.file) for e in load_catalog().tokenizers for spec in e.loaders if spec.kind == "gguf"]


@pytest.mark.parametrize("name,gguf", _gguf_entries())
def test_gguf_tokenizers_match_llama_cpp_vectors(name, gguf):
    folder = _vectors_dir()
    if folder is None:
        skip_or_fail("llama.cpp vocab files missing (scripts/setup-real-servers.sh)")
    try:
        tok = load_with({"kind": "gguf", "file": gguf}, name)
    except TokenizerUnavailable as exc:
        skip_or_fail(str(exc))
    if not (folder / f"{gguf}.out").is_file():
        pytest.skip(f"llama.cpp ships no test vectors for {gguf}")
    vectors = _vectors(folder, gguf)
    assert [tok.encode(text) for text, _ in vectors] == [ids for _, ids in vectors]


def test_user_tiktoken_and_tokenizer_json(tmp_path):
    import base64

    ranks = {bytes([b]): b for b in range(256)}
    ranks[b"ab"] = 256
    path = tmp_path / "mine.tiktoken"
    path.write_bytes(b"".join(base64.b64encode(t) + b" " + str(r).encode() + b"\n" for t, r in ranks.items()))
    tok = tokenizer_from_file(path)
    assert tok.name == "mine" and tok.encode("abab") == [256, 256] and tok.vocab_size == 257

    from tokenizers import Tokenizer, models, pre_tokenizers

    hf = Tokenizer(models.WordLevel({"hello": 0, "world": 1, "[UNK]": 2}, unk_token="[UNK]"))
    hf.pre_tokenizer = pre_tokenizers.Whitespace()
    json_path = tmp_path / "tokenizer.json"
    hf.save(str(json_path))
    tok = load_tokenizer(str(json_path))
    assert tok.encode("hello world") == [0, 1] and tok.count("hello there world") == 3

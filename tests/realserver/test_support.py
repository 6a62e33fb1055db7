"""The real-server support code that runs without a server: cache paths, tiny-model building, skip rules."""

from __future__ import annotations

import importlib.util

import pytest

from tests.support.realserver import paths, testing


def test_cache_dir_is_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIT_CACHE_DIR", str(tmp_path / "c"))
    assert paths.cache_dir() == tmp_path / "c"
    assert paths.vocab_file("qwen2") == tmp_path / "c" / "llama-vocab" / "ggml-vocab-qwen2.gguf"
    monkeypatch.delenv("AUDIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.cache_dir() == tmp_path / "xdg" / "model-integrity-audit"


def test_list_vocab_files(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIT_CACHE_DIR", str(tmp_path))
    assert paths.list_vocab_files() == {}
    paths.vocab_dir().mkdir()
    for name in ("ggml-vocab-qwen2.gguf", "ggml-vocab-qwen2.gguf.inp", "ggml-vocab-gpt-2.gguf"):
        (paths.vocab_dir() / name).write_bytes(b"")
    assert list(paths.list_vocab_files()) == ["gpt-2", "qwen2"]


def test_missing_servers_skip_unless_required(monkeypatch):
    monkeypatch.delenv("AUDIT_REQUIRE_REAL_SERVERS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        testing.unavailable("llama-cpp-python is not installed")
    monkeypatch.setenv("AUDIT_REQUIRE_REAL_SERVERS", "1")
    with pytest.raises(pytest.fail.Exception, match="AUDIT_REQUIRE_REAL_SERVERS=1"):
        testing.unavailable("llama-cpp-python is not installed")


def test_status_names_what_is_missing(monkeypatch):
    from tests.support.realserver import servers

    real = importlib.util.find_spec
    monkeypatch.setattr(servers.importlib.util, "find_spec", lambda name: None if name == "llama_cpp" else real(name))
    assert "not installed" in servers.llama_cpp_python_status()


def _fake_vocab(path, tokens: list[str]) -> None:
    import gguf

    writer = gguf.GGUFWriter(path, "llama")
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("llama-bpe")
    writer.add_token_list(tokens)
    writer.add_token_types([1] * len(tokens))
    writer.add_token_merges(["a b"])
    writer.add_bos_token_id(0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_tiny_model_copies_the_tokenizer_and_adds_tensors(monkeypatch, tmp_path):
    gguf = pytest.importorskip("gguf")
    from tests.support.realserver.tiny_gguf import build_tiny_model

    monkeypatch.setenv("AUDIT_CACHE_DIR", str(tmp_path))
    paths.vocab_dir().mkdir(parents=True)
    tokens = ["a", "b", "ab", "<s>", "c"]
    _fake_vocab(paths.vocab_file("llama-bpe"), tokens)
    one = build_tiny_model("llama-bpe", seed=1, dim=16, layers=1, heads=2, kv_heads=1, ff=32)
    other = build_tiny_model("llama-bpe", seed=2, dim=16, layers=1, heads=2, kv_heads=1, ff=32)
    assert one.parent == paths.models_dir() and one != other
    assert build_tiny_model("llama-bpe", seed=1, dim=16, layers=1, heads=2, kv_heads=1, ff=32) == one  # cached

    reader = gguf.GGUFReader(one)
    assert reader.fields["tokenizer.ggml.tokens"].contents() == tokens
    assert reader.fields["tokenizer.ggml.pre"].contents() == "llama-bpe"
    assert "tokenizer.chat_template" in reader.fields  # added: this vocab has none
    assert reader.fields["llama.block_count"].contents() == 1
    shapes = {t.name: [int(x) for x in t.shape] for t in reader.tensors}
    assert shapes["token_embd.weight"] == [16, len(tokens)]
    assert shapes["output.weight"] == [16, len(tokens)]
    assert shapes["blk.0.attn_k.weight"] == [16, 8]
    first = {t.name: t.data.copy() for t in reader.tensors}
    second = {t.name: t.data for t in gguf.GGUFReader(other).tensors}
    assert (first["blk.0.attn_q.weight"] != second["blk.0.attn_q.weight"]).any()  # other seed, other weights

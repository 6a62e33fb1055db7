"""A llama.cpp vocabulary read from a GGUF file (with the `gguf` package), and the token attributes
llama.cpp derives from it (src/llama-vocab.cpp, `llama_vocab::impl::load`).

`gguf`'s reader parses every array element eagerly (about 20 s for Gemma 4's 780k strings), so the
tokenizer part of each file is stored once as JSON under <cache>/llama-vocab/parsed/, keyed by the
file's sha256; later loads read that in well under a second.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from audit.core.atomic import write_text_atomic

__all__ = ["Vocab", "read_vocab", "ATTR_UNKNOWN", "ATTR_CONTROL", "ATTR_USER_DEFINED", "ATTR_BYTE", "ATTR_NORMAL",
           "ATTR_UNUSED", "ATTR_RSTRIP", "ATTR_LSTRIP"]

_FORMAT = 1
_META_KEYS = ("general.name", "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.add_space_prefix",
              "tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.fim_mid_token_id",
              "tokenizer.ggml.fim_pad_token_id", "tokenizer.ggml.fim_rep_token_id", "tokenizer.ggml.fim_sep_token_id",
              "tokenizer.ggml.prefix_token_id", "tokenizer.ggml.suffix_token_id", "tokenizer.ggml.middle_token_id")

# llama_token_attr
ATTR_UNKNOWN, ATTR_UNUSED, ATTR_NORMAL, ATTR_CONTROL, ATTR_USER_DEFINED, ATTR_BYTE = 1, 2, 4, 8, 16, 32
ATTR_LSTRIP, ATTR_RSTRIP = 128, 256
# llama_token_type (GGUF) -> attr; 0 (undefined) and anything unknown -> 0
_TYPE_TO_ATTR = {1: ATTR_NORMAL, 2: ATTR_UNKNOWN, 3: ATTR_CONTROL, 4: ATTR_USER_DEFINED, 5: ATTR_UNUSED, 6: ATTR_BYTE}

# Texts llama.cpp marks as control whatever their type: its end-of-generation list ...
_EOG_TEXTS = ("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
              "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
              "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
              "<\uff5cend\u2581of\u2581sentence\uff5c>", "[e~[")
# ... and its fill-in-the-middle tokens, when the file names none of that kind
_FIM_TEXTS = {
    ("tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.prefix_token_id"):
        ("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\uff5cfim\u2581begin\uff5c>", "<PRE>", "\u2581<PRE>",
         "<|code_prefix|>", "<|prefix|>"),
    ("tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.suffix_token_id"):
        ("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\uff5cfim\u2581hole\uff5c>", "<SUF>", "\u2581<SUF>",
         "<|code_suffix|>", "<|suffix|>"),
    ("tokenizer.ggml.fim_mid_token_id", "tokenizer.ggml.middle_token_id"):
        ("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\uff5cfim\u2581end\uff5c>", "<MID>", "\u2581<MID>",
         "<|code_middle|>", "<|middle|>"),
    ("tokenizer.ggml.fim_pad_token_id",): ("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"),
    ("tokenizer.ggml.fim_rep_token_id",): ("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"),
    ("tokenizer.ggml.fim_sep_token_id",): ("<|file_sep|>",),
}


@dataclass
class Vocab:
    """The tokenizer part of a GGUF file, with llama.cpp's token attributes applied."""

    model: str
    pre: str | None
    name: str
    tokens: list[str]
    attrs: list[int]
    scores: list[float]
    merges: list[str]
    add_space_prefix: bool | None
    token_to_id: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, text in enumerate(self.tokens):
            if not text:  # llama.cpp renames empty tokens
                self.tokens[i] = text = f"[EMPTY_{i}]"
            self.token_to_id[text] = i  # a repeated text maps to its last id, as in llama.cpp

    def special_texts(self) -> list[tuple[str, int]]:
        """Tokens llama.cpp splits out of plain text before tokenizing (special=False): user-defined ones
        that are neither control nor unknown, longest first."""
        ids = [i for i, a in enumerate(self.attrs)
               if a & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN) and not a & (ATTR_CONTROL | ATTR_UNKNOWN)]
        ids.sort(key=lambda i: -len(self.tokens[i].encode("utf-8")))
        return [(self.tokens[i], i) for i in ids]


def _parse_with_gguf(path: Path) -> dict:
    import gguf

    reader = gguf.GGUFReader(str(path))

    def value(key: str):
        f = reader.fields.get(key)
        return None if f is None else f.contents()

    tokens = value("tokenizer.ggml.tokens")
    if tokens is None:
        raise ValueError(f"{path}: no tokenizer.ggml.tokens (not a llama.cpp vocabulary)")
    return {"format": _FORMAT, "meta": {k: value(k) for k in _META_KEYS}, "tokens": tokens,
            "types": value("tokenizer.ggml.token_type"), "scores": value("tokenizer.ggml.scores"),
            "merges": value("tokenizer.ggml.merges") or []}


def _parsed(path: Path, cache: Path) -> dict:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    stored = cache / f"{path.stem}-{digest[:16]}.json"
    if stored.is_file():
        try:
            data = json.loads(stored.read_text(encoding="utf-8"))
            if data.get("format") == _FORMAT:
                return data
        except (OSError, ValueError):
            pass  # unreadable: parse again and replace it
    data = _parse_with_gguf(path)
    write_text_atomic(stored, json.dumps(data, ensure_ascii=False))
    return data


def _apply_llama_cpp_attrs(meta: dict, tokens: list[str], attrs: list[int], token_to_id: dict[str, int]) -> None:
    """The attribute overrides llama.cpp makes by token text and model name after reading the types."""
    for keys, texts in _FIM_TEXTS.items():
        if all(meta.get(k) is None for k in keys):
            for text in texts:
                if text in token_to_id:
                    attrs[token_to_id[text]] |= ATTR_CONTROL
    for text in _EOG_TEXTS:
        if text in token_to_id:
            attrs[token_to_id[text]] |= ATTR_CONTROL
    for text in ("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"):  # gpt-oss: always rendered
        if text in token_to_id:
            attrs[token_to_id[text]] = ATTR_USER_DEFINED
    present = set(_EOG_TEXTS).intersection(token_to_id)
    if "<|end|>" in present and ({"<|return|>", "<|call|>"} <= present or {"<|calls|>", "<|flush|>"} <= present):
        attrs[token_to_id["<|end|>"]] = ATTR_USER_DEFINED  # harmony / solar-open: <|end|> is not EOG
    if "</s>" in present and "<|tool_response>" in present:
        attrs[token_to_id["</s>"]] = ATTR_NORMAL  # gemma 4: a normal </s>
    name = (meta.get("general.name") or "").lower()
    if "phi-3" in name or "phi3" in name:
        for i, a in enumerate(attrs):
            if a & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN):
                attrs[i] |= ATTR_RSTRIP
        for text, strip in (("</s>", True), ("<unk>", False), ("<s>", False), ("<|endoftext|>", False)):
            if text in token_to_id:
                i = token_to_id[text]
                attrs[i] = attrs[i] | ATTR_RSTRIP if strip else attrs[i] & ~ATTR_RSTRIP


def read_vocab(path: Path, cache: Path) -> Vocab:
    """The vocabulary of a GGUF file; `cache` holds the parsed copies."""
    data = _parsed(path, cache)
    meta, tokens = data["meta"], list(data["tokens"])
    types = data["types"]
    attrs = [_TYPE_TO_ATTR.get(t, 0) for t in types] if types else [ATTR_NORMAL] * len(tokens)
    scores = data["scores"] or [0.0] * len(tokens)
    vocab = Vocab(model=meta["tokenizer.ggml.model"] or "", pre=meta["tokenizer.ggml.pre"],
                  name=meta.get("general.name") or "", tokens=tokens, attrs=attrs, scores=[float(s) for s in scores],
                  merges=data["merges"], add_space_prefix=meta["tokenizer.ggml.add_space_prefix"])
    _apply_llama_cpp_attrs(meta, vocab.tokens, vocab.attrs, vocab.token_to_id)
    return vocab

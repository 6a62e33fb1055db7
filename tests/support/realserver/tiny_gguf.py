"""Tiny random-weight GGUF models that carry a real tokenizer.

`build_tiny_model` copies every ``tokenizer.*`` key of one of llama.cpp's vocab-only GGUF files and
adds a small transformer (llama or qwen2 architecture, e.g. 64 wide, 2 layers) with random
weights. A server loading it tokenizes, templates and counts exactly like the real model family;
its text is gibberish. ``seed`` gives "different weights" (two seeds = two distinguishable
models); ``scale`` sets the weights' standard deviation: near 0.02 outputs are near-uniform noise,
around 1 the distribution is peaked, so different seeds answer measurably differently.

    python -m tests.support.realserver.tiny_gguf llama-bpe --seed 1 --scale 1.0   # prints the path

Models are written (atomically) to `models_dir()`, never into the repository.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tests.support.realserver.paths import models_dir, vocab_file

__all__ = ["TinySpec", "FAMILIES", "build_tiny_model", "tiny_model_path"]

# Our own minimal chat templates, used when the vocab file carries none (llama-bpe has none).
_LLAMA3_TEMPLATE = (
    "{{- bos_token }}"
    "{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)
_CHATML_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


@dataclass(frozen=True)
class TinySpec:
    """A model family: which vocab it copies, which architecture it declares, its chat format."""

    vocab: str            # llama.cpp vocab name: ggml-vocab-<vocab>.gguf
    arch: str             # "llama" or "qwen2"
    chat_format: str      # llama-cpp-python's built-in formatter for it
    fallback_template: str


FAMILIES: dict[str, TinySpec] = {
    "llama-bpe": TinySpec("llama-bpe", "llama", "llama-3", _LLAMA3_TEMPLATE),
    "qwen2": TinySpec("qwen2", "qwen2", "chatml", _CHATML_TEMPLATE),
    "qwen35": TinySpec("qwen35", "qwen2", "chatml", _CHATML_TEMPLATE),
    **{vocab: TinySpec(vocab, "llama", "chatml", _CHATML_TEMPLATE)  # the llama architecture carries any vocab
       for vocab in ("deepseek-llm", "deepseek-coder", "command-r", "gpt-2", "llama-spm", "phi-3", "gemma-4",
                     "starcoder", "falcon", "gpt-neox", "mpt", "baichuan", "aquila")},
}


BUILDER_VERSION = 2  # part of the file name: a change in how models are built invalidates the cache


def tiny_model_path(family: str, seed: int = 0, scale: float = 1.0, dim: int = 64, layers: int = 2,
                    template: bool = True) -> Path:
    scale_tag = f"{scale:g}".replace(".", "p")
    bare = "" if template else "-notemplate"
    return models_dir() / f"tiny-{family}-d{dim}-l{layers}-x{scale_tag}-s{seed}{bare}-v{BUILDER_VERSION}.gguf"


@lru_cache(maxsize=4)
def _tokenizer_fields(source: Path, mtime_ns: int) -> tuple[tuple[str, object, object, object], ...]:
    """(key, value, type, array item type) of every tokenizer.* key; parsing is the slow part, so
    models built in one process from the same vocab share it."""
    import gguf

    reader = gguf.GGUFReader(source)
    fields = []
    for name, field in reader.fields.items():
        if name.startswith("tokenizer."):
            main_type = field.types[0]
            sub_type = field.types[1] if main_type == gguf.GGUFValueType.ARRAY else None
            fields.append((name, field.contents(), main_type, sub_type))
    return tuple(fields)


def _copy_tokenizer(source: Path, writer, template: bool = True) -> tuple[int, bool]:
    """Copy every tokenizer.* key (the chat template only when `template`); returns (vocab size,
    whether a chat template was copied)."""
    n_vocab, has_template = 0, False
    for name, value, main_type, sub_type in _tokenizer_fields(source, source.stat().st_mtime_ns):
        if name == "tokenizer.chat_template" and not template:
            continue
        writer.add_key_value(name, value, main_type, sub_type=sub_type)
        if name == "tokenizer.ggml.tokens":
            n_vocab = len(value)
        has_template = has_template or name == "tokenizer.chat_template"
    if n_vocab == 0:
        raise ValueError(f"{source} has no tokenizer.ggml.tokens")
    return n_vocab, has_template


def build_tiny_model(family: str = "llama-bpe", seed: int = 0, scale: float = 1.0, dim: int = 64,
                     layers: int = 2, heads: int = 4, kv_heads: int = 2, ff: int = 128,
                     context: int = 4096, out: Path | None = None, force: bool = False,
                     template: bool = True) -> Path:
    """Write a tiny GGUF model for `family` (cached: an existing file is reused unless `force`).

    `template`: the vocab's own chat template, else our fallback for the family; False: none at
    all, so the server applies its default template (llama-server: ChatML)."""
    import gguf
    import numpy as np

    spec = FAMILIES[family]
    target = out or tiny_model_path(family, seed, scale, dim, layers, template)
    if target.is_file() and not force:
        return target
    source = vocab_file(spec.vocab)
    if not source.is_file():
        raise FileNotFoundError(f"{source} is missing; run scripts/setup-real-servers.sh "
                                "(or python -m tests.support.realserver.vocab) first")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    writer = gguf.GGUFWriter(partial, spec.arch)
    head_dim = dim // heads
    writer.add_name(f"tiny-{family}-s{seed}")
    writer.add_context_length(context)
    writer.add_embedding_length(dim)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(ff)
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    n_vocab, has_template = _copy_tokenizer(source, writer, template)
    writer.add_vocab_size(n_vocab)
    if template and not has_template:
        writer.add_chat_template(spec.fallback_template)

    rng = np.random.default_rng(seed)

    def weight(*shape: int, f16: bool = False):
        array = rng.normal(0.0, scale, size=shape) / np.sqrt(shape[-1])
        return array.astype(np.float16 if f16 else np.float32)

    ones = np.ones(dim, dtype=np.float32)
    # Scaling by sqrt(fan-in) keeps activations O(scale). A separate (untied) output layer: tied
    # random embeddings make a model that mostly repeats its last input token.
    writer.add_tensor("token_embd.weight", rng.normal(0.0, scale, size=(n_vocab, dim)).astype(np.float16))
    writer.add_tensor("output_norm.weight", ones)
    writer.add_tensor("output.weight", rng.normal(0.0, scale, size=(n_vocab, dim)).astype(np.float16))
    for block in range(layers):
        prefix = f"blk.{block}."
        writer.add_tensor(prefix + "attn_norm.weight", ones)
        writer.add_tensor(prefix + "attn_q.weight", weight(heads * head_dim, dim))
        writer.add_tensor(prefix + "attn_k.weight", weight(kv_heads * head_dim, dim))
        writer.add_tensor(prefix + "attn_v.weight", weight(kv_heads * head_dim, dim))
        if spec.arch == "qwen2":
            writer.add_tensor(prefix + "attn_q.bias", np.zeros(heads * head_dim, dtype=np.float32))
            writer.add_tensor(prefix + "attn_k.bias", np.zeros(kv_heads * head_dim, dtype=np.float32))
            writer.add_tensor(prefix + "attn_v.bias", np.zeros(kv_heads * head_dim, dtype=np.float32))
        writer.add_tensor(prefix + "attn_output.weight", weight(dim, heads * head_dim))
        writer.add_tensor(prefix + "ffn_norm.weight", ones)
        writer.add_tensor(prefix + "ffn_gate.weight", weight(ff, dim))
        writer.add_tensor(prefix + "ffn_up.weight", weight(ff, dim))
        writer.add_tensor(prefix + "ffn_down.weight", weight(dim, ff))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build a tiny random-weight GGUF with a real tokenizer.")
    parser.add_argument("family", choices=sorted(FAMILIES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--no-template", action="store_true", help="no chat template: the server's default applies")
    args = parser.parse_args(argv)
    print(build_tiny_model(args.family, seed=args.seed, scale=args.scale, dim=args.dim, layers=args.layers,
                           force=args.force, template=not args.no_template))


if __name__ == "__main__":
    main()

"""llama.cpp's pre-tokenizer settings per `tokenizer.ggml.pre` (src/llama-vocab.cpp, `llm_tokenizer_bpe` and
`llama_vocab::impl::load`): the expressions applied in turn, and the flags that go with them.

Only pre-tokenizers expressible with llama.cpp's generic splitting are here; others are refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.tokenizers.llamacpp.unicode import _GPT2, _LLAMA3, _NEWLINES, _QWEN2

__all__ = ["PreTokenizer", "pre_tokenizer"]


@dataclass(frozen=True)
class PreTokenizer:
    name: str
    exprs: tuple[str, ...]
    ignore_merges: bool = False  # a word that is itself a token is not merged
    byte_encode: bool = True  # GPT-2 byte-to-character encoding of words
    escape_whitespace: bool = False  # spaces become U+2581 first (SPM-style BPE)


# The expressions, as llama.cpp writes them (C++ escapes resolved).
_DEEPSEEK_LLM = ('[\r\n]', '\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+', '\\s?[!-/:-~！-／：-～‘-‟\u3000-。]+', '\\s+$', '[一-龥ࠀ-一가-\ud7ff]+', '\\p{N}+',)
_DEEPSEEK_CODER = ('[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[一-龥ࠀ-一가-\ud7ff]+', '\\p{N}',)
_FALCON = ('[\\p{P}\\$\\+<=>\\^~\\|`]+', "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)", '[0-9][0-9][0-9]',)
_VIKING = (' ?[^(\\s|.,!?…。，、।۔،)]+', '\\p{N}',)
_DEFAULT = ('[\\p{P}\\$\\+<=>\\^~\\|]+', "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)", '\\p{N}+', '[0-9][0-9][0-9]',)
_PORO = (' ?[^(\\s|.,!?…。，、।۔،)]+',)
_NUMBER_THEN_GPT2 = ("\\p{N}", _GPT2)

_GROUPS: list[tuple[tuple[str, ...], tuple[str, ...], dict]] = [
    (("default",), _DEFAULT, {}),
    (("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"),
     (_LLAMA3,), {"ignore_merges": True}),
    (("dbrx", "smaug-bpe", "chatglm-bpe"), (_LLAMA3,), {}),
    (("glm4", "glm5"), (_LLAMA3,), {"ignore_merges": True}),
    (("deepseek-llm",), _DEEPSEEK_LLM, {}),
    (("deepseek-coder",), _DEEPSEEK_CODER, {}),
    (("falcon",), _FALCON, {}),
    (("starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2"),
     _NUMBER_THEN_GPT2, {}),
    (("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
      "modern-bert", "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4", "jina-v1-en", "jina-v2-code",
      "roberta-bpe"), (_GPT2,), {}),
    (("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open"), (_QWEN2,), {}),
    (("poro-chat", "bloom", "gpt3-finnish"), _PORO, {}),
    (("viking",), _VIKING, {}),
    (("gemma4", "granite-embed-multi-311m"), (_NEWLINES,), {"byte_encode": False, "escape_whitespace": True}),
]
_BY_NAME = {name: PreTokenizer(name, exprs, **flags) for names, exprs, flags in _GROUPS for name in names}


def pre_tokenizer(model: str, pre: str | None) -> PreTokenizer | None:
    """The settings for a BPE vocabulary (model 'gpt2' or 'gemma4'); None when llama.cpp's is not ported here.
    A missing `tokenizer.ggml.pre` means 'default', as in llama.cpp; a 'gemma4' model always uses 'gemma4'."""
    if model == "gemma4":
        return _BY_NAME["gemma4"]
    return _BY_NAME.get(pre or "default")

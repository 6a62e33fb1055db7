"""llama.cpp's `llama_tokenize(..., add_special=False, parse_special=False)` and `llama_token_to_piece(...,
special=False)` over a GGUF vocabulary, without llama.cpp (src/llama-vocab.cpp, ported):

1. user-defined tokens are split out of the text first (`tokenizer_st_partition`); control and unknown
   tokens are plain text;
2. SPM vocabularies (model 'llama'): llama.cpp's `llm_tokenizer_spm` exactly: a leading space before each
   text fragment that follows the start or a special token (`add_space_prefix`), spaces as U+2581, then
   score-driven bigram merging over characters, and <0xXX> byte tokens for what forms no token;
3. BPE vocabularies (model 'gpt2', 'gemma4'): the pre-tokenizer's words (`unicode.regex_split`), GPT-2
   byte-encoded unless SPM-style, then rank-driven merges, which the Hugging Face `tokenizers` BPE model
   performs (llama.cpp's merge order: lowest rank first, leftmost on ties; the first of repeated merges).
"""

from __future__ import annotations

import heapq
import re

from audit.tokenizers.llamacpp.pretok import PreTokenizer, pre_tokenizer
from audit.tokenizers.llamacpp.unicode import UnicodeTable, bytes_to_unicode, regex_split
from audit.tokenizers.llamacpp.vocab import (ATTR_BYTE, ATTR_CONTROL, ATTR_LSTRIP, ATTR_NORMAL, ATTR_RSTRIP,
                                             ATTR_UNKNOWN, ATTR_USER_DEFINED, Vocab)

__all__ = ["LlamaCppEncoder", "UnsupportedVocab"]

_C_SPACE = " \t\n\v\f\r"  # C isspace() in the "C" locale, which llama.cpp's strip attributes use
_BYTE_TOKEN = re.compile(r"<0x([0-9A-Fa-f]{2})>")


class UnsupportedVocab(ValueError):
    """A GGUF vocabulary whose llama.cpp tokenizer is not ported here (the message names it)."""


def partition(text: str, vocab: Vocab, specials: list[tuple[str, int]]) -> list[str | int]:
    """Text fragments and special token ids, in order (llama.cpp's `tokenizer_st_partition`)."""
    fragments: list[str | int] = [text] if text else []
    for special, token in specials:
        attr = vocab.attrs[token]
        out: list[str | int] = []
        for fragment in fragments:
            if isinstance(fragment, int) or special not in fragment:
                out.append(fragment)
                continue
            rest = fragment
            while True:
                at = rest.find(special)
                if at < 0:
                    if rest:
                        out.append(rest)
                    break
                left = rest[:at]
                if attr & ATTR_LSTRIP:
                    left = left.rstrip(_C_SPACE)
                if left:
                    out.append(left)
                out.append(token)
                rest = rest[at + len(special):]
                if attr & ATTR_RSTRIP:
                    rest = rest.lstrip(_C_SPACE)
                if not rest:
                    break
        fragments = out
    return fragments


class LlamaCppEncoder:
    """Encode and decode as llama.cpp does for plain text (no BOS/EOS, special-token text not parsed)."""

    def __init__(self, vocab: Vocab, table: UnicodeTable):
        self.vocab, self.table = vocab, table
        self._specials = vocab.special_texts()
        self._pre: PreTokenizer | None = None
        if vocab.model == "llama":
            self.kind = "spm"
            self._space_prefix = True if vocab.add_space_prefix is None else bool(vocab.add_space_prefix)
        elif vocab.model in ("gpt2", "gemma4"):
            self.kind = "bpe"
            self._pre = pre_tokenizer(vocab.model, vocab.pre)
            if self._pre is None:
                raise UnsupportedVocab(f"llama.cpp pre-tokenizer {vocab.pre!r} is not supported by this loader")
            self._bpe = self._build_bpe()
            self._byte_chars = bytes_to_unicode()
        else:
            raise UnsupportedVocab(f"llama.cpp tokenizer model {vocab.model!r} is not supported by this loader "
                                   "(SPM 'llama', BPE 'gpt2' and 'gemma4' are)")
        self._unbyte = {c: b for b, c in bytes_to_unicode().items()}

    @property
    def character_pieces(self) -> bool:
        """Pieces are characters with byte fallback (SPM, Gemma's BPE), not GPT-2 byte-encoded."""
        return self.kind == "spm" or not self._pre.byte_encode

    # ---- BPE ---------------------------------------------------------------------------------------
    def _build_bpe(self):
        from tokenizers import Tokenizer as HFTokenizer
        from tokenizers.models import BPE

        token_to_id = self.vocab.token_to_id
        pairs: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for merge in self.vocab.merges:
            at = merge.find(" ", 1)
            if at < 0:
                continue  # llama.cpp records ("", ""), which never matches a symbol pair
            pair = (merge[:at], merge[at + 1:])
            if pair in seen:
                continue  # llama.cpp keeps the first rank of a repeated merge
            seen.add(pair)
            if pair[0] not in token_to_id or pair[1] not in token_to_id:
                continue  # never reachable: both sides of a merge are always tokens here
            if pair[0] + pair[1] not in token_to_id:
                raise UnsupportedVocab(f"merge {merge!r} makes no token; llama.cpp's byte fallback for it "
                                       "is not reproduced")
            pairs.append(pair)
        gemma_like = not self._pre.byte_encode
        return HFTokenizer(BPE(dict(token_to_id), pairs, byte_fallback=gemma_like))

    def _bpe_fragment(self, text: str, out: list[int]) -> None:
        pre = self._pre
        if pre.escape_whitespace:
            text = text.replace(" ", "\u2581")
        words = regex_split(text, pre.exprs, self.table)
        if pre.byte_encode:
            chars = self._byte_chars
            words = ["".join(chars[b] for b in w.encode("utf-8")) for w in words]
        token_to_id = self.vocab.token_to_id
        direct: dict[int, int] = {}
        pending: list[str] = []
        for index, word in enumerate(words):
            whole = token_to_id.get(word)
            if whole is not None and (pre.ignore_merges or (pre.name == "gemma4" and word.strip("\n") == "")):
                direct[index] = whole  # taken whole: ignore_merges, or Gemma 4's newline runs
            else:
                pending.append(word)
        merged: list[list[int]] = [[] for _ in pending]
        if pending:
            encoding = self._bpe.encode(pending, is_pretokenized=True, add_special_tokens=False)
            for token, word_index in zip(encoding.ids, encoding.word_ids):
                merged[word_index].append(token)
        it = iter(merged)
        for index in range(len(words)):
            if index in direct:
                out.append(direct[index])
            else:
                out.extend(next(it))

    # ---- SPM ---------------------------------------------------------------------------------------
    def _spm_fragment(self, text: str, out: list[int]) -> None:
        """llm_tokenizer_spm_session::tokenize. Every merged symbol is a token (a bigram is queued only
        when its text is one), so llama.cpp's `rev_merge` re-segmentation never applies."""
        n = len(text)
        if n == 0:
            return
        token_to_id, scores = self.vocab.token_to_id, self.vocab.scores
        start = list(range(n))
        length = [1] * n
        prev = list(range(-1, n - 1))
        nxt = list(range(1, n)) + [-1]
        queue: list[tuple[float, int, int, int]] = []

        def try_add(left: int, right: int) -> None:
            if left == -1 or right == -1:
                return
            size = length[left] + length[right]
            token = token_to_id.get(text[start[left]:start[left] + size])
            if token is None:
                return
            # highest score first; on equal scores the leftmost (llm_bigram_spm::comparator)
            heapq.heappush(queue, (-scores[token], left, right, size))

        for i in range(1, n):
            try_add(i - 1, i)
        while queue:
            _, left, right, size = heapq.heappop(queue)
            if length[left] == 0 or length[right] == 0 or length[left] + length[right] != size:
                continue
            length[left] += length[right]
            length[right] = 0
            nxt[left] = nxt[right]
            if nxt[right] >= 0:
                prev[nxt[right]] = left
            try_add(prev[left], left)
            try_add(left, nxt[left])
        i = 0
        while i != -1:
            piece = text[start[i]:start[i] + length[i]]
            token = token_to_id.get(piece)
            if token is not None:
                out.append(token)
            else:
                for byte in piece.encode("utf-8"):
                    fallback = token_to_id.get(f"<0x{byte:02X}>")
                    if fallback is None and byte < 0x80:
                        fallback = token_to_id.get(chr(byte))
                    if fallback is not None:
                        out.append(fallback)
            i = nxt[i]

    # ---- public ------------------------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        after_special = True  # SPM: the first fragment gets the space prefix too
        for fragment in partition(text, self.vocab, self._specials):
            if isinstance(fragment, int):
                out.append(fragment)
                after_special = True
            elif self.kind == "spm":
                prefix = " " if self._space_prefix and after_special else ""
                self._spm_fragment((prefix + fragment).replace(" ", "\u2581"), out)
                after_special = False
            else:
                self._bpe_fragment(fragment, out)
        return out

    def _piece(self, token: int) -> bytes:
        """llama_token_to_piece(special=False)."""
        if not 0 <= token < len(self.vocab.tokens):
            return b""
        attr, text = self.vocab.attrs[token], self.vocab.tokens[token]
        if attr & (ATTR_UNKNOWN | ATTR_CONTROL):
            return b""
        if attr & ATTR_USER_DEFINED:
            return text.encode("utf-8")
        if attr & ATTR_NORMAL:
            if self.kind == "spm" or self._pre.escape_whitespace:
                return text.replace("\u2581", " ").encode("utf-8")
            return bytes(self._unbyte[c] for c in text if c in self._unbyte)
        if attr & ATTR_BYTE:
            match = _BYTE_TOKEN.fullmatch(text)
            if match:
                return bytes([int(match.group(1), 16)])
            return bytes(self._unbyte[c] for c in text[:1] if c in self._unbyte)
        return b""

    def decode(self, ids: list[int]) -> str:
        return b"".join(self._piece(t) for t in ids).decode("utf-8", errors="replace")

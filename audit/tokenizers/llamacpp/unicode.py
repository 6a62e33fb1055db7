"""llama.cpp's pre-tokenizer splitting (src/unicode.cpp), ported: codepoint flags, its hand-written
splitters for the GPT-2, Llama-3 and Qwen2 expressions, and its std::regex fallback over "collapsed" text.

The codepoint categories are llama.cpp's own table (src/unicode-data.cpp from the same sdist as the
vocab files), not Python's `unicodedata`, whose Unicode version differs.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

__all__ = ["UnicodeTable", "regex_split", "bytes_to_unicode"]

# unicode_cpt_flags (src/unicode.h)
UNDEFINED, NUMBER, LETTER, SEPARATOR, MARK, PUNCT, SYMBOL, CONTROL = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80
WHITESPACE = 0x100
_CATEGORIES = 0xFF


class UnicodeTable:
    """Codepoint flags exactly as llama.cpp computes them (category ranges + its whitespace set)."""

    def __init__(self, starts: list[int], flags: list[int], whitespace: set[int]):
        self._starts, self._flags, self._whitespace = starts, flags, whitespace
        self._cache: dict[str, int] = {}

    @classmethod
    def from_source(cls, path: Path) -> "UnicodeTable":
        """Parse `unicode_ranges_flags` and `unicode_set_whitespace` out of llama.cpp's unicode-data.cpp."""
        text = path.read_text(encoding="utf-8")
        try:
            ranges = text.split("unicode_ranges_flags = {", 1)[1].split("};", 1)[0]
            spaces = text.split("unicode_set_whitespace = {", 1)[1].split("};", 1)[0]
        except IndexError:
            raise ValueError(f"{path}: not llama.cpp's unicode-data.cpp") from None
        pairs = [(int(a, 16), int(b, 16)) for a, b in re.findall(r"\{0x([0-9A-Fa-f]+),\s*0x([0-9A-Fa-f]+)\}", ranges)]
        whitespace = {int(x, 16) for x in re.findall(r"0x([0-9A-Fa-f]+)", spaces)}
        if len(pairs) < 100 or pairs[0][0] != 0 or not whitespace:
            raise ValueError(f"{path}: unexpected unicode-data.cpp layout")
        return cls([p[0] for p in pairs], [p[1] for p in pairs], whitespace)

    def flags(self, char: str) -> int:
        value = self._cache.get(char)
        if value is None:
            cpt = ord(char)
            index = bisect.bisect_right(self._starts, cpt) - 1
            value = self._flags[index] if cpt < 0x110000 else UNDEFINED
            if cpt in self._whitespace:
                value |= WHITESPACE
            self._cache[char] = value
        return value


# ---- the hand-written splitters (unicode_regex_split_custom_*) ------------------------------------------

_GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"
_LLAMA3 = ("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
           "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
_LLAMA3_CI = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
              "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
_QWEN2 = ("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
          "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
_NEWLINES = "[^\\n]+|[\\n]+"


class _Span:
    """One segment of the text, with llama.cpp's out-of-range conventions (flags 0, no codepoint)."""

    def __init__(self, text: str, start: int, end: int, table: UnicodeTable, out: list[int]):
        self.text, self.start, self.end, self.table, self.out = text, start, end, table, out
        self.prev_end = start

    def cpt(self, pos: int) -> str | None:
        return self.text[pos] if self.start <= pos < self.end else None

    def flags(self, pos: int) -> int:
        return self.table.flags(self.text[pos]) if self.start <= pos < self.end else 0

    def add(self, end: int) -> int:
        length = end - self.prev_end
        if length > 0:
            self.out.append(length)
        self.prev_end = end
        return length


def _contraction(s: _Span, pos: int, fold_case: bool) -> int:
    """Length of a 's 't 're 've 'm 'll 'd at pos (0 if none). llama.cpp lower-cases with its Unicode map;
    no codepoint outside ASCII lower-cases to one of these letters, so ASCII folding is the same."""
    if s.text[pos] != "'" or pos + 1 >= s.end:
        return 0
    nxt = s.cpt(pos + 1)
    nxt = nxt.lower() if fold_case and nxt.isascii() else nxt
    if nxt in ("s", "t", "m", "d"):
        return 2
    if pos + 2 < s.end:
        nn = s.cpt(pos + 2)
        nn = nn.lower() if fold_case and nn.isascii() else nn
        if (nxt, nn) in (("r", "e"), ("v", "e"), ("l", "l")):
            return 3
    return 0


def _spaces(s: _Span, pos: int, spaces: int) -> int:
    """The splitters' common tail: \\s+(?!\\S), then \\s+, else one codepoint on its own."""
    if spaces > 1 and s.cpt(pos + spaces) is not None:
        pos += spaces - 1
    elif spaces > 0:
        pos += spaces
    else:
        pos += 1
    s.add(pos)
    return pos


def _split_gpt2(s: _Span) -> None:
    pos = s.start
    while pos < s.end:
        cpt, flags = s.text[pos], s.flags(pos)
        n = _contraction(s, pos, fold_case=False)
        if n:
            pos += s.add(pos + n)
            continue
        flags2 = s.flags(pos + 1) if cpt == " " else flags
        if flags2 & LETTER:
            pos += cpt == " "
            while flags2 & LETTER:
                pos += 1
                flags2 = s.flags(pos)
            s.add(pos)
            continue
        if flags2 & NUMBER:
            pos += cpt == " "
            while flags2 & NUMBER:
                pos += 1
                flags2 = s.flags(pos)
            s.add(pos)
            continue
        if not flags2 & (WHITESPACE | LETTER | NUMBER) and flags2:
            pos += cpt == " "
            while not flags2 & (WHITESPACE | LETTER | NUMBER) and flags2:
                pos += 1
                flags2 = s.flags(pos)
            s.add(pos)
            continue
        spaces = 0
        while s.flags(pos + spaces) & WHITESPACE:
            spaces += 1
        pos = _spaces(s, pos, spaces)


def _split_llama3(s: _Span, max_digits: int) -> None:
    """Llama-3's splitter (max_digits 3) and Qwen2's (max_digits 1): the same code in llama.cpp."""
    pos = s.start
    while pos < s.end:
        cpt, flags = s.text[pos], s.flags(pos)
        n = _contraction(s, pos, fold_case=True)
        if n:
            pos += s.add(pos + n)
            continue
        if not (cpt in "\r\n" or flags & NUMBER):
            if flags & LETTER or s.flags(pos + 1) & LETTER:
                pos += 1
                while s.flags(pos) & LETTER:
                    pos += 1
                s.add(pos)
                continue
        if flags & NUMBER:
            if max_digits == 1:
                pos += 1
            else:
                ini = pos
                while s.flags(pos) & NUMBER:
                    pos += 1
                    if pos - ini >= max_digits:
                        s.add(pos)
                        ini = pos
            s.add(pos)
            continue
        flags2 = s.flags(pos + 1) if cpt == " " else flags
        if not flags2 & (WHITESPACE | LETTER | NUMBER) and flags:
            pos += cpt == " "
            while not flags2 & (WHITESPACE | LETTER | NUMBER) and flags2:
                pos += 1
                flags2 = s.flags(pos)
            while s.cpt(pos) in ("\r", "\n"):
                pos += 1
            s.add(pos)
            continue
        spaces, last_newline = 0, 0
        while s.flags(pos + spaces) & WHITESPACE:
            if s.cpt(pos + spaces) in ("\r", "\n"):
                last_newline = pos + spaces + 1
            spaces += 1
        if last_newline > 0:
            pos = last_newline
            s.add(pos)
            continue
        pos = _spaces(s, pos, spaces)


def _split_newlines(s: _Span) -> None:
    pos = s.start
    while pos < s.end:
        newline = s.text[pos] == "\n"
        run = pos
        while pos < s.end and (s.text[pos] == "\n") == newline:
            pos += 1
        s.out.append(pos - run)


_CUSTOM = {_GPT2: _split_gpt2, _LLAMA3: lambda s: _split_llama3(s, 3), _LLAMA3_CI: lambda s: _split_llama3(s, 3),
           _QWEN2: lambda s: _split_llama3(s, 1), _NEWLINES: _split_newlines}


# ---- the std::regex fallback -------------------------------------------------------------------------

_UCAT = {"\\p{N}": NUMBER, "\\p{L}": LETTER, "\\p{P}": PUNCT, "\\p{M}": MARK, "\\p{S}": SYMBOL,
         "\\p{Lu}": LETTER, "\\p{Ll}": LETTER, "\\p{Lt}": LETTER, "\\p{Lm}": LETTER, "\\p{Lo}": LETTER}
_UCAT_CPT = {NUMBER: "\xd1", LETTER: "\xd2", PUNCT: "\xd3", MARK: "\xd4", SYMBOL: "\xd5"}
_UCAT_ASCII = {NUMBER: "\x30-\x39", LETTER: "\x41-\x5A\x61-\x7A",
               PUNCT: "\x21-\x23\x25-\x2A\x2C-\x2F\x3A-\x3B\x3F-\x40\\\x5B-\\\x5D\x5F\\\x7B\\\x7D",
               MARK: "", SYMBOL: "\\\x24\\\x2B\x3C-\x3E\x5E\x60\\\x7C\\\x7E"}


def _uses_categories(expr: str) -> bool:
    return any(cat in expr for cat in _UCAT)


def _collapse_regex(expr: str) -> str:
    """llama.cpp's rewrite of \\p{..} into the stand-in byte of its category plus its ASCII members."""
    out, inside, i = [], False, 0
    while i < len(expr):
        ch = expr[i]
        if ch == "[" and (i == 0 or expr[i - 1] != "\\"):
            out.append("[")
            inside = True
        elif inside and ch == "]" and expr[i - 1] != "\\":
            out.append("]")
            inside = False
        elif expr.startswith("\\p{", i) and i + 3 < len(expr) and 0 <= expr.find("}", i + 3) <= i + 10:
            closing = expr.find("}", i + 3)
            cat = _UCAT.get(expr[i:closing + 1])
            if cat is None:
                out.append(ch)
            else:
                body = _UCAT_CPT[cat] + _UCAT_ASCII[cat]
                out.append(body if inside else f"[{body}]")
                i = closing
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@lru_cache(maxsize=None)
def _compile(expr: str) -> re.Pattern:
    """ECMAScript (std::regex) to Python `re`: ASCII \\s as C's isspace, `$` only at the end of the input."""
    pattern = _collapse_regex(expr) if _uses_categories(expr) else expr
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern, re.ASCII)


def _collapsed_text(text: str, table: UnicodeTable) -> str:
    out = []
    for ch in text:
        if ch < "\x80":
            out.append(ch)
            continue
        flags = table.flags(ch)
        if flags & WHITESPACE:
            out.append("\x0b")
        else:
            out.append(_UCAT_CPT.get(flags & _CATEGORIES, "\xd0"))
    return "".join(out)


def _wide_text(text: str, table: UnicodeTable) -> str:
    return "".join("\x0b" if ch > "\x7f" and table.flags(ch) & WHITESPACE else ch for ch in text)


def _split_stl(text: str, pattern: re.Pattern, offsets: Sequence[int]) -> list[int]:
    out: list[int] = []
    start = 0
    for offset in offsets:
        done = start
        for match in pattern.finditer(text, start, start + offset):
            if match.start() > done:
                out.append(match.start() - done)
            out.append(match.end() - match.start())
            done = match.end()
        if done < start + offset:
            out.append(start + offset - done)
        start += offset
    return out


def regex_split(text: str, exprs: Sequence[str], table: UnicodeTable) -> list[str]:
    """unicode_regex_split without the byte encoding: the words of `text` under llama.cpp's expressions."""
    offsets = [len(text)]
    collapsed = wide = None
    for expr in exprs:
        custom = _CUSTOM.get(expr)
        if custom is not None:
            out: list[int] = []
            start = 0
            for offset in offsets:
                custom(_Span(text, start, start + offset, table, out))
                start += offset
            if out:  # llama.cpp falls through to std::regex when a custom splitter yields nothing
                offsets = out
                continue
        if _uses_categories(expr):
            collapsed = collapsed if collapsed is not None else _collapsed_text(text, table)
            offsets = _split_stl(collapsed, _compile(expr), offsets)
        else:
            wide = wide if wide is not None else _wide_text(text, table)
            offsets = _split_stl(wide, _compile(expr), offsets)
    words, start = [], 0
    for offset in offsets:
        words.append(text[start:start + offset])
        start += offset
    return words


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte-to-character map (unicode_byte_to_utf8_map)."""
    keep = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    mapping = {b: chr(b) for b in keep}
    n = 0
    for b in range(256):
        if b not in mapping:
            mapping[b] = chr(256 + n)
            n += 1
    return mapping

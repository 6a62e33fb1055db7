"""Stated facts in answers: the knowledge cutoff (year, month) and the context window (tokens).

Digits of any script are read as ASCII first ("٢٠٢٣" → "2023"). Month names come from the
catalog's per-language lists; CJK dates are read from "2023年10月". Context windows are read from a
number with an optional multiplier ("128k", "128,000", "12.8万") followed by a word for tokens.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from audit.probes.identity.catalog import CompiledCatalog, default_catalog

__all__ = ["YearMonth", "ascii_digits", "stated_cutoff", "declared_cutoff", "cutoff_agrees",
           "stated_context_window", "context_agrees"]

YearMonth = tuple[int, int | None]

_YEAR = r"((?:19|20)\d{2})"
_CJK_DATE = re.compile(_YEAR + r"\s*年\s*(\d{1,2})\s*月")
_ISO_DATE = re.compile(r"(?<!\d)" + _YEAR + r"[-/.](\d{1,2})(?!\d)")
_MONTH_FIRST = re.compile(r"(?<!\d)(\d{1,2})[-/.]" + _YEAR + r"(?!\d)")
_YEAR_ONLY = re.compile(r"(?<!\d)" + _YEAR + r"(?!\d)")



def ascii_digits(text: str) -> str:
    """Replace every decimal digit of any script by its ASCII digit."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() and
                   unicodedata.digit(ch, None) is not None else ch for ch in text)


@lru_cache(maxsize=64)
def _month_regex(names: tuple[tuple[str, ...], ...]) -> re.Pattern[str] | None:
    """A regex for '<month name> [de|of|,] <year>' over the given month names."""
    alternatives = []
    for month, variants in enumerate(names, start=1):
        for name in sorted(variants, key=len, reverse=True):
            if not name[0].isdigit():
                alternatives.append((name, month))
    if not alternatives:
        return None
    body = "|".join(f"(?P<m{month}_{i}>{re.escape(name)})"
                    for i, (name, month) in enumerate(sorted(alternatives, key=lambda a: -len(a[0]))))
    return re.compile(rf"(?<![^\W\d_])(?:{body})\.?(?![^\W\d_])\s*(?:de\s+|of\s+|del\s+|,\s*)?{_YEAR}",
                      re.IGNORECASE)


def stated_cutoff(text: str | None, catalog: CompiledCatalog, lang: str | None = None) -> YearMonth | None:
    """The first (year, month) the answer states; month None when only a year is given."""
    if not text:
        return None
    text = ascii_digits(text)
    for pattern in (_CJK_DATE, _ISO_DATE):
        match = pattern.search(text)
        if match and 1 <= int(match.group(2)) <= 12:
            return int(match.group(1)), int(match.group(2))
    languages = [lang] if lang else list(catalog.catalog.languages)
    if lang and lang != "en":
        languages.append("en")
    for code in languages:
        regex = _month_regex(tuple(tuple(v) for v in catalog.phrases(code).months))
        match = regex.search(text) if regex else None
        if match:
            month = next(int(k[1:].split("_")[0]) for k, v in match.groupdict().items() if v)
            return int(match.group(match.lastindex)), month
    match = _MONTH_FIRST.search(text)
    if match and 1 <= int(match.group(1)) <= 12:
        return int(match.group(2)), int(match.group(1))
    match = _YEAR_ONLY.search(text)
    return (int(match.group(1)), None) if match else None


def declared_cutoff(value: dt.date | str | None, catalog: CompiledCatalog) -> YearMonth | None:
    """The declared knowledge cutoff as (year, month)."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.year, value.month
    return stated_cutoff(str(value), catalog)


def cutoff_agrees(stated: YearMonth, declared: YearMonth, tolerance_months: int) -> bool:
    """Whether a stated cutoff is within the tolerance of the declared one (a bare year: same year)."""
    if stated[1] is None or declared[1] is None:
        return stated[0] == declared[0]
    return abs((stated[0] * 12 + stated[1]) - (declared[0] * 12 + declared[1])) <= tolerance_months


def _parse_number(digits: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+", digits):
        return float(re.sub(r"\D", "", digits))
    return float(digits.replace(",", "."))


def stated_context_window(text: str | None, catalog: CompiledCatalog | None = None) -> int | None:
    """The first token count the answer states ('128k tokens' → 128000), if any; the words for
    'token' and the multipliers come from the catalog's `quantities` (the shipped catalog by default)."""
    if not text:
        return None
    catalog = catalog or default_catalog()
    for match in catalog.context_window.finditer(ascii_digits(text)):
        value = _parse_number(match.group(1)) * catalog.multipliers.get(match.group(2) or "", 1)
        if value >= 256:
            return int(round(value))
    return None


def context_agrees(stated: int, declared: int, tolerance: float) -> bool:
    """Within a relative tolerance: 128,000 and 131,072 agree at 10%."""
    return abs(stated - declared) <= tolerance * declared

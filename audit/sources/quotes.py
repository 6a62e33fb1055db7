"""Does a quote appear in a page's text? Compared after normalising what copying changes.

Both sides are folded the same way: Unicode compatibility forms (NFKC), case, every kind of
quotation mark to one apostrophe, every dash and minus to a hyphen, and runs of whitespace to one
space. An ellipsis (``...`` or ``…``) in the quote stands for an omission: the pieces it separates
must each appear, in order.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise", "quote_pieces", "quote_in_text"]

_QUOTES = re.compile(r"[\"'`\u00ab\u00bb\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2032\u2033\u2039\u203a]")
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_SPACE = re.compile(r"\s+")
_ELLIPSIS = re.compile(r"\s*(?:\.\s*\.\s*\.|\u2026)\s*")


def normalise(text: str) -> str:
    """The folded form both a quote and a page's text are compared in."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")  # soft hyphens vanish
    text = _QUOTES.sub("'", text)
    text = _DASHES.sub("-", text)
    return _SPACE.sub(" ", text).strip().casefold()


def quote_pieces(quote: str) -> list[str]:
    """The quote's pieces between ellipses, normalised; empty pieces dropped."""
    # an ellipsis is matched before NFKC folds "…" into "..."
    return [p for p in (normalise(piece) for piece in _ELLIPSIS.split(quote)) if p]


def quote_in_text(quote: str, text: str) -> bool:
    """True when every piece of `quote` appears in `text`, in order."""
    pieces = quote_pieces(quote)
    if not pieces:
        return False
    haystack = normalise(text)
    at = 0
    for piece in pieces:
        found = haystack.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True

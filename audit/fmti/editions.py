"""The FMTI editions: rubric, date, developers and the flagship model each was judged on.

The facts are data (data/fmti/editions.yaml, where their sources are named); this module looks
editions up.
"""

from __future__ import annotations

from audit.fmti.data import Edition, load_editions

__all__ = ["Edition", "editions", "edition", "published_totals"]


def editions() -> dict[str, Edition]:
    """Edition id → edition, in file order."""
    return {e.id: e for e in load_editions().model.editions}


def edition(edition_id: str) -> Edition:
    known = editions()
    try:
        return known[edition_id]
    except KeyError:
        raise ValueError(f"unknown FMTI edition {edition_id!r} (known: {', '.join(known)})") from None


def published_totals() -> dict[str, dict[str, int]]:
    """Edition id → developer → published total out of 100, for the editions that list them."""
    return {e.id: dict(e.published_totals) for e in load_editions().model.editions if e.published_totals}

"""No shipped card says "retrieved" beside a source no snapshot or assessor's `retrieved:` stands behind.

Each shipped record's card is rendered (HTML and Markdown) into a temporary folder and every
source entry that shows "retrieved" is matched back to the record's sources (their `via`
documents included).
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from audit.core.content import list_records
from audit.render.card import write_card
from audit.schema.disclosure import Source
from audit.scoring.pipeline import score_record
from audit.scoring.records import load_record

RECORDS = list_records()
_LI = re.compile(r'<li id="source-\d+">(.*?)</li>', re.S)
_TAG = re.compile(r"<[^>]+>")


def _all_sources(path: Path) -> list[Source]:
    found: list[Source] = []
    for entry in load_record(path).record.indicators.values():
        for source in entry.sources:
            while source is not None:
                found.append(source)
                source = source.via
    return found


def _backed(sources: list[Source]) -> set[str]:
    return {s.title for s in sources if s.snapshot or s.retrieved}


def _title_of(entry: str, titles: set[str]) -> str | None:
    return next((t for t in sorted(titles, key=len, reverse=True) if t in entry), None)


def _dated_entries(path: Path, out: Path) -> tuple[list[str | None], str, str]:
    """(the record source titles of card entries showing "retrieved", HTML and Markdown outside the lists)."""
    titles = {s.title for s in _all_sources(path)}
    html_file, md_file = write_card(score_record(path), out, formats=("html", "md"))
    html, md = html_file.read_text("utf-8"), md_file.read_text("utf-8")
    entries = [" ".join(unescape(_TAG.sub(" ", li)).split()) for li in _LI.findall(html)]
    entries += [line for line in md.split("## Sources", 1)[-1].splitlines() if line.startswith("- **S")]
    dated = [_title_of(e, titles) or e[:80] for e in entries if "retrieved" in e.lower()]
    return dated, _LI.sub("", html), md.split("## Sources", 1)[0]


@pytest.mark.parametrize("path", RECORDS, ids=[f"{p.parent.name}/{p.stem}" for p in RECORDS])
def test_retrieved_only_where_a_snapshot_or_assessor_stands_behind_it(path, tmp_path):
    backed = _backed(_all_sources(path))
    dated, outside_html, outside_md = _dated_entries(path, tmp_path)
    unbacked = [t for t in dated if t not in backed]
    assert not unbacked, f"{path}: the card shows a retrieval date for {unbacked}"
    assert "(retrieved" not in outside_html and ", retrieved" not in outside_md


def test_the_scan_finds_the_dates_that_are_backed(tmp_path):
    """The GPT-5.4 mini card dates its snapshot-backed sources (twice: HTML and Markdown), so the
    scan above reads real entries; the record itself carries no assessor `retrieved:`."""
    path = next(p for p in RECORDS if p.name == "gpt-5.4-mini.yaml")
    dated, _, _ = _dated_entries(path, tmp_path)
    assert dated.count("ApX: GPT-5.4 mini model page and Model Integrity Report") == 2
    assert not any(s.retrieved for s in _all_sources(path))

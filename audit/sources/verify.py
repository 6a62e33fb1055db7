"""Check a record's sources against the archive: every cited snapshot exists and matches its sha256,
and every quote that cites a snapshot appears in that snapshot's text.

A source cites a snapshot through `snapshot:` or through its `via:` document's `snapshot:` (a
secondary citation: the quote was read in that document). A quote citing several snapshots is
verified when any of them contains it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from audit.core.errors import Problem
from audit.schema.disclosure import IndicatorDisclosure, Source
from audit.sources.archive import Snapshot, SnapshotProblem, archive_for, load_snapshot
from audit.sources.quotes import quote_in_text

__all__ = ["SourceCheck", "check_sources", "cited_snapshots"]


def cited_snapshots(source: Source, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(field path, sha256) for the source's snapshot and its via documents' snapshots."""
    if source.snapshot:
        yield path + ("snapshot",), source.snapshot
    if source.via is not None:
        yield from cited_snapshots(source.via, path + ("via",))


@dataclass
class SourceCheck:
    """What checking a record's sources found: problems, and per indicator the verifying snapshot."""

    problems: list[Problem] = field(default_factory=list)
    verified_in: dict[str, str] = field(default_factory=dict)  # indicator id -> sha256
    snapshots: dict[str, Snapshot] = field(default_factory=dict)  # every snapshot that loaded


def check_sources(indicators: dict[str, IndicatorDisclosure], file: str | Path, lines,
                  archive: Path | None = None) -> SourceCheck:
    """Check every cited snapshot and every quote citing one; locate problems by file, line, field."""
    archive = archive or archive_for(file)
    result = SourceCheck()
    failed: set[str] = set()
    for ind_id, entry in indicators.items():
        cited: list[str] = []
        for i, source in enumerate(entry.sources):
            for sub, sha in cited_snapshots(source):
                where = ("indicators", ind_id, "sources", i) + sub
                if sha in failed:
                    continue
                if sha not in result.snapshots:
                    try:
                        result.snapshots[sha] = load_snapshot(archive, sha)
                    except SnapshotProblem as exc:
                        failed.add(sha)
                        result.problems.append(Problem(str(file), str(exc), lines.line_of(where),
                                                       ".".join(str(p) for p in where)))
                        continue
                cited.append(sha)
        if entry.quote and cited:
            _check_quote(ind_id, entry.quote, cited, result, file, lines)
    return result


def _check_quote(ind_id: str, quote: str, cited: list[str], result: SourceCheck, file, lines) -> None:
    where = ("indicators", ind_id, "quote")
    with_text = [sha for sha in cited if result.snapshots[sha].text is not None]
    for sha in with_text:
        if quote_in_text(quote, result.snapshots[sha].text):
            result.verified_in[ind_id] = sha
            return
    names = ", ".join(f"{sha[:12]}…" for sha in dict.fromkeys(cited))
    if not with_text:
        message = f"quote cannot be checked: snapshot {names} has no extracted text"
    else:
        message = f"quote not found in snapshot {names}: {quote[:60]!r}"
    result.problems.append(Problem(str(file), message, lines.line_of(where), ".".join(where)))

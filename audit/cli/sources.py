"""`audit sources fetch|add|show`: the source archive behind records' quotes (audit/sources/)."""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path
from typing import Annotated, Optional

import typer

from audit.cli.support import add_group, console

_ARCHIVE_HELP = "Archive folder; data/sources/ (the shipped records' archive) by default."
_NO_COPY_HELP = ("Keep no copy (the page's terms do not allow one): only the sha256, the sidecar and "
                 "the --passage texts, each checked against the page.")


def _archive(folder: Optional[Path]) -> Path:
    from audit.sources.archive import shipped_archive
    return folder if folder is not None else shipped_archive()


def _store(url: str, body: bytes, *, archive: Optional[Path], no_copy: bool, terms: Optional[str],
           note: Optional[str], passages: Optional[list[str]], **meta) -> None:
    from audit.core.errors import InputError, Problem
    from audit.sources.archive import store_snapshot

    try:
        snapshot, new = store_snapshot(_archive(archive), body, url=url, keep_copy=not no_copy, terms=terms,
                                       note=note, passages=passages or (), **meta)
    except ValueError as exc:
        raise InputError([Problem(url, str(exc))]) from None
    m = snapshot.meta
    state = "archived" if new else "already archived"
    text = "no copy kept" if not m.copy_kept else ("text extracted" if m.text_sha256 else "no text")
    console.print(f"{state} {m.sha256}  {m.url}  ({m.size:,} bytes, {m.content_type or 'no content type'}, "
                  f"{text})  in {snapshot.folder}", markup=False)


def fetch(url: Annotated[str, typer.Argument(help="An http(s) URL.")],
          archive: Annotated[Optional[Path], typer.Option(help=_ARCHIVE_HELP)] = None,
          max_bytes: Annotated[int, typer.Option(min=1, help="Refuse bodies larger than this.")] = 10_000_000,
          timeout: Annotated[float, typer.Option(min=0.1, help="Read timeout, seconds.")] = 30.0,
          deadline: Annotated[float, typer.Option(min=0.1, help="Seconds for the whole fetch.")] = 60.0,
          no_copy: Annotated[bool, typer.Option("--no-copy", help=_NO_COPY_HELP)] = False,
          terms: Annotated[Optional[str], typer.Option(help="What the page's terms say about copies.")] = None,
          passage: Annotated[Optional[list[str]], typer.Option(help="A quoted passage to keep (repeatable).")]
          = None) -> None:
    """Fetch a page (on-site redirects only, size cap, timeouts) and archive body, text and sidecar."""
    from audit.runtime.source_fetch import FetchLimits, fetch_page

    page = fetch_page(url, FetchLimits(read_timeout=timeout, deadline=deadline, max_bytes=max_bytes))
    _store(url, page.body, archive=archive, no_copy=no_copy, terms=terms, note=None, passages=passage,
           final_url=page.final_url, method="fetch", retrieved_at=page.retrieved_at,
           http_status=page.status, content_type=page.content_type)


def add(url: Annotated[str, typer.Argument(help="The URL the page was read at.")],
        file: Annotated[Path, typer.Option("--file", help="The page as saved (HTML, text, PDF, ...).")],
        content_type: Annotated[Optional[str], typer.Option(
            help="Its content type; guessed from the file name by default.")] = None,
        retrieved: Annotated[Optional[str], typer.Option(
            help="When the page was read (ISO date or time, UTC); now by default.")] = None,
        archive: Annotated[Optional[Path], typer.Option(help=_ARCHIVE_HELP)] = None,
        no_copy: Annotated[bool, typer.Option("--no-copy", help=_NO_COPY_HELP)] = False,
        terms: Annotated[Optional[str], typer.Option(help="What the page's terms say about copies.")] = None,
        note: Annotated[Optional[str], typer.Option(help="How the page was read (e.g. a stored copy).")] = None,
        passage: Annotated[Optional[list[str]], typer.Option(help="A quoted passage to keep (repeatable).")]
        = None) -> None:
    """Archive a page saved by hand (behind a login or scripts, or read elsewhere)."""
    from audit.core.errors import InputError, Problem

    try:
        body = file.read_bytes()
    except OSError as exc:
        raise InputError([Problem(str(file), f"cannot read: {exc.strerror or exc}", field="--file")]) from None
    when = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    if retrieved:
        try:
            when = dt.datetime.fromisoformat(retrieved)
        except ValueError:
            raise InputError([Problem(url, f"--retrieved {retrieved!r} is not an ISO date or time")]) from None
        when = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
    kind = content_type or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    _store(url, body, archive=archive, no_copy=no_copy, terms=terms, note=note, passages=passage,
           final_url=url, method="file", retrieved_at=when, http_status=None, content_type=kind)


def show(sha256: Annotated[str, typer.Argument(help="A snapshot's sha256.")],
         archive: Annotated[Optional[Path], typer.Option(help=_ARCHIVE_HELP)] = None) -> None:
    """Check one snapshot against its sha256 and print its sidecar."""
    from audit.core.errors import InputError, Problem
    from audit.sources.archive import SnapshotProblem, load_snapshot

    try:
        snapshot = load_snapshot(_archive(archive), sha256)
    except SnapshotProblem as exc:
        raise InputError([Problem(sha256, str(exc))]) from None
    typer.echo(snapshot.meta.model_dump_json(indent=2))


def register(app: typer.Typer) -> None:
    add_group(app, "sources", (("fetch", fetch), ("add", add), ("show", show)),
              help="Archive the pages records quote, named by sha256.")

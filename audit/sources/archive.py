"""The source archive: what a page said when an assessor read it, named by the sha256 of its body.

    <archive>/<sha256>/snapshot.json   the sidecar: URL, final URL, retrieval time, HTTP status,
                                       content type, size, and whether a copy is kept
    <archive>/<sha256>/body            the body exactly as received (only when a copy is kept)
    <archive>/<sha256>/text.txt        its extracted text (only when kept and the type has text)

Where a page's terms do not allow keeping a copy, the snapshot keeps the sha256, the sidecar and
the passages quoted from it (each checked against the page's text when archived), and says why.

A snapshot is assembled in a temporary folder beside its final place and renamed into place in one
step, so a failure never leaves a partial snapshot behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from audit.core.atomic import write_bytes_atomic, write_text_atomic
from audit.core.content import content_dir
from audit.core.errors import OutputError
from audit.schema.base import Strict
from audit.sources.quotes import quote_in_text
from audit.sources.text import extract_text

__all__ = ["SnapshotMeta", "Snapshot", "SnapshotProblem", "store_snapshot", "load_snapshot",
           "shipped_archive", "archive_for", "SHA256"]

SHA256 = re.compile(r"^[0-9a-f]{64}$")
SIDECAR, BODY, TEXT = "snapshot.json", "body", "text.txt"


class SnapshotProblem(Exception):
    """A snapshot that is missing, unreadable or does not match its sha256 (message says which)."""


class SnapshotMeta(Strict):
    sha256: str = Field(pattern=SHA256.pattern, description="sha256 of the body")
    url: str
    final_url: str = Field(description="the URL after redirects (the URL itself for a saved file)")
    retrieved_at: dt.datetime
    method: Literal["fetch", "file"]
    http_status: int | None = None
    content_type: str | None = None
    size: int = Field(ge=0)
    copy_kept: bool = True
    terms: str | None = Field(default=None, description="the page's terms on copies, where they matter")
    passages: list[str] = Field(default_factory=list, description="kept instead of a copy: the passages quoted")
    note: str | None = Field(default=None, description="how the page was read, where that matters")
    text_sha256: str | None = None


@dataclass(frozen=True)
class Snapshot:
    meta: SnapshotMeta
    folder: Path
    text: str | None  # the extracted text, or the kept passages when no copy is kept

    @property
    def sha256(self) -> str:
        return self.meta.sha256


def shipped_archive() -> Path:
    """The archive behind the shipped records: data/sources/."""
    return content_dir("data") / "sources"


def archive_for(record_path: str | Path) -> Path:
    """The archive a record's snapshots live in: the `sources/` folder of the nearest ancestor
    folder that has one (data/sources/ for data/disclosures/…), else the shipped archive."""
    for parent in Path(record_path).resolve().parents:
        candidate = parent / "sources"
        if candidate.is_dir():
            return candidate
    return shipped_archive()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_snapshot(archive: Path, body: bytes, *, url: str, final_url: str, method: str,
                   retrieved_at: dt.datetime, http_status: int | None, content_type: str | None,
                   keep_copy: bool = True, terms: str | None = None, note: str | None = None,
                   passages: list[str] | tuple[str, ...] = ()) -> tuple[Snapshot, bool]:
    """Archive `body`; return its snapshot and whether it is new (an identical body is kept once).

    Without a copy, every passage must appear in the body's text (ValueError names the first that
    does not); with a copy, the passages are not needed and are ignored.
    """
    sha = _sha256(body)
    folder = archive / sha
    if (folder / SIDECAR).is_file():
        return load_snapshot(archive, sha), False
    text = extract_text(body, content_type)
    kept_passages: list[str] = []
    if not keep_copy:
        if not passages:
            raise ValueError("a snapshot without a copy needs the passages quoted from it (--passage)")
        if text is None:
            raise ValueError(f"content type {content_type or 'unknown'} has no text to check passages in")
        for passage in passages:
            if not quote_in_text(passage, text):
                raise ValueError(f"passage not in the page's text: {passage[:80]!r}")
        kept_passages = list(passages)
    meta = SnapshotMeta(sha256=sha, url=url, final_url=final_url, retrieved_at=retrieved_at, method=method,
                        http_status=http_status, content_type=content_type, size=len(body),
                        copy_kept=keep_copy, terms=terms, passages=kept_passages, note=note,
                        text_sha256=_sha256(text.encode("utf-8")) if text is not None else None)
    try:
        archive.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}.", suffix=".tmp", dir=archive))
    except OSError as exc:
        raise OutputError(f"cannot write {archive}: {exc.strerror or exc}") from None
    try:
        if keep_copy:
            write_bytes_atomic(staging / BODY, body)
            if text is not None:
                write_text_atomic(staging / TEXT, text)
        write_text_atomic(staging / SIDECAR, meta.model_dump_json(indent=2) + "\n")
        try:
            os.rename(staging, folder)
        except OSError as exc:
            if (folder / SIDECAR).is_file():  # archived meanwhile by someone else: same bytes
                return load_snapshot(archive, sha), False
            raise OutputError(f"cannot write {folder}: {exc.strerror or exc}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Snapshot(meta, folder, text if keep_copy else "\n".join(kept_passages)), True


def load_snapshot(archive: Path, sha: str) -> Snapshot:
    """The snapshot named `sha`, checked: its sidecar names it, and a kept body still hashes to it."""
    if not SHA256.match(sha):
        raise SnapshotProblem(f"{sha!r} is not a sha256 (64 lowercase hex digits)")
    folder = archive / sha
    sidecar = folder / SIDECAR
    if not sidecar.is_file():
        raise SnapshotProblem(f"snapshot {sha[:12]}… is not in the archive {archive}")
    try:
        meta = SnapshotMeta.model_validate(json.loads(sidecar.read_text("utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise SnapshotProblem(f"snapshot {sha[:12]}…: unreadable {SIDECAR}: {first}") from None
    if meta.sha256 != sha:
        raise SnapshotProblem(f"snapshot {sha[:12]}…: its {SIDECAR} names sha256 {meta.sha256[:12]}…")
    if not meta.copy_kept:
        return Snapshot(meta, folder, "\n".join(meta.passages))
    try:
        body = (folder / BODY).read_bytes()
    except OSError:
        raise SnapshotProblem(f"snapshot {sha[:12]}…: its body is missing") from None
    actual = _sha256(body)
    if actual != sha:
        raise SnapshotProblem(f"snapshot {sha[:12]}…: sha256 mismatch, the stored body hashes to {actual[:12]}…")
    text = None
    if meta.text_sha256 is not None:
        try:
            text = (folder / TEXT).read_text("utf-8")
        except OSError:
            raise SnapshotProblem(f"snapshot {sha[:12]}…: its extracted text is missing") from None
        if _sha256(text.encode("utf-8")) != meta.text_sha256:
            raise SnapshotProblem(f"snapshot {sha[:12]}…: its extracted text does not match text_sha256")
    return Snapshot(meta, folder, text)

"""`audit sources fetch` against a real server on 127.0.0.1: redirects, size cap, timeouts, non-HTML."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from audit.cli.app import app
from audit.sources.archive import load_snapshot
from audit.runtime.source_fetch import FetchError, FetchLimits, fetch_page, same_site

runner = CliRunner()


def _fetch(url: str, archive, *extra: str):
    return runner.invoke(app, ["sources", "fetch", url, "--archive", str(archive), *extra])


def _snapshots(archive) -> list:
    return sorted(p.name for p in archive.iterdir()) if archive.exists() else []


def test_fetch_archives_body_text_and_sidecar(pages, tmp_path):
    archive = tmp_path / "sources"
    result = _fetch(f"{pages.base}/card", archive)
    assert result.exit_code == 0, result.output
    [sha] = _snapshots(archive)
    assert result.output.startswith(f"archived {sha}")
    snap = load_snapshot(archive, sha)
    assert snap.meta.http_status == 200 and snap.meta.method == "fetch"
    assert snap.meta.content_type.startswith("text/html") and snap.meta.url == snap.meta.final_url
    assert "context window is 128K tokens — as documented" in snap.text
    assert "hidden" not in snap.text and "color:red" not in snap.text
    sidecar = json.loads((archive / sha / "snapshot.json").read_text())
    assert {"url", "final_url", "retrieved_at", "http_status", "content_type"} <= set(sidecar)
    again = _fetch(f"{pages.base}/card", archive)  # the same body is kept once
    assert again.exit_code == 0 and again.output.startswith(f"already archived {sha}")
    assert _snapshots(archive) == [sha]


def test_on_site_redirects_are_followed_and_recorded(pages, tmp_path):
    archive = tmp_path / "sources"
    result = _fetch(f"{pages.base}/hop1", archive)
    assert result.exit_code == 0, result.output
    [sha] = _snapshots(archive)
    meta = load_snapshot(archive, sha).meta
    assert meta.url == f"{pages.base}/hop1" and meta.final_url == f"{pages.base}/card"


def test_off_site_redirect_is_refused_and_nothing_is_kept(pages, tmp_path):
    archive = tmp_path / "sources"
    port = pages.base.rsplit(":", 1)[1]
    pages.route("/away", lambda h: (h.send_response(301), h.send_header("location", f"http://localhost:{port}/card"),
                                    h.send_header("content-length", "0"), h.end_headers()))
    result = _fetch(f"{pages.base}/away", archive)
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: {pages.base}/away: refused an off-site redirect to "
                                     f"http://localhost:{port}/card")
    assert _snapshots(archive) == []


def test_redirect_loop_stops(pages):
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch_page(f"{pages.base}/loop")


def test_size_cap_stops_reading_and_leaves_nothing(pages, tmp_path):
    archive = tmp_path / "sources"
    result = _fetch(f"{pages.base}/big", archive, "--max-bytes", "10000")
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {pages.base}/big: body exceeds the cap of 10,000 bytes"
    declared = _fetch(f"{pages.base}/card", archive, "--max-bytes", "50")
    assert declared.exit_code == 2 and "exceeds the cap of 50" in declared.output
    assert _snapshots(archive) == []


def test_read_timeout_and_whole_fetch_deadline(pages, tmp_path):
    archive = tmp_path / "sources"
    result = _fetch(f"{pages.base}/slow", archive, "--timeout", "0.3")
    assert result.exit_code == 2 and result.output.strip() == f"error: {pages.base}/slow: timed out"
    with pytest.raises(FetchError, match=r"timed out \(over 0.5 s in all\)"):
        fetch_page(f"{pages.base}/drip", FetchLimits(read_timeout=2, deadline=0.5))
    assert _snapshots(archive) == []


def test_http_errors_and_bad_urls_are_one_line(pages, tmp_path):
    archive = tmp_path / "sources"
    gone = _fetch(f"{pages.base}/gone", archive)
    assert gone.exit_code == 2 and gone.output.strip() == f"error: {pages.base}/gone: HTTP 410"
    bad = _fetch("ftp://example.org/x", archive)
    assert bad.exit_code == 2 and bad.output.strip() == "error: ftp://example.org/x: not an http(s) URL"
    refused = _fetch("http://127.0.0.1:9/", archive)
    assert refused.exit_code == 2 and refused.output.startswith("error: http://127.0.0.1:9/: ")
    assert len(refused.output.strip().splitlines()) == 1
    assert _snapshots(archive) == []


def test_non_html_bodies(pages, tmp_path):
    archive = tmp_path / "sources"
    assert _fetch(f"{pages.base}/notes.txt", archive).exit_code == 0
    pdf = _fetch(f"{pages.base}/report.pdf", archive)
    assert pdf.exit_code == 0 and "no text" in pdf.output
    by_type = {load_snapshot(archive, sha).meta.content_type.split(";")[0]: load_snapshot(archive, sha)
               for sha in _snapshots(archive)}
    assert by_type["text/plain"].text == "Plain notes — with a dash.\n"
    assert by_type["application/pdf"].text is None
    assert not (archive / by_type["application/pdf"].sha256 / "text.txt").exists()


def test_same_site_rule():
    assert same_site("http://a.example/x", "https://a.example/y")  # upgrade
    assert same_site("https://example.org/", "https://www.example.org/docs")
    assert not same_site("https://a.example/", "http://a.example/")  # downgrade
    assert not same_site("https://a.example/", "https://b.example/")
    assert not same_site("http://127.0.0.1:80/", "http://127.0.0.1:81/")

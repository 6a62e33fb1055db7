"""`audit sources add` and the archive itself: atomic snapshots, kept passages, integrity checks."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from audit.cli.app import app
from audit.sources.archive import SnapshotProblem, load_snapshot
from audit.sources.quotes import quote_in_text

runner = CliRunner()
URL = "https://vendor.example/models/m1"


def _add(archive, page, *extra: str):
    return runner.invoke(app, ["sources", "add", URL, "--file", str(page), "--archive", str(archive), *extra])


def _page(tmp_path, text: str = "<p>Our model\u2019s window: 128K tokens \u2014 stated.</p>"):
    page = tmp_path / "page.html"
    page.write_text(text, encoding="utf-8")
    return page


def test_add_archives_a_saved_page(tmp_path):
    archive = tmp_path / "sources"
    result = _add(archive, _page(tmp_path), "--retrieved", "2026-12-01")
    assert result.exit_code == 0, result.output
    [folder] = list(archive.iterdir())
    snap = load_snapshot(archive, folder.name)
    assert snap.meta.method == "file" and snap.meta.http_status is None
    assert snap.meta.content_type == "text/html" and snap.meta.retrieved_at.isoformat() == "2026-12-01T00:00:00+00:00"
    assert snap.text == "Our model\u2019s window: 128K tokens \u2014 stated."


def test_no_copy_keeps_only_checked_passages(tmp_path):
    archive = tmp_path / "sources"
    result = _add(archive, _page(tmp_path), "--no-copy", "--terms", "all rights reserved",
                  "--passage", "model's window: 128K tokens - stated")
    assert result.exit_code == 0, result.output
    [folder] = list(archive.iterdir())
    assert sorted(p.name for p in folder.iterdir()) == ["snapshot.json"]
    meta = json.loads((folder / "snapshot.json").read_text())
    assert meta["copy_kept"] is False and meta["terms"] == "all rights reserved"
    assert load_snapshot(archive, folder.name).text == "model's window: 128K tokens - stated"


def test_bad_input_is_one_line_and_leaves_nothing(tmp_path):
    archive = tmp_path / "sources"
    page = _page(tmp_path)
    wrong = _add(archive, page, "--no-copy", "--passage", "a 1M token window")
    assert wrong.exit_code == 2
    assert wrong.output.strip() == f"error: {URL}: passage not in the page's text: 'a 1M token window'"
    bare = _add(archive, page, "--no-copy")
    assert bare.exit_code == 2 and bare.output.startswith(f"error: {URL}: a snapshot without a copy needs")
    missing = _add(archive, tmp_path / "nope.html")
    assert missing.exit_code == 2 and missing.output.startswith(f"error: {tmp_path / 'nope.html'}: --file: cannot read")
    date = _add(archive, page, "--retrieved", "last week")
    assert date.exit_code == 2 and "--retrieved 'last week' is not an ISO date" in date.output
    assert not archive.exists() or list(archive.iterdir()) == []


def test_tampered_or_missing_snapshots_are_refused(tmp_path):
    archive = tmp_path / "sources"
    assert _add(archive, _page(tmp_path)).exit_code == 0
    [folder] = list(archive.iterdir())
    (folder / "body").write_bytes(b"<p>edited later</p>")
    show = runner.invoke(app, ["sources", "show", folder.name, "--archive", str(archive)])
    assert show.exit_code == 2 and "sha256 mismatch" in show.output
    try:
        load_snapshot(archive, "0" * 64)
    except SnapshotProblem as exc:
        assert "is not in the archive" in str(exc)
    else:
        raise AssertionError("a missing snapshot loaded")


def test_quote_matching_normalises_and_joins_ellipses():
    text = "GPT\u20115.4 mini is OpenAI\u2019s fast,\n efficient   small model. It runs more than 2x faster."
    assert quote_in_text("gpt-5.4 mini is openai's fast, efficient small model", text)
    assert quote_in_text("OpenAI's fast, efficient small model ... running" .replace("running", "runs more"), text)
    assert quote_in_text("GPT-5.4 mini \u2026 more than 2x faster", text)
    assert not quote_in_text("more than 2x faster ... GPT-5.4 mini", text)  # pieces out of order
    assert not quote_in_text("a large model", text)
    assert not quote_in_text(" ... ", text)

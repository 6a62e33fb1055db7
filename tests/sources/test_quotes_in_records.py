"""`audit validate` checks quotes against the snapshots they cite; the card says verified or not."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from typer.testing import CliRunner

from audit.cli.app import app
from audit.render.card import write_card
from audit.scoring.pipeline import score_record
from audit.sources.archive import store_snapshot

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGE = "<html><body><p>The Acme One model is a dense decoder \u2014 \u201cone of a kind\u201d.</p></body></html>"
WHEN = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone.utc)


def _archive(tmp_path: Path, body: str = PAGE, **kw) -> str:
    snap, _ = store_snapshot(tmp_path / "sources", body.encode(), url="https://acme.example/one",
                             final_url="https://acme.example/one", method="file", retrieved_at=WHEN,
                             http_status=None, content_type="text/html", **kw)
    return snap.sha256


def _record(tmp_path: Path, quote: str, source: str) -> Path:
    shutil.copy(FIXTURES / "mini-rubric.yaml", tmp_path / "mini-rubric.yaml")
    folder = tmp_path / "records"
    folder.mkdir(exist_ok=True)
    path = folder / "acme.yaml"
    path.write_text(f"""rubric: mini
model: {{vendor: Acme, name: One}}
indicators:
  arch-family:
    status: partial
    level: vague
    quote: "{quote}"
    sources:
      - {source}
  arch-probe: {{status: disclosed}}
""", encoding="utf-8")
    return path


def _validate(tmp_path: Path, record: Path):
    return runner.invoke(app, ["validate", str(tmp_path / "mini-rubric.yaml"), str(record)])


def test_a_quote_in_its_snapshot_validates_and_the_card_says_verified(tmp_path):
    sha = _archive(tmp_path)
    record = _record(tmp_path, "acme one model is a dense decoder - 'one of a kind'",
                     f"{{title: Acme model page, url: 'https://acme.example/one', snapshot: {sha}}}")
    result = _validate(tmp_path, record)
    assert result.exit_code == 0, result.output
    scored = score_record(record, str(tmp_path / "mini-rubric.yaml"))
    [html] = write_card(scored, tmp_path / "out", formats=("html",))
    text = html.read_text()
    assert f"Verified against the archived snapshot of 1 December 2026, sha256 {sha[:16]}" in text
    assert f"archived snapshot, sha256 {sha}" in text and "(retrieved 1 December 2026)" in text


def test_a_quote_not_in_its_snapshot_fails_located(tmp_path):
    sha = _archive(tmp_path)
    record = _record(tmp_path, "a sparse mixture of experts",
                     f"{{title: Acme model page, url: 'https://acme.example/one', snapshot: {sha}}}")
    result = _validate(tmp_path, record)
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: {record}:7: indicators.arch-family.quote: quote not found in "
                                     f"snapshot {sha[:12]}…: 'a sparse mixture of experts'")


def test_missing_and_tampered_snapshots_fail_located(tmp_path):
    missing = "ab" * 32
    record = _record(tmp_path, "dense decoder", f"{{title: Acme, snapshot: {missing}}}")
    (tmp_path / "sources").mkdir()
    result = _validate(tmp_path, record)
    assert result.exit_code == 2
    assert result.output.strip().startswith(f"error: {record}:9: indicators.arch-family.sources.0.snapshot: "
                                            f"snapshot {missing[:12]}… is not in the archive")
    sha = _archive(tmp_path)
    (tmp_path / "sources" / sha / "body").write_bytes(b"<p>changed</p>")
    record = _record(tmp_path, "dense decoder", f"{{title: Acme, snapshot: {sha}}}")
    result = _validate(tmp_path, record)
    assert result.exit_code == 2 and "sha256 mismatch" in result.output and ":9: " in result.output


def test_via_a_secondary_document_and_no_copy_snapshots(tmp_path):
    sha = _archive(tmp_path, keep_copy=False, terms="all rights reserved", passages=["a dense decoder"])
    record = _record(tmp_path, "A dense decoder",
                     f"{{title: Acme announcement, url: 'https://acme.example/news', "
                     f"via: {{title: A review of Acme One, snapshot: {sha}}}}}")
    assert _validate(tmp_path, record).exit_code == 0
    scored = score_record(record, str(tmp_path / "mini-rubric.yaml"))
    [md] = [p.read_text() for p in write_card(scored, tmp_path / "out", formats=("md",))]
    assert "Acme announcement" in md and "secondary citation: as read in S2" in md
    assert "no copy kept" in md and "Verified against the archived snapshot" in md
    # the announcement itself was never retrieved: no date beside it
    announcement = next(line for line in md.splitlines() if "Acme announcement" in line and "**S1**" in line)
    assert "retrieved" not in announcement
    beyond = _record(tmp_path, "one of a kind", f"{{title: Acme, via: {{title: Review, snapshot: {sha}}}}}")
    result = _validate(tmp_path, beyond)  # not among the kept passages
    assert result.exit_code == 2 and "quote not found in snapshot" in result.output


def test_unverified_quotes_say_so(tmp_path):
    record = _record(tmp_path, "dense decoder", "{title: Acme page, url: 'https://acme.example/one'}")
    scored = score_record(record, str(tmp_path / "mini-rubric.yaml"))
    [md] = [p.read_text() for p in write_card(scored, tmp_path / "out", formats=("md",))]
    assert "Unverified: not checked against an archived snapshot." in md
    assert "retrieved" not in md.split("## Sources")[1]

"""The written card: four files, atomically; PDF pages and text; Markdown; the CLI commands."""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from audit.cli.app import app
from audit.core.errors import OutputError
from audit.scoring.pipeline import score_record
from audit.render import pdf
from audit.render.card import write_card
from audit.render.markdown import md_escape, result_markdown
from audit.render.view import card_slug, format_value

FIXTURE_RECORD = "tests/fixtures/mini-record.yaml"
FIXTURE_RUBRIC = "tests/fixtures/mini-rubric.yaml"


def pdf_text(path) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def written(tmp_path_factory, make_result):
    """The synthetic card, written once for the module (a 4-page PDF takes about 2 s)."""
    out = tmp_path_factory.mktemp("cards")
    result = make_result()
    return result, out, write_card(result, out)


def test_write_card_writes_four_files(written):
    result, out, paths = written
    assert [p.name for p in paths] == [f"nova-labs-nova-b-ultra-b.{ext}" for ext in ("html", "pdf", "json", "md")]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no temporary files left
    assert json.loads(paths[2].read_text())["total"] == result.total
    assert paths[1].read_bytes().startswith(b"%PDF-")


def test_pdf_pages_and_text(written):
    result, _, paths = written
    pages, text = pdf_text(paths[1])
    assert pages == 4  # summary page, criteria in detail (2 pages), findings, sources and provenance
    flat = " ".join(text.split())
    assert "Nova <b>Ultra</b>" in flat
    assert re.search(rf"\b{result.total}\s*/\s*{result.max_total}\b", flat)
    assert "GRADE" in flat and re.search(r"(^|\s)C(\s|$)", text)
    assert "日本語のメモ" in flat  # CJK text printed with a real font, not boxes
    assert "Page 1 of 4" in flat


def test_fixture_card_is_two_pages(tmp_path):
    paths = write_card(score_record(FIXTURE_RECORD, FIXTURE_RUBRIC), tmp_path)
    pages, text = pdf_text(paths[1])
    assert pages == 2
    assert "Acme <b>One</b>" in text and re.search(r"\b2\s*/\s*5\b", text)
    assert "GRADE" in text and re.search(r"\bF\b", text)


def test_nothing_is_written_when_rendering_fails(tmp_path, monkeypatch, make_result):
    def broken(html: str) -> bytes:
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)
    out = tmp_path / "cards"
    with pytest.raises(RuntimeError):
        write_card(make_result(), out)
    assert not out.exists()

    out.mkdir()
    (out / "nova-labs-nova-b-ultra-b.html").write_text("old card")
    with pytest.raises(RuntimeError):
        write_card(make_result(), out)
    assert [p.name for p in out.iterdir()] == ["nova-labs-nova-b-ultra-b.html"]
    assert (out / "nova-labs-nova-b-ultra-b.html").read_text() == "old card"


def test_unwritable_folder_is_an_output_error(tmp_path, monkeypatch, make_result):
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: b"%PDF-1.7 stub")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError):
        write_card(make_result(), blocker / "cards")


def test_markdown_has_the_criteria_table_and_escapes(make_result):
    md = result_markdown(make_result())
    assert "| Domain | Criterion | Points | Indicators |" in md
    assert "| Identity & honesty | Model naming | 5 / 10 | 1 awarded · 1 partial · 1 missed |" in md.replace("\\&", "&")
    assert "| Change management | Behavioural drift | — / 10 | 1 not assessed |" in md
    assert "# Nova \\<b\\>Ultra\\</b\\>" in md
    assert "<script>" not in md and "\\<script\\>" in md
    assert "[Model card](https://example.com/model-card?a=1&b=2)" in md
    assert "](javascript" not in md and "Click me (javascript:alert(1))" in md
    assert "**Grade C**" in md and "**provisional**" in md
    assert "| Served model matches | Not assessed | — / 5 |" in md
    assert "| Self-identification | Missed | 0 / 3 | Live probe |" in md


def test_markdown_without_grade(make_result):
    md = result_markdown(make_result(grades=False, findings=False))
    assert "Grade" not in md and "## Probe findings" not in md


@pytest.mark.parametrize("text, escaped", [
    ("a | b\n*c*", "a \\| b \\*c\\*"), ("# not a heading", "\\# not a heading"), ("1. not a list", "1\\. not a list"),
    ("- not a list", "\\- not a list"), ("[x](javascript:y)", "\\[x\\](javascript:y)"), ("&lt;b&gt;", "\\&lt;b\\&gt;"),
    ("3.5 tokens & more (ok)", "3.5 tokens & more (ok)"),
])
def test_md_escape(text, escaped):
    assert md_escape(text) == escaped


@pytest.mark.parametrize("value, text", [
    (0.41, "0.41"), (1234567, "1,234,567"), (True, "yes"), (None, "—"), ([0.28, 0.55], "0.28, 0.55"),
    ({"b": 1, "a": [1, 2]}, '{"a": [1, 2], "b": 1}'), (0.000012345, "1.23e-05"), (12345.678, "1.235e+04"),
])
def test_format_value(value, text):
    assert format_value(value) == text


def test_slug(make_result):
    assert card_slug(make_result()) == "nova-labs-nova-b-ultra-b"
    assert card_slug(score_record(FIXTURE_RECORD, FIXTURE_RUBRIC)) == "acme-b-one-b-mini"
    chinese = make_result(model="通义千问")
    assert card_slug(chinese).startswith("nova-labs-") and card_slug(chinese).isascii()


def test_cli_card_and_score_md(tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["card", FIXTURE_RECORD, "--rubric", FIXTURE_RUBRIC, "--out", str(tmp_path),
                               "--formats", "all"])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"acme-b-one-b-mini.{e}" for e in ("html", "json", "md", "pdf")]
    done = runner.invoke(app, ["score", FIXTURE_RECORD, "--rubric", FIXTURE_RUBRIC, "--format", "md"])
    assert done.exit_code == 0 and "| Upstream | Architecture | 2 / 5 |" in done.output


@pytest.mark.parametrize("markup", [
    '<img src="http://127.0.0.1:9/x.png">',
    '<style>@import url("file:///etc/passwd");</style>',
])
def test_pdf_loads_nothing(markup):
    with pytest.raises(pdf.ExternalResourceRefused):
        pdf.html_to_pdf(f"<html><body><p>card</p>{markup}</body></html>")

"""`audit import fmti`: both file forms, the real-file quirks, and bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from audit.cli.app import app
from audit.scoring.rubrics import load_rubric
from audit.fmti.importer import import_files, parse_references
from audit.scoring.pipeline import score_record
from audit.scoring.records import check_record_fits, load_record

from .conftest import REPORT_2025

runner = CliRunner()


def _fixture_scores() -> dict[str, int]:
    with open(REPORT_2025, encoding="utf-8-sig", newline="") as handle:
        return {r["Indicator"]: int(r["Score"]) for r in csv.DictReader(handle) if r["Indicator"] != "Total"}


def _write_csv(path: Path, rows: list[list[str]], bom: bool = True) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _wide_2024(tmp_path: Path, developers=("Acme", "Globex"), mutate=None) -> Path:
    """A May-2024-form score file (no domain columns) over the v1 names, with a Total row."""
    titles = [i.title for i in load_rubric("fmti-v1").rubric.indicators()]
    rows = [["Indicator", *developers]]
    for n, title in enumerate(titles):
        rows.append([title, *[str((n + k) % 2) for k in range(len(developers))]])
    rows.append(["Total", *[str(sum(int(r[k + 1]) for r in rows[1:])) for k in range(len(developers))]])
    if mutate:
        mutate(rows)
    return _write_csv(tmp_path / "scores.csv", rows)


def test_2025_report_fixture_imports_and_scores(tmp_path):
    result = runner.invoke(app, ["import", "fmti", str(REPORT_2025), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    record_path = tmp_path / "fmti-2025" / "example-labs.yaml"
    loaded = load_record(record_path)
    rubric = load_rubric("fmti-2025")
    assert len(rubric.rubric.indicators()) == 100 and rubric.rubric.max_points == 100
    assert not rubric.rubric.grades
    check_record_fits(loaded, rubric.rubric)
    record = loaded.record
    assert record.rubric == "fmti-2025"
    assert record.model.vendor == "Example Labs"
    assert "December 2025 edition" in record.assessment.audit_note
    assert "Foundation Model Transparency Index, Stanford CRFM" in record.assessment.audit_note

    scored = score_record(record_path)
    assert scored.total == sum(_fixture_scores().values()) == 40
    assert scored.coverage == 100 and scored.grade is None
    assert scored.rubric.credit and "Stanford CRFM" in scored.rubric.credit

    first = record.indicators["data-acquisition-methods"]
    assert first.quote == "We acquire data by:\n- crawling the web\n- licensing two news archives"
    text = record_path.read_text(encoding="utf-8")
    assert text.startswith("# Foundation Model Transparency Index, Stanford CRFM, December 2025 edition")
    assert "|-" in text or "|\n" in text  # multi-line text is a readable block
    assert yaml.safe_load(text)["model"]["vendor"] == "Example Labs"


def test_wide_score_file_gives_one_record_per_developer(tmp_path):
    records = import_files([_wide_2024(tmp_path)])
    assert [r.developer for r in records] == ["Acme", "Globex"]
    assert all(r.edition.id == "2024" and r.record.rubric == "fmti-v1" for r in records)
    assert records[0].record.model.name == "Acme flagship (FMTI 2024)"
    assert sum(e.status == "disclosed" for e in records[0].record.indicators.values()) == 50


def test_edition_from_columns_and_flag(tmp_path):
    def with_domain(rows):
        rows[0][1:1] = ["Domain"]
        for row in rows[1:]:
            row[1:1] = ["Upstream"]
    path = _wide_2024(tmp_path, mutate=with_domain)
    assert import_files([path])[0].edition.id == "2023"
    assert import_files([path], "2024")[0].edition.id == "2024"


def test_known_2024_developer_names_and_flagships(tmp_path):
    records = import_files([_wide_2024(tmp_path, developers=("BigCode", "Stability"))])
    assert [(r.developer, r.record.model.name) for r in records] == [
        ("BigCode", "StarCoder"), ("Stability", "Stable Video Diffusion")]


def test_renamed_and_respaced_indicator_names_match(tmp_path):
    def rename(rows):
        for row in rows:
            if row[0] == "Copyrighted data":
                row[0] = "Data copyright status"
            if row[0] == "Data creators":
                row[0] = "data   creators  "
            if row[0] == "Third party risks evaluation":
                row[0] = "Third-party risks evaluation"
    assert len(import_files([_wide_2024(tmp_path, mutate=rename)])) == 2


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda rows: rows[5].__setitem__(1, "2"), "scores.csv:6: column 'Acme': score must be 0 or 1, not '2'"),
    (lambda rows: rows[5].__setitem__(2, ""), "scores.csv:6: column 'Globex': score must be 0 or 1, not ''"),
    (lambda rows: rows[7].__setitem__(0, "Vibes"),
     "scores.csv:8: column 'Indicator': unknown indicator name 'Vibes' (not in rubric fmti-v1)"),
    (lambda rows: rows[0].__setitem__(0, "Name"), "scores.csv:1: column 'Indicator': missing column 'Indicator'"),
    (lambda rows: rows[-1].__setitem__(1, "99"), "column 'Acme': the Total row says 99, but the indicator rows add up to 50"),
    (lambda rows: rows.pop(10), "score file: 1 of the rubric's 100 indicators have no row"),
])
def test_bad_wide_file_exits_2_and_writes_nothing(tmp_path, mutate, expected):
    path = _wide_2024(tmp_path, mutate=mutate)
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", "fmti", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_report_missing_column_and_score(tmp_path):
    with open(REPORT_2025, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    no_score = _write_csv(tmp_path / "A_fmtransparencyreport.csv", [[c for k, c in enumerate(r) if k != 5] for r in rows])
    bad = [list(r) for r in rows]
    bad[3][5] = "yes"
    bad_score = _write_csv(tmp_path / "B_fmtransparencyreport.csv", bad)
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", "fmti", str(no_score), str(bad_score), str(REPORT_2025), "--out", str(out)])
    assert result.exit_code == 2
    assert "A_fmtransparencyreport.csv:1: column 'Score': missing column 'Score'" in result.output
    # the 4th CSV record starts on line 6: the first indicator's disclosure spans three lines
    assert "B_fmtransparencyreport.csv:6: column 'Score': score must be 0 or 1, not 'yes'" in result.output
    assert not out.exists()  # the good file is not written either


def test_empty_and_header_only_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf\r\n")
    header_only = _write_csv(tmp_path / "head.csv", [["Indicator", "Acme"]])
    result = runner.invoke(app, ["import", "fmti", str(empty), str(header_only), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{empty}: file is empty" in result.output
    assert "head.csv:1: file has a header row but no data rows" in result.output
    assert not (tmp_path / "o").exists()


def test_same_developer_twice_is_refused(tmp_path):
    path = _wide_2024(tmp_path)
    result = runner.invoke(app, ["import", "fmti", str(path), str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "Acme (May 2024) is also imported from" in result.output


def test_references_only_http_links_become_urls():
    sources = parse_references("https://a.example/x.pdf; Tech report, Section 7.3\n\nhttps://b.example/y and "
                               "ftp://c.example/z")
    assert [(s.title, s.url) for s in sources] == [
        ("https://a.example/x.pdf", "https://a.example/x.pdf"), ("https://b.example/y", "https://b.example/y"),
        ("Tech report, Section 7.3", None), ("ftp://c.example/z", None)]
    assert all(s.is_link == bool(s.url) for s in sources)


def test_real_report_quirks(shared_fmti, tmp_path):
    """BOM, multi-line cells, Adept's mislabelled header cell, 'BigCode_Hugging_Face_ServiceNow'."""
    reports = shared_fmti / "May2024" / "reports"
    records = import_files([reports / "Adept_fmtransparencyreport_May2024.csv",
                            reports / "BigCode_Hugging_Face_ServiceNow_fmtransparencyreport_May2024.csv"])
    assert [(r.developer, r.record.model.name) for r in records] == [("Adept", "Fuyu-8B"), ("BigCode", "StarCoder")]
    assert any(e.quote and "\n" in e.quote for e in records[1].record.indicators.values())
    assert all(len(r.record.indicators) == 100 for r in records)

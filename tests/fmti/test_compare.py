"""`audit compare`: ranking, heatmaps, credit; HTML self-contained and escaped; PDF written."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from audit.core.atomic import write_all_atomic
from audit.cli.app import app
from audit.scoring.rubrics import load_rubric
from audit.fmti.importer import import_files
from audit.render.compare import compare_html
from audit.scoring.compare_inputs import score_records
from audit.render.compare_view import build_compare_view

runner = CliRunner()
WHEN = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)


@pytest.fixture
def records(tmp_path):
    titles = [i.title for i in load_rubric("fmti-v1").rubric.indicators()]
    developers = ["Acme", "Globex <b>&", "Initech"]
    rows = [["Indicator", *developers]]
    for n, title in enumerate(titles):
        rows.append([title, *(int(n % (k + 2) == 0) for k in range(len(developers)))])
    path = tmp_path / "scores.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    recs = import_files([path], "2024")
    return write_all_atomic({tmp_path / "recs" / r.relpath: r.yaml() for r in recs})


def test_view_ranks_and_means(records):
    view = build_compare_view(score_records(records), WHEN)
    assert [(r.vendor, r.total) for r in view.ranking] == [("Acme", 50), ("Globex <b>&", 34), ("Initech", 25)]
    assert view.ranking[0].rank == 1 and view.ranking[0].bar == 100.0
    assert len(view.subdomains) == 23 and sum(len(b.rows) for b in view.blocks) == 100
    assert view.credits[0].startswith("Foundation Model Transparency Index, Stanford CRFM")
    assert any("May 2024 edition" in c for c in view.credits)
    assert len(view.column_means) == 3


def test_html_is_self_contained_escaped_and_credited(records):
    html = compare_html(build_compare_view(score_records(records), WHEN))
    assert "Globex &lt;b&gt;&amp;" in html and "Globex <b>" not in html
    assert "<link" not in html and "<script" not in html and "src=" not in html
    assert "Foundation Model Transparency Index, Stanford CRFM" in html and "May 2024 edition" in html
    assert html.count('class="awarded"') + html.count('class="missed"') == 300


def test_cli_writes_html_and_pdf(records, tmp_path):
    out = tmp_path / "report"
    result = runner.invoke(app, ["compare", *map(str, records), "--out", str(out)])
    assert result.exit_code == 0, result.output
    pdf = (out / "compare.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out / "compare.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        text = " ".join(text.split())
        assert text.count("Foundation Model Transparency Index, Stanford CRFM") >= 3  # footer on every page
        assert "May 2024 edition" in text and "subdomain scores" in text.lower()


def test_mixed_rubrics_need_a_choice(records, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(records[0].read_text(encoding="utf-8").replace("rubric: fmti-v1", "rubric: fmti-2025"),
                     encoding="utf-8")
    result = runner.invoke(app, ["compare", str(records[0]), str(other), "--out", str(tmp_path / "x"), "--no-pdf"])
    assert result.exit_code == 2 and "choose one with --rubric" in result.output
    assert not (tmp_path / "x").exists()

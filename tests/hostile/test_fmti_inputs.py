"""`audit import fmti` on careless or hostile CSVs: one located line per problem, exit 2, nothing written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.hostile.conftest import assert_clean_error, invoke

REPORT = Path(__file__).resolve().parents[1] / "fixtures" / "fmti" / "Example_Labs_fmtransparencyreport_Dec2025.csv"


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_the_fixture_imports(tmp_path):
    result = invoke("import", "fmti", str(REPORT), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr


def test_a_report_named_without_a_developer_is_located(tmp_path):
    nameless = tmp_path / "_fmtransparencyreport_Dec2025.csv"
    nameless.write_bytes(REPORT.read_bytes())
    assert_clean_error(invoke("import", "fmti", str(nameless), "--out", str(tmp_path / "out")),
                       contains=f"{nameless}: cannot tell the developer from the file name")
    assert not (tmp_path / "out").exists()


def test_a_row_missing_its_last_cells_is_located(tmp_path):
    rows = rows_of(REPORT)
    rows[3] = rows[3][:4]
    short = write_rows(tmp_path / "Short_fmtransparencyreport_Dec2025.csv", rows)
    err = assert_clean_error(invoke("import", "fmti", str(short), "--out", str(tmp_path / "out")))
    assert "row has 4 cells, the header 7 (cells missing at the end?)" in err and f"{short}:" in err
    assert not (tmp_path / "out").exists()


def test_a_score_column_with_values_and_no_name_is_located(tmp_path):
    path = write_rows(tmp_path / "scores.csv", [["Indicator", "Acme", " "], ["Data size", "1", "0"]])
    err = assert_clean_error(invoke("import", "fmti", str(path), "--out", str(tmp_path / "out")))
    assert f"{path}:1: column 3 has values but no developer name" in err


def test_one_bad_file_among_good_ones_writes_no_record(tmp_path):
    good = [tmp_path / f"Dev{n}_fmtransparencyreport_Dec2025.csv" for n in range(3)]
    for path in good:
        path.write_bytes(REPORT.read_bytes())
    rows = rows_of(REPORT)
    rows[5][5] = "7"
    bad = write_rows(tmp_path / "Bad_fmtransparencyreport_Dec2025.csv", rows)
    err = assert_clean_error(invoke("import", "fmti", *map(str, good), str(bad), "--out", str(tmp_path / "out")))
    assert "score must be 0 or 1, not '7'" in err
    assert not (tmp_path / "out").exists()

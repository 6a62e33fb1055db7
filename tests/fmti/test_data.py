"""The FMTI facts in data/fmti/*.yaml: loaded and validated, a bad file named with line and field."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from audit.cli.app import app
from audit.core.errors import InputError
from audit.fmti import data as fmti_data
from audit.fmti.data import load_editions, load_reproduce_sources, load_rubric_specs
from audit.fmti.editions import edition, published_totals
from audit.fmti.rubricgen import build_rubric, rubric_specs

from .conftest import REPORT_2025

runner = CliRunner()


def _copy_data(tmp_path):
    folder = tmp_path / "fmti"
    shutil.copytree(fmti_data.data_path("editions.yaml").parent, folder)
    return folder


def _only_problem(exc: InputError):
    assert len(exc.problems) == 1, exc.problems
    return exc.problems[0]


def test_shipped_data_loads():
    assert list(published_totals()) == ["2023", "2024"]
    assert len(published_totals()["2024"]) == 14
    assert edition("2024").developer("Stability_AI") == "Stability"
    assert edition("2023").developer("stability-ai") == "Stability AI"
    assert edition("2025").date is None and edition("2025").rubric == "fmti-2025"
    assert list(rubric_specs()) == ["fmti-v1", "fmti-2025"]
    assert [s.name for s in load_reproduce_sources().model.sources] == ["2023 scores", "2024 scores", "2024 reports"]
    assert load_editions() is load_editions()  # read once while unchanged


def test_unknown_key_is_located(tmp_path):
    path = _copy_data(tmp_path) / "editions.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  label: May 2024\n", "  label: May 2024\n  lable: typo\n"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_editions(path)
    problem = _only_problem(err.value)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert problem.file == str(path) and lines[problem.line - 1] == "  lable: typo"
    assert problem.field == "editions[1].lable" and problem.message == "unknown key"


def test_wrong_type_and_duplicate_id_are_located(tmp_path):
    path = _copy_data(tmp_path) / "editions.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    Meta: 54\n", "    Meta: lots\n").replace("- id: '2025'", "- id: '2024'"),
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_editions(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    problem = _only_problem(err.value)
    assert problem.field == "editions[0].published_totals.Meta" and lines[problem.line - 1] == "    Meta: lots"
    path.write_text(text.replace("- id: '2025'", "- id: '2024'"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_editions(path)
    problem = _only_problem(err.value)
    assert "duplicate edition '2024'" in problem.message and problem.field == "editions[2].id"
    assert path.read_text(encoding="utf-8").splitlines()[problem.line - 1] == "- id: '2024'"


def test_malformed_yaml_is_located(tmp_path):
    path = _copy_data(tmp_path) / "reproduce.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("files: [May2024/May2024_scores.csv]",
                                                             "files: [May2024/May2024_scores.csv"),
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_reproduce_sources(path)
    problem = _only_problem(err.value)
    assert problem.file == str(path) and problem.line is not None and "malformed YAML" in problem.message


def test_an_alias_of_no_indicator_is_located(tmp_path, shared_fmti):
    path = _copy_data(tmp_path) / "rubrics.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    Data license: [", "    Data lisence: ["),
                    encoding="utf-8")
    specs = load_rubric_specs(path)
    with pytest.raises(InputError) as err:
        build_rubric(specs.model.rubrics[0], shared_fmti, specs)
    problem = _only_problem(err.value)
    assert problem.field == "rubrics[0].aliases.Data lisence" and "no indicator of that name" in problem.message
    assert path.read_text(encoding="utf-8").splitlines()[problem.line - 1].startswith("    Data lisence:")


def test_the_cli_reports_a_bad_data_file_without_a_traceback(tmp_path, monkeypatch):
    folder = _copy_data(tmp_path)
    path = folder / "editions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  rubric: fmti-2025\n", "  rubric: FMTI 2025\n"),
                    encoding="utf-8")
    monkeypatch.setattr(fmti_data, "data_path", lambda name: folder / name)
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", "fmti", str(REPORT_2025), "--out", str(out)])
    assert result.exit_code == 2, result.output
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text == "  rubric: FMTI 2025")
    assert f"{path}:{line}: editions[2].rubric: " in result.output
    assert "Traceback" not in result.output and not out.exists()

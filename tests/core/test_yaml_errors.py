"""Bad input: every problem is reported with file, line and field; exit 2; no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.core.errors import InputError
from audit.scoring.records import check_record_fits, load_record
from audit.scoring.rubrics import load_rubric_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RUBRIC = FIXTURES / "mini-rubric.yaml"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(func, *args) -> list[str]:
    with pytest.raises(InputError) as info:
        func(*args)
    return [str(p) for p in info.value.problems]


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, "bad.yaml", "rubric: mini\nmodel: {vendor: A, name: B\nindicators: {}\n")
    (msg,) = problems_of(load_record, path)
    assert msg.startswith(f"{path}:3: malformed YAML")


def test_wrong_type_names_field_and_line(tmp_path):
    path = write(tmp_path, "bad.yaml", "rubric: mini\nmodel:\n  vendor: A\n  name: B\n"
                                        "  price: {input_per_million: cheap, output_per_million: 1}\n"
                                        "indicators: {}\n")
    (msg,) = problems_of(load_record, path)
    assert msg.startswith(f"{path}:5: model.price.input_per_million:")


def test_unknown_key_is_rejected(tmp_path):
    path = write(tmp_path, "bad.yaml", "rubric: mini\nmodel: {vendor: A, name: B}\nindicators: {}\nextra: 1\n")
    assert problems_of(load_record, path) == [f"{path}:4: extra: unknown key"]


def test_duplicate_key_is_rejected(tmp_path):
    path = write(tmp_path, "bad.yaml", "rubric: mini\nmodel: {vendor: A, name: B}\nindicators:\n"
                                        "  arch-family: {status: disclosed}\n  arch-family: {status: not_disclosed}\n")
    (msg,) = problems_of(load_record, path)
    assert msg == f"{path}:5: indicators.arch-family: duplicate key 'arch-family' (first at line 4)"


def test_unknown_indicator_and_level_and_missing_indicator(tmp_path):
    rubric = load_rubric_file(RUBRIC).rubric
    path = write(tmp_path, "bad.yaml", "rubric: mini\nmodel: {vendor: A, name: B}\nindicators:\n"
                                        "  arch-famly: {status: disclosed}\n"
                                        "  arch-probe: {status: partial, level: nope}\n")
    msgs = problems_of(check_record_fits, load_record(path), rubric)
    assert f"{path}:4: indicators.arch-famly: unknown indicator id 'arch-famly' (not in rubric mini)" in msgs
    assert any(m.startswith(f"{path}:5: indicators.arch-probe.level: unknown level 'nope'") for m in msgs)
    assert any("indicator 'arch-family' (Family) is not assessed" in m for m in msgs)


def test_record_for_another_rubric(tmp_path):
    rubric = load_rubric_file(RUBRIC).rubric
    path = write(tmp_path, "bad.yaml", "rubric: other\nmodel: {vendor: A, name: B}\nindicators: {}\n")
    assert problems_of(check_record_fits, load_record(path), rubric) == [
        f"{path}:1: rubric: record is written for rubric 'other', not 'mini'"]


RUBRIC_HEAD = "id: r\nversion: 1\ntitle: T\n"


@pytest.mark.parametrize("body, expected", [
    # indicator points that do not add up to the criterion's max
    ("domains:\n  - id: d\n    title: D\n    criteria:\n      - id: c\n        title: C\n        question: Q?\n"
     "        max_points: 5\n        indicators:\n          - {id: i, title: I, definition: Dq, threshold: T, points: 3}\n",
     ":8: domains[0].criteria[0]: indicator points add up to 3, but max_points is 5"),
    # points out of range
    ("domains:\n  - id: d\n    title: D\n    criteria:\n      - id: c\n        title: C\n        question: Q?\n"
     "        max_points: 5\n        indicators:\n          - {id: i, title: I, definition: Dq, threshold: T, points: -1}\n",
     ":13: domains[0].criteria[0].indicators[0].points: Input should be greater than or equal to 1"),
    # duplicate ids
    ("domains:\n  - id: d\n    title: D\n    criteria:\n      - id: d\n        title: C\n        question: Q?\n"
     "        max_points: 1\n        indicators:\n          - {id: i, title: I, definition: Dq, threshold: T, points: 1}\n",
     ":8: domains[0].criteria[0].id: duplicate id 'd' (criterion; already used by a domain)"),
])
def test_bad_rubrics(tmp_path, body, expected):
    path = write(tmp_path, "r.yaml", RUBRIC_HEAD + body)
    msgs = problems_of(load_rubric_file, path)
    assert any(m == f"{path}{expected}" for m in msgs), msgs

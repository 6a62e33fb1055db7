"""Scoring an FMTI record with a rubric that names FMTI counterparts (the crosswalk)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from audit.core.atomic import write_all_atomic
from audit.scoring.rubrics import load_rubric
from audit.scoring.crosswalk import crosswalk_entry
from audit.core.errors import InputError
from audit.fmti.importer import import_files
from audit.scoring.pipeline import score_record
from audit.schema.disclosure import IndicatorDisclosure
from audit.schema.rubric import Indicator

from .conftest import REPO, REPORT_2025

TARGET = """
id: cross
version: "1"
title: Crosswalk target
domains:
  - id: up
    title: Up
    criteria:
      - id: c1
        title: C1
        question: Q?
        max_points: 12
        indicators:
          - {id: both, title: Both, definition: D, threshold: T, points: 2,
             fmti: [Model stages, Model objectives]}
          - {id: three, title: Three, definition: D, threshold: T, points: 4,
             levels: [{id: half, points: 2, threshold: H}, {id: quarter, points: 1, threshold: Q}],
             fmti: [Data size, Data sources, Data creators]}
          - {id: none, title: None, definition: D, threshold: T, points: 3}
          - {id: probed, title: Probed, definition: D, threshold: T, points: 3, fmti: [Data size],
             evidence: {probe: identity, check: self-identification, disclosure_fallback: 3}}
"""


def _indicator(points: int, levels=()) -> Indicator:
    return Indicator(id="x", title="X", definition="D", threshold="T", points=points,
                     levels=[{"id": lid, "points": p, "threshold": "L"} for lid, p in levels])


@pytest.mark.parametrize(("met", "levels", "status", "level"), [
    ([True, True], (), "disclosed", None),
    ([True, False], (), "not_disclosed", None),
    ([False, False], (("half", 2),), "not_disclosed", None),
    ([True, False], (("half", 2), ("quarter", 1)), "partial", "half"),
    ([True, False, False], (("half", 2), ("quarter", 1)), "partial", "quarter"),
    ([True, False, False, False, False], (("half", 2), ("quarter", 1)), "partial", "quarter"),
    ([True, True, False], (("half", 2), ("quarter", 1)), "partial", "half"),
])
def test_rule(met, levels, status, level):
    names = {f"n{k}": ok for k, ok in enumerate(met)}
    entries = {n: IndicatorDisclosure(status="disclosed" if ok else "not_disclosed", quote=f"q {n}") for n, ok in names.items()}
    entry = crosswalk_entry(_indicator(4, levels), names, entries, "FMTI test")
    assert (entry.status, entry.level) == (status, level)
    assert f"{sum(met)} of {len(met)} FMTI counterpart" in entry.note


def _v1_record(tmp_path: Path, scores: dict[str, int]) -> Path:
    """A wide-form FMTI v1 import where the named indicators score as given and all others 0."""
    titles = [i.title for i in load_rubric("fmti-v1").rubric.indicators()]
    path = tmp_path / "scores.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["Indicator", "Acme"], *([t, scores.get(t, 0)] for t in titles)])
    rec = import_files([path], "2024")[0]
    return write_all_atomic({tmp_path / rec.relpath: rec.yaml()})[0]


def test_crosswalk_scores_counterparts_and_leaves_the_rest_not_assessed(tmp_path):
    target = tmp_path / "cross.yaml"
    target.write_text(TARGET, encoding="utf-8")
    record = _v1_record(tmp_path, {"Model stages": 1, "Model objectives": 1, "Data size": 1})
    result = score_record(record, str(target))
    by_id = {i.id: i for d in result.domains for c in d.criteria for i in c.indicators}
    assert (by_id["both"].state, by_id["both"].points) == ("awarded", 2)
    assert (by_id["three"].state, by_id["three"].points, by_id["three"].level) == ("partial", 1, "quarter")
    assert by_id["none"].state == "not_assessed"
    assert by_id["probed"].state == "not_assessed"
    assert result.total == 3 and result.assessed_max == 6 and result.coverage == 50.0
    assert "Foundation Model Transparency Index" in (result.audit_note or "")


def test_unknown_counterpart_name_is_an_error_in_the_target_rubric(tmp_path):
    target = tmp_path / "cross.yaml"
    target.write_text(TARGET.replace("Data creators", "Data vibes"), encoding="utf-8")
    record = _v1_record(tmp_path, {})
    with pytest.raises(InputError) as exc:
        score_record(record, str(target))
    assert "'Data vibes' not in rubric fmti-v1" in str(exc.value) and "three.fmti" in str(exc.value)


def test_no_crosswalk_between_other_rubrics(tmp_path):
    record = _v1_record(tmp_path, {})
    with pytest.raises(InputError, match="no crosswalk from it to 'fmti-2025'"):
        score_record(record, "fmti-2025")


def test_2025_record_without_any_matching_name_is_refused(tmp_path):
    target = tmp_path / "cross.yaml"
    target.write_text(TARGET.replace("Model stages, Model objectives", "Model License")
                      .replace("Data size, Data sources, Data creators", "Wages"), encoding="utf-8")
    data = yaml.safe_load(target.read_text())
    assert data["id"] == "cross"
    out = tmp_path / "o"
    rec = import_files([REPORT_2025])[0]
    path = write_all_atomic({out / rec.relpath: rec.yaml()})[0]
    with pytest.raises(InputError, match="none of its FMTI counterpart names exist in fmti-2025"):
        score_record(path, str(target))


def test_integrity_v1_from_an_fmti_record(tmp_path):
    try:
        integrity = load_rubric("integrity-v1").rubric
    except Exception as exc:  # the rubric is another engineer's; skip until it is shipped
        pytest.skip(f"integrity-v1 not available: {exc}")
    record = _v1_record(tmp_path, {i.title: 1 for i in load_rubric("fmti-v1").rubric.indicators()})
    result = score_record(record, "integrity-v1")
    by_id = {i.id: i for d in result.domains for c in d.criteria for i in c.indicators}
    for indicator in integrity.indicators():
        state = by_id[indicator.id].state
        if indicator.probe is not None or not indicator.fmti:
            assert state == "not_assessed", indicator.id
        else:
            assert state == "awarded", indicator.id
    assert 0 < result.coverage < 100


def test_the_crosswalk_goes_by_rubric_family(tmp_path):
    """Records under an FMTI-family rubric cross over; a target of that family, or a record of another, do not."""
    target = tmp_path / "cross.yaml"
    target.write_text(TARGET.replace("id: cross\n", "id: cross\nfamily: fmti\n"), encoding="utf-8")
    with pytest.raises(InputError, match="no crosswalk from it to 'cross'"):
        score_record(_v1_record(tmp_path, {}), str(target))
    target.write_text(TARGET, encoding="utf-8")
    other = REPO / "data" / "disclosures" / "allenai" / "olmo-2-7b.yaml"
    with pytest.raises(InputError, match="no crosswalk from it to 'cross'"):
        score_record(other, str(target))


def test_counterparts_match_the_indicators_aliases(tmp_path):
    """`License` is an alias of the v1 indicator `Model License` (rubrics/fmti-v1.yaml)."""
    assert "License" in load_rubric("fmti-v1").rubric.indicator("model-license").aliases
    target = tmp_path / "cross.yaml"
    target.write_text(TARGET.replace("Model stages, Model objectives", "License, Data copyright status"),
                      encoding="utf-8")
    result = score_record(_v1_record(tmp_path, {"Model License": 1, "Copyrighted data": 1}), str(target))
    both = next(i for d in result.domains for c in d.criteria for i in c.indicators if i.id == "both")
    assert (both.state, both.points) == ("awarded", 2)

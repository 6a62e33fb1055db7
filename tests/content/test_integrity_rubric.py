"""Golden tests for the integrity-v1 rubric and the shipped disclosure records.

The GPT-5.4 mini record must reproduce the ApX integrity report it was built from, criterion by
criterion, with no probe run; every shipped record must validate; the open model must score far
above the closed ones; and every FMTI name the rubric cites must exist in the FMTI indicator CSV.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from audit.core.content import list_records

from audit.scoring.rubrics import load_rubric
from audit.scoring.pipeline import score_record
from audit.scoring.records import load_record

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
RECORDS = REPO / "data" / "disclosures"
GPT_MINI = RECORDS / "openai" / "gpt-5.4-mini.yaml"
OPEN_MODEL = RECORDS / "allenai" / "olmo-2-7b.yaml"
CLOSED_MODELS = [GPT_MINI, RECORDS / "anthropic" / "claude-sonnet-4.5.yaml"]

# The seed report: ApX "GPT-5.4 mini Model Integrity Report", total 34/100, grade F.
SEED_CRITERIA = {
    "architectural-provenance": 3,
    "dataset-composition": 2,
    "tokenizer-integrity": 5,
    "parameter-density": 1,
    "training-compute": 0,
    "benchmark-reproducibility": 3,
    "identity-consistency": 9,
    "license-clarity": 4,
    "hardware-footprint": 2,
    "versioning-drift": 5,
}
SEED_DOMAINS = {"upstream": 10, "model": 13, "downstream": 11}
SEED_TOTAL = 34
SEED_GRADE = "F"


def _criterion_points(result: dict) -> dict[str, int]:
    return {c["id"]: c["points"] for d in result["domains"] for c in d["criteria"]}


def _check_golden(result: dict) -> None:
    assert _criterion_points(result) == SEED_CRITERIA
    assert {d["id"]: d["points"] for d in result["domains"]} == SEED_DOMAINS
    assert result["total"] == SEED_TOTAL
    assert result["max_total"] == 100
    assert result["grade"] == SEED_GRADE


def test_rubric_shape():
    rubric = load_rubric("integrity-v1").rubric
    assert [d.id for d in rubric.domains] == ["upstream", "model", "downstream"]
    assert [d.max_points for d in rubric.domains] == [30, 40, 30]
    assert [c.id for c in rubric.criteria()] == list(SEED_CRITERIA)
    assert all(c.max_points == 10 for c in rubric.criteria())
    assert [(g.grade, g.min_percent) for g in rubric.grades] == [
        ("A", 85), ("B", 70), ("C", 55), ("D", 40), ("F", 0)]


def test_rubric_probe_checks_use_the_agreed_slugs():
    rubric = load_rubric("integrity-v1").rubric
    checks = {(i.probe.probe, i.probe.check) for i in rubric.indicators() if i.probe}
    assert checks == {
        ("tokenizer", "tokenizer-match"), ("tokenizer", "vocab-consistent"),
        ("tokenizer", "hidden-overhead"), ("tokenizer", "completion-billing"),
        ("identity", "self-identification"), ("identity", "no-competitor-claim"),
        ("identity", "spoof-resistance"), ("identity", "stated-facts"), ("identity", "served-model"),
        ("drift", "behaviour-stable"), ("drift", "fingerprint-stable"),
    }


@pytest.mark.parametrize("percent, grade", [(85, "A"), (84.99, "B"), (70, "B"), (55, "C"),
                                            (40, "D"), (39.99, "F"), (34, "F"), (0, "F")])
def test_grade_bands(percent, grade):
    assert load_rubric("integrity-v1").rubric.grade_for(percent).grade == grade


def test_gpt_5_4_mini_reproduces_seed_via_pipeline():
    result = score_record(GPT_MINI)
    _check_golden(json.loads(result.model_dump_json()))
    # no probe has run: the probe-only indicators are not assessed, not zero
    not_assessed = {i.id for d in result.domains for c in d.criteria for i in c.indicators
                    if i.state == "not_assessed"}
    assert not_assessed == {"vocab-consistent", "hidden-overhead", "completion-billing",
                            "spoof-resistance", "fingerprint-stable"}
    assert result.coverage < 100


def test_gpt_5_4_mini_reproduces_seed_via_cli():
    proc = subprocess.run(
        [sys.executable, "-m", "audit", "score", str(GPT_MINI), "--format", "json"],
        capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    _check_golden(json.loads(proc.stdout))


def test_gpt_5_4_mini_justifications_carry_the_seed_reasons():
    result = score_record(GPT_MINI)
    text = {c.id: c.justification for d in result.domains for c in d.criteria}
    assert "'distilled' variant of the flagship GPT-5.4" in text["architectural-provenance"]
    assert "August 31, 2025" in text["dataset-composition"]
    assert "o200k_base" in text["tokenizer-integrity"]
    assert "Mixture-of-Experts" in text["parameter-density"]
    assert "citing competitive reasons" in text["training-compute"]
    assert "SWE-Bench Pro (54.4%)" in text["benchmark-reproducibility"]
    assert "competitor's product" in text["identity-consistency"]
    assert "$4.50/M output" in text["license-clarity"]
    assert "180-190 tokens/sec" in text["hardware-footprint"]
    assert "silent updates" in text["versioning-drift"]


def test_every_shipped_record_validates():
    records = list_records()
    assert {GPT_MINI, OPEN_MODEL, *CLOSED_MODELS} <= {p.resolve() for p in records}
    proc = subprocess.run([sys.executable, "-m", "audit", "validate", *map(str, records)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_integrity_record_cites_sources():
    for path in list_records():
        if load_record(path).record.rubric != "integrity-v1":
            continue
        result = score_record(path)
        for d in result.domains:
            for c in d.criteria:
                for i in c.indicators:
                    if i.status is not None:
                        assert i.sources, f"{path.name}: {i.id} has no source"
                        assert i.note, f"{path.name}: {i.id} has no note"


def test_open_model_scores_far_higher_than_closed_ones():
    open_total = score_record(OPEN_MODEL).total
    for closed in CLOSED_MODELS:
        closed_total = score_record(closed).total
        assert open_total >= closed_total + 25, (closed.name, open_total, closed_total)


def _fmti_names() -> set[str]:
    csv_path = SHARED / "fmti" / "fmti-indicators.csv"
    if not csv_path.is_file():
        pytest.skip(f"FMTI indicator CSV not found at {csv_path} (the shared data folder is absent)")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["Indicator"].strip() for row in csv.DictReader(fh) if row.get("Indicator")}


def test_every_fmti_name_exists_in_the_fmti_csv():
    names = _fmti_names()
    rubric = load_rubric("integrity-v1").rubric
    cited = {(i.id, name) for i in rubric.indicators() for name in i.fmti}
    assert cited, "integrity-v1 cites no FMTI indicator"
    unknown = sorted((ind, name) for ind, name in cited if name not in names)
    assert not unknown, f"FMTI names not in fmti-indicators.csv: {unknown}"

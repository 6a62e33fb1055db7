"""Importing the shared FMTI files and scoring them reproduces every published score."""

from __future__ import annotations

import csv

import pytest

from audit.fmti.editions import published_totals
from audit.fmti.reproduce import csv_domain_subtotals, reproduce, reproduce_table
from audit.fmti.rubricgen import build_rubric, rubric_specs, rubric_yaml
from audit.core.content import content_dir
from audit.scoring.names import norm_name


@pytest.fixture(scope="module")
def rows(shared_fmti):
    return reproduce(shared_fmti)


def test_all_24_published_totals_and_domain_subtotals(rows):
    from_scores = [r for r in rows if r.source.endswith("scores")]
    assert len(from_scores) == 24
    for edition, totals in published_totals().items():
        ours = {r.developer: r for r in from_scores if r.edition == edition}
        assert set(ours) == set(totals)
        for developer, published in totals.items():
            row = ours[developer]
            assert row.total == published, (edition, developer)
            assert row.domains == row.csv_domains, (edition, developer)
            assert sum(row.csv_domains.values()) == published


def test_the_2024_reports_agree_with_the_score_file(rows):
    reports = {r.developer: r for r in rows if r.source == "2024 reports"}
    scores = {r.developer: r for r in rows if r.source == "2024 scores"}
    assert len(reports) == 14 and reports.keys() == scores.keys()
    for developer, row in reports.items():
        assert row.matches, developer
        assert row.domains == scores[developer].domains
        assert row.model == scores[developer].model


def test_csv_subtotals_match_the_csv_total_rows(shared_fmti):
    """The independent count agrees with the files' own Total rows."""
    for source, path in (("2023 scores", "October2023/October2023_scores.csv"),
                         ("2024 scores", "May2024/May2024_scores.csv")):
        with open(shared_fmti / path, encoding="utf-8-sig", newline="") as handle:
            table = list(csv.reader(handle))
        header, total_row = table[0], next(r for r in table if "Total" in (r[0], r[2] if len(r) > 2 else ""))
        counted = csv_domain_subtotals(shared_fmti, source)
        for developer, domains in counted.items():
            assert sum(domains.values()) == int(total_row[header.index(developer)]), developer


def test_aliases_name_the_same_rows_as_the_indicator_list(shared_fmti):
    """Every alias in data/fmti/rubrics.yaml pairs names found at the same row position in the shared files."""
    aliases = {other: name for name, others in rubric_specs()["fmti-v1"].aliases.items() for other in others}
    def names(path, column):
        with open(shared_fmti / path, encoding="utf-8-sig", newline="") as handle:
            return [r[column] for r in list(csv.reader(handle))[1:] if norm_name(r[column]) != "total"]
    canonical = names("fmti-indicators.csv", 2)
    seen = set()
    for path, column in (("October2023/October2023_scores.csv", 2), ("May2024/May2024_scores.csv", 0),
                         ("May2024/May2024_disclosures.csv", 0)):
        for other, name in zip(names(path, column), canonical):
            if norm_name(other) != norm_name(name):
                assert aliases[other] == name
                seen.add(other)
    assert seen == set(aliases)


def test_checked_in_rubrics_are_generated_from_the_csvs(shared_fmti):
    for spec in rubric_specs().values():
        expected = rubric_yaml(spec, build_rubric(spec, shared_fmti))
        assert (content_dir("rubrics") / f"{spec.id}.yaml").read_text(encoding="utf-8") == expected, \
            f"rubrics/{spec.id}.yaml is stale: run `audit fmti build-rubrics`"


def test_reproduce_table_marks_every_row(rows):
    text = reproduce_table(rows)
    assert "Foundation Model Transparency Index, Stanford CRFM" in text
    assert text.count("✓") == len(rows) == 38
    assert "38 of 38 match" in text


def test_shipped_records_are_a_fresh_import(shared_fmti):
    """data/disclosures/fmti-2023 and fmti-2024 are exactly what `audit import fmti` writes today."""
    from audit.fmti.importer import import_files

    files = [shared_fmti / "October2023" / "October2023_scores.csv",
             *sorted((shared_fmti / "May2024" / "reports").glob("*.csv"))]
    records = import_files(files)
    assert len(records) == 24
    for rec in records:
        shipped = content_dir("data") / "disclosures" / rec.relpath
        assert shipped.read_text(encoding="utf-8") == rec.yaml(), f"{shipped} is stale: re-import it"

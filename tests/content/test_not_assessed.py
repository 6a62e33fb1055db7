"""The `not_assessed` disclosure status: the assessor did not read a source that would decide the
indicator. It needs a note naming what was not read, takes no quote or level, scores as not assessed
(no points, lower coverage, never a miss), crosses the crosswalk as not assessed, and cards show it
as "not assessed" with its note, never as "not disclosed". Below 60% coverage the headline carries
"assessed on N% of points" beside the grade.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from audit.render.compare_view import build_compare_view
from audit.render.html import result_html
from audit.render.markdown import result_markdown
from audit.scoring.pipeline import score_record

REPO = Path(__file__).resolve().parents[2]
RECORDS = REPO / "data" / "disclosures"
LLAMA = RECORDS / "meta" / "llama-4-maverick.yaml"
OPUS = RECORDS / "anthropic" / "claude-opus-5.5.yaml"
RECORDS_2026 = ["anthropic/claude-opus-5.5", "google/gemini-3.1-pro", "meta/llama-4-maverick",
                "mistral/mistral-large-3", "qwen/qwen3-235b-a22b", "deepseek/deepseek-v3.2",
                "allenai/olmo-3-32b"]


def _audit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audit", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=120)


def _indicators(result) -> dict:
    return {i.id: i for d in result.domains for c in d.criteria for i in c.indicators}


def _with_entry(tmp_path: Path, indicator: str, entry: str, source: Path = LLAMA) -> Path:
    """A copy of `source` with `indicator`'s entry replaced by the YAML lines `entry` (indented 4)."""
    text = source.read_text(encoding="utf-8")
    start = text.index(f"\n  {indicator}:\n") + 1
    end = start + len(f"  {indicator}:\n")
    while text[end:end + 4] == "    ":
        end = text.index("\n", end) + 1
    path = tmp_path / source.name
    path.write_text(text[:start] + f"  {indicator}:\n" + entry + text[end:], encoding="utf-8")
    return path


def _line_of(path: Path, key: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line == f"  {key}:")


# --- validation -----------------------------------------------------------------------------

def test_not_assessed_without_a_note_is_a_located_error(tmp_path):
    path = _with_entry(tmp_path, "params-total", "    status: not_assessed\n")
    run = _audit("validate", str(path))
    assert run.returncode == 2
    assert f"{path}:{_line_of(path, 'params-total')}: indicators.params-total.note: status 'not_assessed' " \
           "needs a `note`" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("field, value", [("quote", '"400B (Total)"'), ("level", "approximate")])
def test_not_assessed_takes_no_quote_or_level(tmp_path, field, value):
    path = _with_entry(tmp_path, "params-total", f"    status: not_assessed\n    {field}: {value}\n"
                                                  "    note: The config was not read.\n")
    run = _audit("validate", str(path))
    assert run.returncode == 2
    line = _line_of(path, "params-total") + 2
    assert f"{path}:{line}: indicators.params-total.{field}: status 'not_assessed' takes no `{field}`" \
           in run.stderr


def test_the_shipped_records_validate():
    run = _audit("validate")
    assert run.returncode == 0, run.stderr


# --- scoring ----------------------------------------------------------------------------------

def test_not_assessed_scores_as_not_assessed_and_lowers_coverage(tmp_path):
    base = score_record(LLAMA)
    (tmp_path / "nd").mkdir()
    missed = score_record(_with_entry(tmp_path / "nd", "params-total",
                                      "    status: not_disclosed\n    note: Checked and none found.\n"))
    unread = score_record(_with_entry(tmp_path, "params-total",
                                      "    status: not_assessed\n    note: The config was not read.\n"))
    row = _indicators(unread)["params-total"]
    assert (row.points, row.state, row.basis, row.status) == (None, "not_assessed", "none", "not_assessed")
    assert row.note == "The config was not read."
    assert "did not read" in row.reason and "disclosed" not in row.reason.lower()
    miss = _indicators(missed)["params-total"]
    assert (miss.points, miss.state) == (0, "missed")
    # same total as a miss (4 points lost either way), but only the not-assessed one lowers coverage
    assert unread.total == missed.total == base.total - 4
    assert missed.coverage == base.coverage
    assert unread.coverage == pytest.approx(base.coverage - 4)
    assert unread.assessed_max == missed.assessed_max - 4


def test_not_assessed_probe_indicator_gets_no_fallback(tmp_path):
    """A probe-backed indicator with a disclosure fallback: not_assessed earns no fallback points."""
    path = _with_entry(tmp_path, "identity-declared", "    status: disclosed\n    note: Stated.\n", OPUS)
    text = path.read_text().replace("indicators:\n", "indicators:\n  served-model:\n    status: not_assessed\n"
                                    "    note: The model overview page (alias to snapshot) was not read.\n", 1)
    path.write_text(text)
    row = _indicators(score_record(path))["served-model"]
    assert (row.points, row.state, row.status) == (None, "not_assessed", "not_assessed")
    assert "has not run" in row.reason and "did not read" in row.reason


def test_the_seed_card_still_reads_34_f():
    run = _audit("score", "data/disclosures/openai/gpt-5.4-mini.yaml")
    assert run.returncode == 0, run.stderr
    assert re.search(r"Total 34 / 100\s+Grade F\s+Coverage 94%", run.stdout)
    assert "assessed on" not in run.stdout  # 94% coverage: no low-coverage mark


# --- crosswalk --------------------------------------------------------------------------------

def test_a_not_assessed_counterpart_leaves_the_form_field_not_assessed(tmp_path):
    (tmp_path / "nd").mkdir()
    (tmp_path / "na").mkdir()
    checked = _with_entry(tmp_path / "nd", "params-total", "    status: not_disclosed\n    note: Checked and none found.\n")
    unread = _with_entry(tmp_path / "na", "params-total", "    status: not_assessed\n    note: Card not read.\n")
    field_checked = _indicators(score_record(checked, "eu-gpai-mdf"))["mdf-model-size"]
    field_unread = _indicators(score_record(unread, "eu-gpai-mdf"))["mdf-model-size"]
    assert (field_checked.status, field_checked.points) == ("not_disclosed", 0)
    assert (field_unread.state, field_unread.points) == ("not_assessed", None)


def test_fmti_crosswalk_treats_a_not_assessed_counterpart_as_not_assessed(tmp_path):
    record = RECORDS / "fmti-2024" / "meta.yaml"
    data = yaml.safe_load(record.read_text())
    base = _indicators(score_record(record, "integrity-v1"))
    target = next(i for i in base.values() if i.state != "not_assessed" and i.basis != "none")
    from audit.scoring.rubrics import load_rubric
    from audit.scoring.names import NameIndex
    index = NameIndex(load_rubric(data["rubric"]).rubric)
    ind = load_rubric("integrity-v1").rubric.indicator(target.id)
    counterpart = index.id_of(ind.fmti[0])
    data["indicators"][counterpart] = {"status": "not_assessed", "note": "The FMTI report's row was not read."}
    path = tmp_path / "meta.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    after = _indicators(score_record(path, "integrity-v1"))[target.id]
    assert (after.state, after.points) == ("not_assessed", None)


# --- cards ------------------------------------------------------------------------------------

def test_cards_show_not_assessed_with_the_note_never_not_disclosed():
    result = score_record(OPUS)
    row = _indicators(result)["params-total"]
    assert row.state == "not_assessed"
    html, md = result_html(result), result_markdown(result)
    data = json.loads(result.model_dump_json())
    assert "Not disclosed" not in html and "Not disclosed" not in md
    note = " ".join(row.note.split())
    assert "was not read" in note
    assert note in " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace("&#39;", "'")
    assert note in " ".join(md.split())
    json_row = next(i for d in data["domains"] for c in d["criteria"] for i in c["indicators"]
                    if i["id"] == "params-total")
    assert (json_row["status"], json_row["state"], json_row["points"]) == ("not_assessed", "not_assessed", None)


def test_low_coverage_headline_says_what_the_grade_rests_on():
    opus = score_record(OPUS)
    assert opus.coverage < 60
    html, md = result_html(opus), result_markdown(opus)
    on = f"assessed on {opus.coverage:.0f}% of points"
    assert f'<span class="badge-basis">{on}</span>' in html
    assert f"Grade {opus.grade} {on}: earned {opus.total} of the {opus.assessed_max} points assessed" in html
    assert f"**Grade {opus.grade}**" in md and f"**{on}**" in md
    seed = score_record(RECORDS / "openai" / "gpt-5.4-mini.yaml")
    assert "assessed on" not in result_html(seed) and "assessed on" not in result_markdown(seed)


def test_comparison_marks_low_coverage_grades():
    results = [score_record(RECORDS / f"{name}.yaml") for name in ("anthropic/claude-opus-5.5", "openai/gpt-5.4-mini")]
    rows = {r.model: r for r in build_compare_view(results).ranking}
    assert rows["Claude Opus 5.5"].low_coverage and rows["Claude Opus 5.5"].assessed_on == "assessed on 4% of points"
    assert not rows["GPT-5.4 mini"].low_coverage
    assert "assessed on N% of points" in build_compare_view(results).coverage_note


# --- the 2026 records -------------------------------------------------------------------------

@pytest.mark.parametrize("name", RECORDS_2026)
def test_2026_records_say_what_was_not_read_and_state_their_coverage(name):
    path = RECORDS / f"{name}.yaml"
    data = yaml.safe_load(path.read_text())
    for ind_id, entry in data["indicators"].items():
        note = " ".join((entry.get("note") or "").split())
        if entry["status"] == "not_assessed":
            assert "not read" in note, ind_id
        if entry["status"] == "not_disclosed":  # kept only where the text read is where it would be said
            assert "was not read" not in note.split(".")[0], ind_id
    result = score_record(path)
    note = " ".join(data["assessment"]["audit_note"].split())
    assert f"Coverage {result.coverage:g}%" in note
    assert f"the score is over that part, {result.total} of {result.assessed_max} " in note

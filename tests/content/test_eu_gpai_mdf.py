"""The eu-gpai-mdf rubric, its id crosswalk from integrity-v1 and FMTI 2025 records, and the 2026 records."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from audit.core.content import content_dir
from audit.core.errors import InputError
from audit.scoring.pipeline import score_record
from audit.scoring.rubrics import load_rubric
from audit.scoring.validate import validate_paths

ROOT = Path(__file__).resolve().parents[2]
RECORDS_2026 = ["anthropic/claude-opus-5.5", "google/gemini-3.1-pro", "meta/llama-4-maverick",
                "deepseek/deepseek-v3.2", "qwen/qwen3-235b-a22b", "allenai/olmo-3-32b", "mistral/mistral-large-3"]


def _record_path(name: str) -> Path:
    return content_dir("data") / "disclosures" / f"{name}.yaml"


def _indicators(result):
    return {i.id: i for d in result.domains for c in d.criteria for i in c.indicators}


def test_rubric_has_one_indicator_per_form_field_with_its_audience():
    rubric = load_rubric("eu-gpai-mdf").rubric
    titles = [i.title for i in rubric.indicators()]
    for number in ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "2.3–2.5", "2.6–2.7", "2.8", "3.1", "3.2",
                   "4.1", "4.2"):
        assert any(t.startswith(number + " ") for t in titles), number
    assert [d.title[:2] for d in rubric.domains] == ["1.", "2.", "3.", "4.", "5.", "6.", "7."]
    for indicator in rubric.indicators():
        assert re.search(r" — AIO · NCA( · DP)?$", indicator.title), indicator.title
        assert indicator.notes and indicator.notes.startswith("Form audience: "), indicator.id
    # the form's own marking, as read: authenticity and training time are not for downstream providers
    assert rubric.indicator("mdf-authenticity").title.endswith("AIO · NCA")
    assert rubric.indicator("mdf-training-time").title.endswith("AIO · NCA")
    assert rubric.indicator("mdf-model-name").title.endswith("AIO · NCA · DP")


def test_rubric_cites_snapshots_that_exist():
    rubric = load_rubric("eu-gpai-mdf").rubric
    prefixes = re.findall(r"snapshot ([0-9a-f]{8})…", rubric.source)
    assert len(prefixes) >= 4
    archived = [p.name for p in (content_dir("data") / "sources").iterdir()]
    for prefix in prefixes:
        assert any(name.startswith(prefix) for name in archived), prefix
    assert "Code of Practice for General-Purpose AI Models, Transparency Chapter" in rubric.source


def test_probe_checkable_fields_are_wired_to_declared_checks():
    rubric = load_rubric("eu-gpai-mdf").rubric
    wired = {i.id: (i.probe.probe, i.probe.check) for i in rubric.indicators() if i.probe}
    assert wired == {"mdf-authenticity": ("identity", "served-model"),
                     "mdf-input-modalities": ("serving", "context-window")}


def test_every_crosswalk_id_exists_in_the_rubric_it_names():
    rubric = load_rubric("eu-gpai-mdf").rubric
    named = {}
    for indicator in rubric.indicators():
        for source_id, ids in indicator.crosswalk.items():
            source = named.setdefault(source_id, load_rubric(source_id).rubric)
            for ind_id in ids:
                assert source.indicator(ind_id) is not None, (indicator.id, source_id, ind_id)
    assert set(named) == {"integrity-v1", "fmti-2025"}


def test_the_2026_records_and_the_rubric_validate():
    paths = [_record_path(n) for n in RECORDS_2026] + [content_dir("rubrics") / "eu-gpai-mdf.yaml"]
    validated = validate_paths(paths)
    assert len(validated) == len(paths)


def test_every_quote_in_the_2026_records_cites_a_snapshot():
    for name in RECORDS_2026:
        data = yaml.safe_load(_record_path(name).read_text(encoding="utf-8"))
        for ind_id, entry in data["indicators"].items():
            if entry.get("quote"):
                cited = [s.get("snapshot") or (s.get("via") or {}).get("snapshot") for s in entry["sources"]]
                assert any(cited), (name, ind_id)


def _expected_coverage(record_path: Path, source_rubric: str) -> float:
    rubric = load_rubric("eu-gpai-mdf").rubric
    entries = yaml.safe_load(record_path.read_text(encoding="utf-8"))["indicators"]
    assessed = {k for k, v in entries.items() if v["status"] != "not_assessed"}  # no deciding source read
    points = sum(i.points for i in rubric.indicators()
                 if i.crosswalk.get(source_rubric) and all(x in assessed for x in i.crosswalk[source_rubric]))
    return 100 * points / rubric.max_points


@pytest.mark.parametrize("name", RECORDS_2026 + ["openai/gpt-5.4-mini", "allenai/olmo-2-7b"])
def test_integrity_records_score_under_the_form_with_the_coverage_of_their_counterparts(name):
    path = _record_path(name)
    result = score_record(path, "eu-gpai-mdf")
    assert result.rubric.id == "eu-gpai-mdf"
    assert result.coverage == pytest.approx(_expected_coverage(path, "integrity-v1"), abs=0.01)
    rows = _indicators(result)
    assert rows["mdf-provider-name"].state == "not_assessed"  # no integrity-v1 counterpart
    if rows["mdf-model-size"].state != "not_assessed":  # params-total assessed in the record
        assert "Crosswalk from record under integrity-v1" in (rows["mdf-model-size"].note or "")


def test_crosswalk_statuses_follow_the_counterparts():
    llama = _indicators(score_record(_record_path("meta/llama-4-maverick"), "eu-gpai-mdf"))
    assert (llama["mdf-model-size"].status, llama["mdf-model-size"].points) == ("disclosed", 3)  # params-total
    claude = _indicators(score_record(_record_path("anthropic/claude-opus-5.5"), "eu-gpai-mdf"))
    # params-total is not_assessed (Anthropic's system card was not read): so is the field
    assert (claude["mdf-model-size"].state, claude["mdf-model-size"].points) == ("not_assessed", None)
    # Qwen: arch-configuration at headline-values (1 of 3) → design specs at values-only (1 of 3)
    qwen = _indicators(score_record(_record_path("qwen/qwen3-235b-a22b"), "eu-gpai-mdf"))
    assert (qwen["mdf-design-specs"].status, qwen["mdf-design-specs"].level) == ("partial", "values-only")
    # GPT-5.4 mini documents its served-model mapping: authenticity scores as a disclosure, capped
    gpt = _indicators(score_record(_record_path("openai/gpt-5.4-mini"), "eu-gpai-mdf"))
    assert gpt["mdf-authenticity"].basis == "disclosure_fallback"
    assert gpt["mdf-authenticity"].points <= 2


def test_an_fmti_2025_record_scores_under_the_form(tmp_path):
    record = tmp_path / "fmti-2025-acme.yaml"
    record.write_text("""rubric: fmti-2025
model: {vendor: Acme, name: Acme One}
assessment: {assessor: test}
indicators:
  basic-model-properties: {status: disclosed, note: "Architecture, size and modalities are listed."}
  model-dependencies: {status: not_disclosed}
  data-size: {status: disclosed}
  public-datasets: {status: disclosed}
  crawling: {status: not_disclosed}
  licensed-data-sources: {status: not_disclosed}
  synthetic-data-sources: {status: not_disclosed}
""", encoding="utf-8")
    result = score_record(record, "eu-gpai-mdf")
    rows = _indicators(result)
    assert rows["mdf-architecture"].status == "disclosed"
    assert rows["mdf-model-size"].status == "disclosed"
    assert rows["mdf-dependencies"].status == "not_disclosed"
    assert rows["mdf-data-points"].status == "disclosed"
    # 1 of 4 provenance counterparts: some but not all, so the lowest level (as in the FMTI crosswalk)
    assert (rows["mdf-data-provenance"].status, rows["mdf-data-provenance"].level) == ("partial", "categories-only")
    assert rows["mdf-license"].state == "not_assessed"
    assert result.coverage == pytest.approx(_expected_coverage(record, "fmti-2025"), abs=0.01)


def test_unknown_crosswalk_id_is_a_located_error(tmp_path):
    data = yaml.safe_load((content_dir("rubrics") / "eu-gpai-mdf.yaml").read_text(encoding="utf-8"))
    data["domains"][0]["criteria"][0]["indicators"][1]["crosswalk"]["integrity-v1"] = ["no-such-indicator"]
    rubric = tmp_path / "mdf-broken.yaml"
    rubric.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        score_record(_record_path("meta/llama-4-maverick"), str(rubric))
    message = str(caught.value)
    assert "no-such-indicator" in message and "mdf-model-name.crosswalk.integrity-v1" in message


def test_comparison_picture_is_shipped_and_linked():
    assert (ROOT / "docs" / "images" / "compare-2026.png").stat().st_size > 10_000
    content = (ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    assert "images/compare-2026.png" in content


# Claude Opus 5.5: every form field its quoted entries (cutoff, price) could answer also needs a counterpart
# it leaves not_assessed, so no quote crosses over
@pytest.mark.parametrize("name", [n for n in RECORDS_2026 if n != "anthropic/claude-opus-5.5"])
def test_a_crosswalked_quote_stays_verified_against_its_snapshot(name):
    rows = [i for i in _indicators(score_record(_record_path(name), "eu-gpai-mdf")).values() if i.quote]
    assert rows
    for row in rows:
        if not row.quote.startswith("["):  # one counterpart quote: carried over as it was
            assert row.quote_snapshot, row.id


def test_an_imported_fmti_2025_report_scores_under_the_form(tmp_path):
    from audit.core.atomic import write_all_atomic
    from audit.fmti.importer import import_files

    report = ROOT / "tests" / "fixtures" / "fmti" / "Example_Labs_fmtransparencyreport_Dec2025.csv"
    rec = import_files([report])[0]
    path = write_all_atomic({tmp_path / rec.relpath: rec.yaml()})[0]
    result = score_record(path, "eu-gpai-mdf")
    assert result.rubric.id == "eu-gpai-mdf"
    assert 0 < result.coverage < 100
    assert result.coverage == pytest.approx(_expected_coverage(path, "fmti-2025"), abs=0.01)
    rows = _indicators(result)
    assert "Crosswalk from record under fmti-2025" in (rows["mdf-training-energy"].note or "")


def test_validate_reports_an_unknown_crosswalk_id_with_its_line(tmp_path):
    import subprocess
    import sys

    text = (content_dir("rubrics") / "eu-gpai-mdf.yaml").read_text(encoding="utf-8")
    broken = text.replace("integrity-v1: [params-total]", "integrity-v1: [params-everything]", 1)
    assert broken != text
    rubric = tmp_path / "eu-gpai-mdf-broken.yaml"
    rubric.write_text(broken, encoding="utf-8")
    line = next(n for n, row in enumerate(broken.splitlines(), 1) if "params-everything" in row)
    done = subprocess.run([sys.executable, "-m", "audit", "validate", str(rubric)], capture_output=True, text=True)
    assert done.returncode == 2, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert f"{rubric}:{line}: mdf-model-size.crosswalk.integrity-v1:" in out
    assert "'params-everything' not in rubric integrity-v1" in out and "Traceback" not in out


def test_probe_findings_decide_the_two_live_fields():  # identity served-model, serving context-window
    from audit.schema.finding import Finding

    findings = [Finding(probe_id="identity-basic", kind="identity", check="served-model", outcome="pass",
                        message="every response named the requested model", exchanges=["x1"]),
                Finding(probe_id="serving-basic", kind="serving", check="context-window", outcome="partial",
                        message="the just-past prompt was served whole too", exchanges=["x2"])]
    rows = _indicators(score_record(_record_path("anthropic/claude-opus-5.5"), "eu-gpai-mdf", findings))
    assert (rows["mdf-authenticity"].basis, rows["mdf-authenticity"].points) == ("probe", 3)
    assert (rows["mdf-input-modalities"].basis, rows["mdf-input-modalities"].points) == ("probe", 2)
    assert rows["mdf-input-modalities"].level == "larger-than-declared"


def test_the_crosswalk_never_awards_the_level_a_probe_partial_awards():
    from audit.scoring.crosswalk import crosswalk_entry
    from audit.schema.disclosure import IndicatorDisclosure

    field = load_rubric("eu-gpai-mdf").rubric.indicator("mdf-input-modalities")
    entry = crosswalk_entry(field, {"a": 0.7}, {"a": IndicatorDisclosure(status="partial", level="x")}, "test")
    assert (entry.status, entry.level) == ("partial", "modalities-only")

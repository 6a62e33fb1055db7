"""`audit compare` takes live audits (a run folder or its result.json) beside disclosure records."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from audit.cli.app import app
from audit.scoring.pipeline import score_record
from audit.scoring.compare_inputs import score_records
from audit.render.compare_view import build_compare_view
from audit.render.json import result_json
from audit.schema.finding import Finding

runner = CliRunner()
GPT = Path("data/disclosures/openai/gpt-5.4-mini.yaml")
OLMO = Path("data/disclosures/allenai/olmo-2-7b.yaml")


def _run_folder(tmp_path: Path, rubric_id: str | None = None) -> Path:
    """A run folder as `audit run` leaves it: result.json scored with a probe finding (its rubric stamp
    replaced by `rubric_id`, if given)."""
    finding = Finding(probe_id="identity-consistency", kind="identity", check="self-identification",
                      outcome="pass", message="named the declared identity", exchanges=["identity-consistency/x"])
    result = score_record(GPT, findings=[finding]).model_copy(update={"run_id": "weekly-07"})
    if rubric_id:
        result = result.model_copy(update={"rubric": result.rubric.model_copy(update={"id": rubric_id})})
    folder = tmp_path / "runs" / "weekly-07"
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(result_json(result), encoding="utf-8")
    return folder


def test_a_run_is_compared_as_its_run_scored_it(tmp_path):
    folder = _run_folder(tmp_path)
    live, olmo = score_records([folder, OLMO])
    assert live.run_id == "weekly-07" and live.findings[0].check == "self-identification"
    assert live.total == score_record(GPT, findings=live.findings).total
    rows = {r.model: r for r in build_compare_view([live, olmo]).ranking}
    assert rows["GPT-5.4 mini"].basis.startswith("live audit, run weekly-07 (")
    assert rows["OLMo 2 7B"].basis == ""
    assert score_records([folder / "result.json"])[0].run_id == "weekly-07"  # the file itself works too
    assert [r.run_id for r in score_records([tmp_path / "runs"])] == ["weekly-07"]  # and a folder of runs


def test_compare_command_writes_the_live_row(tmp_path):
    folder = _run_folder(tmp_path)
    res = runner.invoke(app, ["compare", str(folder), str(OLMO), "--out", str(tmp_path / "cmp"), "--no-pdf"])
    assert res.exit_code == 0, res.output
    assert "live audit, run weekly-07" in (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")


def test_a_run_scored_with_another_rubric_is_refused(tmp_path):
    folder = _run_folder(tmp_path, rubric_id="fmti-v1")
    res = runner.invoke(app, ["compare", str(folder), str(OLMO), "--rubric", "integrity-v1",
                              "--out", str(tmp_path / "cmp"), "--no-pdf"])
    assert res.exit_code == 2
    assert "scored with rubric 'fmti-v1', not 'integrity-v1'" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "cmp").exists()


def test_a_damaged_result_is_located(tmp_path):
    folder = _run_folder(tmp_path)
    path = folder / "result.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"total": ', '"total": "many", "x": ', 1),
                    encoding="utf-8")
    res = runner.invoke(app, ["compare", str(folder), "--out", str(tmp_path / "cmp"), "--no-pdf"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"{path}:" in res.output and "total" in res.output and "x: unknown key" in res.output

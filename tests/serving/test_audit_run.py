"""`audit run --probes serving-integrity` against the reference endpoint: the plan prints the long-context
prompts and their cost before anything is sent, --max-cost counts them, and the card carries the serving
section (HTML and Markdown) with the findings' evidence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from audit.cli.app import app
from audit.reference import ReferenceServer

RUBRIC = Path(__file__).resolve().parents[1] / "fixtures" / "mini-rubric.yaml"


def _record(tmp: Path) -> Path:
    path = tmp / "record.yaml"
    path.write_text(yaml.safe_dump({
        "rubric": "mini", "model": {"vendor": "Reference Labs", "name": "Reference Model", "api_id": "reference-model",
                                    "price": {"input_per_million": 1.0, "output_per_million": 4.0}},
        "declared": {"context_window": 8192},
        "indicators": {"arch-family": {"status": "partial", "level": "vague", "quote": "a model"},
                       "arch-probe": {"status": "disclosed"}}}))
    return path


def _run(tmp: Path, server, *extra: str):
    return CliRunner().invoke(app, ["run", str(_record(tmp)), "--rubric", str(RUBRIC), "--endpoint", server.base_url,
                                    "--model", "reference-model", "--probes", "serving-integrity",
                                    "--out", str(tmp / "out"), "--run-id", "serve", "--no-history", *extra])


def test_the_plan_shows_the_long_context_prompts_and_their_cost(tmp_path):
    with ReferenceServer("serving") as server:
        res = _run(tmp_path, server, "--dry-run")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    line = re.search(r"serving-integrity: long-context prompts \(window 8,192: 95% and just past it, then a search "
                     r"within 32,768 tokens to a resolution of 128\): up to (\d+) calls, ([\d,]+) input and ([\d,]+) "
                     r"output tokens, at most ([\d.]+) USD", text)
    assert line, text
    assert int(line.group(2).replace(",", "")) >= 0.95 * 8192 + 8192 + 32768
    assert "nothing sent" in text and not (tmp_path / "out").exists()


def test_max_cost_stops_before_the_long_prompts(tmp_path):
    with ReferenceServer("serving") as server:
        res = _run(tmp_path, server, "--max-cost", "0.004")
        sent = server.requests.total
    assert res.exit_code == 0, res.output
    assert "stopped: max-cost" in " ".join(res.output.split())
    lines = (tmp_path / "out" / "runs" / "serve" / "evidence.jsonl").read_text().splitlines()
    keys = {json.loads(line)["key"] for line in lines}
    assert "ctx.accept" not in keys and len(lines) == sent  # the 7,700-token prompt would pass the cap


def test_the_card_carries_the_serving_section(tmp_path):
    with ReferenceServer("serving-middle-out") as server:
        res = _run(tmp_path, server)
    assert res.exit_code == 0, res.output
    folder = tmp_path / "out" / "runs" / "serve"
    [html] = (folder / "card").glob("*.html")
    [md] = (folder / "card").glob("*.md")
    for text in (html.read_text(), md.read_text()):
        assert "Serving integrity (serving-integrity)" in text
        assert "No silent truncation" in text and "Declared context window served" in text
        assert "serving-integrity/ctx.past" in text
    findings = json.loads((folder / "findings.json").read_text())
    checks = {f["check"]: f["outcome"] for f in findings if f["kind"] == "serving"}
    assert checks["silent-truncation"] == "fail" and checks["tool-arguments-schema"] == "pass"

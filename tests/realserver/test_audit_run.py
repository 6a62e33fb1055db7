"""`audit run` with the shipped tokenizer probe against llama-cpp-python serving a tiny Llama-3 model."""

from __future__ import annotations

import json

import pytest
import yaml

from audit.scoring.rubrics import load_rubric

pytestmark = pytest.mark.realserver


def _record(path, tokenizer: str) -> None:
    """A record that declares `tokenizer` and marks every disclosure indicator not disclosed."""
    rubric = load_rubric("integrity-v1").rubric
    indicators = {ind.id: {"status": "not_disclosed"}
                  for domain in rubric.domains for criterion in domain.criteria for ind in criterion.indicators
                  if ind.evidence == "disclosure"}
    path.write_text(yaml.safe_dump({
        "rubric": "integrity-v1",
        "model": {"vendor": "Test Lab", "name": "Tiny Llama 3", "api_id": "tiny-llama3"},
        "declared": {"tokenizer": tokenizer, "vocabulary_size": 128256},
        "indicators": indicators}))


@pytest.mark.parametrize("declared,expected", [("llama-3", "pass"), ("o200k_base", "fail")])
def test_tokenizer_probe_identifies_the_real_servers_tokenizer(llama_cpp_server, tmp_path, cli, declared, expected):
    record = tmp_path / "record.yaml"
    _record(record, declared)
    result = cli("run", str(record), "--endpoint", llama_cpp_server.base_url, "--model", "tiny-llama3",
                 "--probes", "tokenizer-integrity", "--out", str(tmp_path / "out"), "--run-id", "real",
                 timeout=600)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "runs" / "real"
    exchanges = [json.loads(line) for line in (folder / "evidence.jsonl").read_text().splitlines()]
    assert exchanges and all(e["ok"] for e in exchanges)
    assert {e["served_model"] for e in exchanges} == {"tiny-llama3"}
    findings = json.loads((folder / "result.json").read_text())["findings"]
    matches = [f for f in findings if f["values"].get("declared") == declared]
    assert matches and matches[0]["outcome"] == expected, findings

"""The tokenizer probe against real servers: llama-cpp-python's server and llama.cpp's llama-server serving
tiny random-weight models with real Llama-3 and Qwen2 vocabularies, a LiteLLM proxy that advertises
`gpt-4o` but routes to Qwen2, and `audit run` filling integrity-v1's Tokenizer Integrity indicators."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

import pytest
import yaml

from audit.scoring.rubrics import load_rubric
from audit.probes.registry import find_probe
from audit.schema.disclosure import DeclaredFacts
from tests.support.tokenizer_drive import probe_endpoint
from audit.probes.tokenizer.findings import check_overhead
from audit.probes.tokenizer.pool import CANDIDATES

realserver = pytest.mark.realserver
TOKENIZER_INDICATORS = {"tokenizer-match": 2, "vocab-consistent": 1, "hidden-overhead": 1, "completion-billing": 1}


@dataclass(frozen=True)
class Served:
    server: str        # fixture name
    model: str         # alias the server serves
    observed: str      # the catalog class the counts must match
    declared: str      # what a vendor would declare (a catalog alias)
    vocabulary: int    # a vocabulary size a vendor would declare
    overhead: int      # measured prompt tokens a bare message costs beyond its own
    template: str      # the catalog template that overhead is


CASES = [
    Served("llama_cpp_server", "tiny-llama3", "llama-3", "Llama-3.1-8B", 128256, 10, "llama-3"),
    Served("llama_cpp_server", "tiny-qwen2", "qwen2", "Qwen2.5-7B-Instruct", 152064, 18, "qwen2"),
    Served("llama_server", "tiny-llama3", "llama-3", "llama-3", 128256, 10, "llama-3"),
    Served("llama_server_qwen2", "tiny-qwen2", "qwen2", "qwen2", 151936, 18, "qwen2"),
]


def _probe(base_url: str, model: str, evidence, declared: DeclaredFacts, api_key: str | None = None):
    findings, done = probe_endpoint(find_probe("tokenizer-integrity"), base_url, model, evidence,
                                    declared=declared, api_key=api_key)
    return {f.check: f for f in findings}, done


def test_probe_segments_are_nfc_stable():
    """Found on real servers: llama.cpp does not NFC-normalise, Qwen's own tokenizer does, so NFC-unstable
    text (a Zalgo line) counted 2 tokens more under llama.cpp's Qwen2 and the counts read `unknown`."""
    assert [s for s in CANDIDATES if unicodedata.normalize("NFC", s) != s] == []
    design = find_probe("tokenizer-integrity").design
    assert all(unicodedata.normalize("NFC", p.text) == p.text for p in design.probes)


def test_every_loader_of_a_vocabulary_counts_the_pool_alike():
    """The same vocabulary loaded two ways (Qwen's package vs llama.cpp's GGUF, tiktoken vs quicktok, ...)
    must count every pool segment alike, or a server's implementation would decide the class."""
    from audit.tokenizers.base import TokenizerUnavailable
    from audit.tokenizers.catalog import load_catalog
    from audit.tokenizers.loaders import load_with
    from audit.probes.tokenizer.pool import BASE_TEXT

    compared = 0
    for entry in load_catalog().tokenizers:
        loaded = []
        for spec in entry.loaders:
            try:
                loaded.append(load_with(spec.model_dump(exclude_none=True), entry.name, entry.vocab_size))
            except TokenizerUnavailable:
                continue
        for other in loaded[1:]:
            compared += 1
            for segment in CANDIDATES:
                text = BASE_TEXT + "\n" + segment
                assert other.count(text) == loaded[0].count(text), (entry.name, other.source, segment)
    if compared == 0:
        pytest.skip("no vocabulary loads two ways here")


@pytest.mark.parametrize("overhead,outcome,template,excess", [
    (8, "pass", "chatml", 0), (18, "pass", "qwen2", 0), (29, "pass", "qwen2.5", 0), (12, "partial", "chatml", 4),
    (40, "partial", "qwen2.5", 11), (70, "fail", "qwen2.5", 41), (5, "pass", "chatml", -3)])
def test_overhead_is_measured_from_the_nearest_known_template_below(overhead, outcome, template, excess):
    """Qwen2's official template injects a default system prompt (18 tokens, measured on both servers):
    that is the documented template, not a hidden prompt."""
    probe = find_probe("tokenizer-integrity")
    verdict = check_overhead(probe.design.class_of("qwen2"), overhead, pass_excess=probe.params.overhead_pass_excess,
                             fail_excess=probe.params.overhead_fail_excess)
    assert (verdict.outcome, verdict.values["matched_template"], verdict.values["excess_tokens"]) == (
        outcome, template, excess), verdict.message


@realserver
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.server}-{c.model}")
def test_real_server_is_identified_with_three_calls(request, tmp_path, case):
    server = request.getfixturevalue(case.server)
    design = find_probe("tokenizer-integrity").design
    found, done = _probe(server.base_url, case.model, tmp_path / "evidence.jsonl",
                         DeclaredFacts(tokenizer=case.declared, vocabulary_size=case.vocabulary))

    values = found["tokenizer-match"].values
    assert values["status"] == "match" and values["observed_class"] == case.observed, values
    assert case.observed in values["members"]
    assert values["calls"] == 3 and len(done) == 3  # base and both probes, sent together
    assert values["deltas"] == design.class_of(case.observed).expected
    assert found["tokenizer-match"].outcome == "pass", found["tokenizer-match"].message
    assert found["vocab-consistent"].outcome == "pass", found["vocab-consistent"].message

    overhead = found["hidden-overhead"]
    assert overhead.values["overhead_tokens"] == case.overhead
    assert overhead.values["matched_template"] == case.template
    assert overhead.outcome == "pass", overhead.message

    # Random weights emit token sequences that do not always re-tokenize to the same count (a character
    # split over byte tokens, newlines merged): the canonical count is only a lower bound, so an honest
    # server's counts lie between it and the most the text could take, and billing passes.
    billing = found["completion-billing"]
    assert billing.outcome == "pass", billing.message
    reported = [e.usage.output_tokens for e in done.values() if e.usage and e.usage.output_tokens is not None]
    assert billing.values["reported_completion_tokens"] == sum(reported)
    assert billing.values["counted_completion_tokens"] > 0

    assert {e.served_model for e in done.values()} == {case.model}
    assert found["served-model-substitution"].outcome == "not_available"  # tiny-* names map to no tokenizer


# Single-user-message equivalents of Llama-3.1/3.2's template (a system turn dated today) and Qwen2.5's
# (a default system prompt), for llama-server's --chat-template-file.
LLAMA31_TEMPLATE = (
    "{{- bos_token }}{%- set today = strftime_now('%d %b %Y') %}"
    "{{- '<|start_header_id|>system<|end_header_id|>\\n\\nCutting Knowledge Date: December 2023\\nToday Date: '"
    " + today + '\\n\\n<|eot_id|>' }}"
    "{%- for m in messages %}{{- '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n'"
    " + m['content'] | trim + '<|eot_id|>' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}")
QWEN25_TEMPLATE = (
    "{%- if messages[0]['role'] != 'system' %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. "
    "You are a helpful assistant.<|im_end|>\\n' }}{%- endif %}"
    "{%- for m in messages %}{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")


@realserver
@pytest.mark.parametrize("alias,template,observed,overhead,name", [
    ("tiny-llama3", LLAMA31_TEMPLATE, "llama-3", 35, "llama-3.1"),
    ("tiny-qwen2", QWEN25_TEMPLATE, "qwen2", 29, "qwen2.5"),
], ids=["llama-3.1-template", "qwen2.5-template"])
def test_official_template_overheads_on_llama_server(templated_llama_server, tiny_models, tmp_path, alias, template,
                                                     observed, overhead, name):
    template_file = tmp_path / "template.jinja"
    template_file.write_text(template, encoding="utf-8")
    with templated_llama_server(tiny_models[alias], template_file, alias=alias) as server:
        found, done = _probe(server.base_url, alias, tmp_path / "evidence.jsonl", DeclaredFacts())
    assert found["tokenizer-match"].values["observed_class"] == observed and len(done) == 3
    assert found["hidden-overhead"].values["overhead_tokens"] == overhead
    assert found["hidden-overhead"].values["matched_template"] == name
    assert found["hidden-overhead"].outcome == "pass", found["hidden-overhead"].message


@realserver
def test_litellm_substitution_is_caught(litellm_proxy, tmp_path):
    evidence = tmp_path / "evidence.jsonl"
    found, done = _probe(litellm_proxy.base_url, "gpt-4o", evidence,
                         DeclaredFacts(tokenizer="o200k_base", vocabulary_size=200000),
                         api_key=litellm_proxy.master_key)

    assert {e.served_model for e in done.values()} == {"gpt-4o"}  # the proxy answers with the advertised name
    assert found["tokenizer-match"].values["observed_class"] == "qwen2"
    assert len(done) == 3

    substitution = found["served-model-substitution"]
    assert substitution.outcome == "fail", substitution.message
    assert substitution.values["named_model"] == "gpt-4o"
    assert substitution.values["named_class"] == "o200k_base"
    assert "qwen2" in substitution.message

    assert found["tokenizer-match"].outcome == "fail"
    assert found["tokenizer-match"].values["declared_class"] == "o200k_base"
    assert found["vocab-consistent"].outcome == "fail"
    for written in (evidence, litellm_proxy.config_path, litellm_proxy.log_path):
        assert litellm_proxy.master_key not in written.read_text(encoding="utf-8", errors="replace"), written


def _record(path, tokenizer: str, vocabulary: int) -> None:
    """integrity-v1 record declaring the served tokenizer; tokenizer-identified disclosed, the rest not."""
    rubric = load_rubric("integrity-v1").rubric
    indicators = {i.id: {"status": "not_disclosed"} for i in rubric.indicators() if i.evidence == "disclosure"}
    indicators["tokenizer-identified"] = {"status": "disclosed", "note": "the served GGUF carries this tokenizer"}
    path.write_text(yaml.safe_dump({
        "rubric": "integrity-v1",
        "model": {"vendor": "Test Lab", "name": "Tiny Llama 3"},
        "declared": {"tokenizer": tokenizer, "vocabulary_size": vocabulary},
        "indicators": indicators}, sort_keys=False), encoding="utf-8")


@realserver
@pytest.mark.parametrize("server_fixture", ["llama_server", "llama_cpp_server"])
def test_audit_run_fills_tokenizer_integrity_from_the_probe(request, tmp_path, cli, server_fixture):
    server = request.getfixturevalue(server_fixture)
    record = tmp_path / "record.yaml"
    _record(record, "llama-3", 128256)
    out = tmp_path / "out"
    result = cli("run", str(record), "--endpoint", server.base_url, "--model", "tiny-llama3",
                 "--probes", "tokenizer-integrity", "--out", str(out), "--run-id", "tok", "--no-history",
                 timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr

    folder = out / "runs" / "tok"
    scored = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    criterion = next(c for d in scored["domains"] for c in d["criteria"] if c["id"] == "tokenizer-integrity")
    indicators = {i["id"]: i for i in criterion["indicators"]}
    for indicator_id, points in TOKENIZER_INDICATORS.items():
        got = indicators[indicator_id]
        assert got["basis"] == "probe", got
        assert got["findings"] == [f"tokenizer-integrity:{indicator_id}"]
        if indicator_id != "completion-billing":  # see the billing note above
            assert got["points"] == points and got["state"] == "awarded", got
    assert indicators["tokenizer-identified"]["basis"] == "disclosure"

    findings = {f["check"]: f for f in scored["findings"] if f["kind"] == "tokenizer"}
    assert findings["tokenizer-match"]["values"]["observed_class"] == "llama-3"
    assert findings["hidden-overhead"]["values"]["overhead_tokens"] == 10
    card = next((folder / "card").glob("*.md")).read_text(encoding="utf-8")
    assert "**Observed tokenizer:** llama-3" in card and "10 tokens of overhead" in card
    assert "completion\\_tokens" in card

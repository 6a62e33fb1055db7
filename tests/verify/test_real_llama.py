"""`audit verify` end to end against real llama.cpp servers (llama-server), log-prob, border and MMD modes.

The reference is a tiny random-weight model at F16; a second F16 instance must verify as the same
(exit 0) and the same weights re-quantized by llama-quantize to Q4_0 must differ (exit 1), with
the same per-call seeds sent to both sides. The one-token border battery found on the reference
costs one output token per call.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.realserver.testing import require_real_servers, tiny_models  # noqa: F401

pytestmark = pytest.mark.realserver

RECORD = "data/disclosures/allenai/olmo-2-7b.yaml"


@pytest.fixture(scope="module")
def variants(tiny_models):  # noqa: F811 (the vocab and gguf checks)
    from tests.support.realserver.paths import llama_server_bin
    from tests.support.realserver.tiny_gguf import build_tiny_model

    if not llama_server_bin().is_file():
        if not require_real_servers():
            pytest.skip("llama-server is not built (scripts/setup-real-servers.sh --llama-server)")
        from tests.support.realserver.build import build_llama_server

        build_llama_server()
    base = build_tiny_model("gpt-2", seed=11, scale=1.0)
    out = {"f16": base}
    for kind in ("Q4_0", "Q8_0"):
        path = base.with_name(f"{base.stem}-{kind.lower()}.gguf")
        if not path.is_file():
            subprocess.run([str(llama_server_bin().with_name("llama-quantize")), str(base), str(path), kind],
                           check=True, capture_output=True)
        out[kind.lower()] = path
    return out


def test_verify_border_mode_same_weights_then_q4_0(cli, tmp_path, variants):
    from tests.support.realserver.servers import LlamaServer

    env = {"AUDIT_HISTORY_DB": str(tmp_path / "h.sqlite")}
    with LlamaServer(variants["f16"], alias="tiny", n_threads=1) as official, \
            LlamaServer(variants["f16"], alias="tiny", n_threads=1) as copy, \
            LlamaServer(variants["q4_0"], alias="tiny", n_threads=1) as quantized:
        ref = ["--reference-endpoint", official.base_url, "--reference-model", "tiny", "--mode", "border",
               "--out", str(tmp_path / "out")]
        same = cli("verify", RECORD, *ref, "--endpoint", copy.base_url, "--model", "tiny", "--run-id", "same", env=env)
        assert same.returncode == 0, same.stdout + same.stderr
        differs = cli("verify", RECORD, *ref, "--endpoint", quantized.base_url, "--model", "tiny", "--run-id", "q4",
                      env=env)
    assert differs.returncode == 1, differs.stdout + differs.stderr
    assert "differs from the reference" in differs.stdout and "mixed routing: a share of" in differs.stdout
    for run in ("same", "q4"):
        report = json.loads((tmp_path / "out" / "runs" / run / "verify.json").read_text())
        assert report["mode"] == "border"
        assert report["report"]["current_output_tokens"] <= report["report"]["current_calls"] <= 400
    chosen = json.loads((tmp_path / "out" / "runs" / "q4-discovery" / "border.json").read_text())["chosen"]
    assert len(chosen) >= 8 and all(c["counts"][1] >= 2 for c in chosen)


def test_verify_logprob_mode_same_weights_then_q8_0(cli, tmp_path, variants):
    """llama-server returns Chat Completions logprobs (ggml-org/llama.cpp PR 10783), and the model name
    matches a request profile that offers them, so auto picks the log-prob mode: 48 prompts x 2
    temperature-0 calls, one output token and its top-5 log-probabilities each. The second F16 instance
    is the same; Q8_0, the smallest change, differs on the log-prob component."""
    from tests.support.realserver.servers import LlamaServer

    env = {"AUDIT_HISTORY_DB": str(tmp_path / "h.sqlite")}
    with LlamaServer(variants["f16"], alias="tiny", n_threads=1) as official, \
            LlamaServer(variants["f16"], alias="tiny", n_threads=1) as copy, \
            LlamaServer(variants["q8_0"], alias="tiny", n_threads=1) as quantized:
        ref = ["--reference-endpoint", official.base_url, "--reference-model", "tiny", "--out", str(tmp_path / "out")]
        same = cli("verify", RECORD, *ref, "--endpoint", copy.base_url, "--model", "tiny", "--run-id", "lp-same",
                   env=env)
        assert same.returncode == 0, same.stdout + same.stderr
        differs = cli("verify", RECORD, *ref, "--endpoint", quantized.base_url, "--model", "tiny", "--run-id", "lp-q8",
                      env=env)
    assert differs.returncode == 1, differs.stdout + differs.stderr
    for run in ("lp-same", "lp-q8"):
        report = json.loads((tmp_path / "out" / "runs" / run / "verify.json").read_text())
        assert report["mode"] == "logprob"
        assert report["report"]["current_output_tokens"] <= report["report"]["current_calls"] == 96
    tests = {t["name"]: t for t in json.loads((tmp_path / "out" / "runs" / "lp-q8" / "verify.json").read_text())
             ["report"]["tests"]}
    assert tests["logprob"]["p_value"] <= 0.05

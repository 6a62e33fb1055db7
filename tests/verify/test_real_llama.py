"""`audit verify` end to end against real llama.cpp servers (llama-server), border and MMD modes.

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
    q4 = base.with_name(f"{base.stem}-q4_0.gguf")
    if not q4.is_file():
        subprocess.run([str(llama_server_bin().with_name("llama-quantize")), str(base), str(q4), "Q4_0"],
                       check=True, capture_output=True)
    return {"f16": base, "q4_0": q4}


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

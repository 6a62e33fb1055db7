"""Drift audits against real llama.cpp servers (llama-cpp-python) before and after a silent change.

The model behind the alias `tiny-drift` is swapped while its name, tokenizer and API stay the same
(support/drift_llama.py): other weights, or the same weights re-quantized F16 -> Q8_0 / Q4_0.
`audit baseline` then `audit drift` must exit 1 on each change and 0 on the unchanged model,
re-served by a freshly started server (a restart replays llama-cpp-python's own seed sequence;
the battery's per-call seeds keep the draws independent anyway).

Every sampled call carries a seed drawn from the run id and the call key, the runs' ids are fixed
here, and llama.cpp on one thread is deterministic: each verdict below is a fixed outcome, not a
coin flip at alpha. How often the test alarms over many independent audits is measured by
bench/drift_power.py, not here.
"""

from __future__ import annotations

import json
from collections import Counter

import httpx2
import numpy as np
import pytest

from audit.probes.drift.kernels import hamming_kernel, tokens

pytestmark = pytest.mark.realserver

RECORD = "data/disclosures/allenai/olmo-2-7b.yaml"
PROMPTS = ["Begin a short story about a lighthouse keeper.", "Give one tip for sleeping better.",
           "Describe a city at night in one sentence."]
SEEDS = range(12)


def _samples(server, prompt: str, seeds=SEEDS) -> list[str]:
    with httpx2.Client(timeout=120) as client:
        out = []
        for seed in seeds:
            reply = client.post(server.base_url + "/chat/completions", json={
                "model": "tiny-drift", "messages": [{"role": "user", "content": prompt}],
                "temperature": 1.0, "max_tokens": 24, "seed": seed})
            assert reply.status_code == 200, reply.text
            out.append(reply.json()["choices"][0]["message"]["content"])
        return out


def _cross_similarity(a: list[str], b: list[str]) -> float:
    """Mean positional Hamming similarity between the two groups (1 = identical texts)."""
    gram = hamming_kernel(a + b)
    return float(gram[: len(a), len(a):].mean())


def _within_similarity(a: list[str]) -> float:
    gram = hamming_kernel(a)
    return float(gram[~np.eye(len(a), dtype=bool)].mean())


def test_tiny_models_are_peaked_and_their_changes_are_visible(drift_serve):
    samples = {}
    for variant in ("base", "swap", "q4_0"):
        with drift_serve(variant) as server:
            samples[variant] = {p: _samples(server, p) for p in PROMPTS}
    with drift_serve("base") as server:  # restarted: the same seeds give the same completions
        assert _samples(server, PROMPTS[0], SEEDS[:3]) == samples["base"][PROMPTS[0]][:3]

    for prompt in PROMPTS:
        base = samples["base"][prompt]
        # Not uniform noise: over a 50k-token vocabulary, 12 uniform draws would almost never share
        # a first word; here the most common first word comes back in a quarter of the samples or more.
        first_words = Counter(tokens(text)[0] for text in base if tokens(text))
        assert first_words.most_common(1)[0][1] >= 3, (prompt, first_words)
        # Other weights: the completions look alike within the model and not across models.
        assert _within_similarity(base) > 2 * _cross_similarity(base, samples["swap"][prompt]) + 0.05, prompt
    # Re-quantized to 4 bits: with the same seeds the F16 and Q4_0 models part ways in some completions.
    differing = sum(a != b for p in PROMPTS for a, b in zip(samples["base"][p], samples["q4_0"][p]))
    assert differing >= len(PROMPTS) * len(SEEDS) // 4, differing


def _drift_cli(cli, serve, tmp_path):
    """(env, out, audit): a baseline `tiny-f16` recorded from `serve("base")`, and a function
    running `audit drift` against a freshly served variant."""
    env = {"AUDIT_HISTORY_DB": str(tmp_path / "history.sqlite"), "AUDIT_BASELINES_DIR": str(tmp_path / "baselines")}
    out = tmp_path / "out"
    with serve("base") as server:
        done = cli("baseline", RECORD, "--endpoint", server.base_url, "--model", "tiny-drift", "--name", "tiny-f16",
                   env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "240 answers" in done.stdout

    def audit(variant: str, run_id: str):
        with serve(variant) as server:
            return cli("drift", RECORD, "--baseline", "tiny-f16", "--endpoint", server.base_url, "--model", "tiny-drift",
                       "--out", str(out), "--run-id", run_id, "--summary", str(tmp_path / f"{run_id}.md"), env=env,
                       timeout=600)

    return env, out, audit


def test_baseline_then_drift_detects_weight_and_quantization_changes(cli, drift_serve, tmp_path):
    env, out, audit = _drift_cli(cli, drift_serve, tmp_path)
    stable = audit("base", "same-model")
    assert stable.returncode == 0, stable.stdout + stable.stderr
    assert "No drift detected" in (tmp_path / "same-model.md").read_text()

    for variant in ("swap", "q8_0", "q4_0"):
        changed = audit(variant, f"silent-{variant.replace('_', '-')}")
        assert changed.returncode == 1, (variant, changed.stdout + changed.stderr)
        report = json.loads((out / "runs" / f"silent-{variant.replace('_', '-')}" / "drift.json").read_text())["report"]
        assert report["verdict"] == "drift" and report["p_value"] <= 0.05
        # The served name stayed the same: only the behaviour gives the change away.
        assert not report["fingerprint"]["model_changed"]

    # A drift run is rescored identically from its folder alone (the baseline travels with it).
    rescored = cli("rescore", str(out / "runs" / "silent-q4-0"), env=env)
    assert rescored.returncode == 0 and "result.json unchanged" in rescored.stdout, rescored.stdout + rescored.stderr

    history = cli("history", "tiny-drift", env=env)
    assert history.returncode == 0, history.stderr
    assert "drift trend: .XXX" in history.stdout, history.stdout
    html = next((out / "runs" / "silent-q4-0" / "card").glob("*.html")).read_text()
    assert "Drift timeline" in html and "<svg" in html


def test_llama_server_unchanged_is_stable_and_q4_requantization_is_drift(cli, drift_llama_server, tmp_path):
    _, out, audit = _drift_cli(cli, drift_llama_server, tmp_path)
    stable = audit("base", "same-model")
    assert stable.returncode == 0, stable.stdout + stable.stderr
    changed = audit("q4_0", "silent-q4-0")
    assert changed.returncode == 1, changed.stdout + changed.stderr
    report = json.loads((out / "runs" / "silent-q4-0" / "drift.json").read_text())["report"]
    assert report["verdict"] == "drift" and not report["fingerprint"]["model_changed"]

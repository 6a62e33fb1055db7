"""`audit verify` end to end over HTTP against two reference endpoints (audit serve-reference).

The two servers run the same profile; version "b" of it is a silent update. With the same per-call
seeds the reference endpoint answers a seed identically, so an unchanged target must come out the
same (exit 0) and the updated one must differ (exit 1), with the card naming the reference and the date.
"""

from __future__ import annotations

import datetime as dt
import json

from audit.reference import ReferenceServer

from drift_support import SMALL_BATTERY

RECORD = "data/disclosures/allenai/olmo-2-7b.yaml"


def _env(tmp_path):
    return {"AUDIT_HISTORY_DB": str(tmp_path / "history.sqlite"), "AUDIT_BASELINES_DIR": str(tmp_path / "baselines")}


def test_verify_against_a_live_reference_same_then_differs(cli, tmp_path):
    env = _env(tmp_path)
    out = tmp_path / "out"
    with ReferenceServer("default") as official, ReferenceServer("default") as provider:
        official_url = official.base_url
        ref_file = tmp_path / "official.yaml"
        ref_file.write_text(f"model: ref-model\nbase_url: {official.base_url}\n")
        target = ["--endpoint", provider.base_url, "--model", "ref-model"]
        same = cli("verify", RECORD, "--reference", str(ref_file), *target, "--probe", str(SMALL_BATTERY),
                   "--mode", "mmd", "--out", str(out), "--run-id", "v-same", env=env)
        assert same.returncode == 0, same.stdout + same.stderr
        assert "SAME" in same.stdout and "no difference from the reference detected" in same.stdout

        provider.set_version("b")
        differs = cli("verify", RECORD, "--reference-endpoint", official.base_url, "--reference-model", "ref-model",
                      *target, "--probe", str(SMALL_BATTERY), "--mode", "mmd", "--out", str(out), "--run-id", "v-b",
                      env=env)
    assert differs.returncode == 1, differs.stdout + differs.stderr
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert f"Compared with ref-model at {official_url}" in differs.stdout
    assert f"on {today}: differs from the reference" in differs.stdout

    run = out / "runs" / "v-b"
    report = json.loads((run / "verify.json").read_text())
    assert report["seeds"] == "shared" and report["date"] == today
    assert report["report"]["method"].startswith("paired permutation test")
    # the same seeds went to both endpoints, call by call
    def seeds(path):
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return {r["key"]: r["request"].get("seed") for r in rows}
    ref_seeds, cur_seeds = seeds(out / "runs" / "v-b-reference" / "evidence.jsonl"), seeds(run / "evidence.jsonl")
    assert ref_seeds == cur_seeds and any(s is not None for s in cur_seeds.values())
    card = (run / "card" / "card.md").read_text() if (run / "card" / "card.md").exists() else \
        next((run / "card").glob("*.md")).read_text()
    assert f"ompared with ref-model at {official_url} on {today}" in card

    # the comparison is repeated from the folder alone
    again = cli("rescore", str(run), env=env)
    assert again.returncode == 0, again.stderr
    assert "unchanged" in (again.stdout + again.stderr).lower()


def test_verify_against_a_stored_baseline_gets_its_seeds(cli, tmp_path):
    env = _env(tmp_path)
    with ReferenceServer("default") as server:
        target = ["--endpoint", server.base_url, "--model", "ref-model"]
        done = cli("baseline", RECORD, *target, "--probe", str(SMALL_BATTERY), "--name", "official", env=env)
        assert done.returncode == 0, done.stderr
        same = cli("verify", RECORD, "--reference", "official", *target, "--out", str(tmp_path / "out"),
                   "--run-id", "v-base", env=env)
        assert same.returncode == 0, same.stdout + same.stderr
        assert "Compared with baseline official (ref-model at" in same.stdout
        server.set_version("b")
        differs = cli("verify", RECORD, "--reference", "official", *target, "--out", str(tmp_path / "out"),
                      "--run-id", "v-base-b", env=env)
        assert differs.returncode == 1, differs.stdout + differs.stderr


def test_verify_refuses_a_reference_with_other_request_parameters(cli, tmp_path):
    env = _env(tmp_path)
    with ReferenceServer("gpt-5.4") as server:
        def target(effort):
            path = tmp_path / f"target-{effort}.yaml"
            path.write_text(f"provider: openai\nmodel: gpt-5.4-mini\nbase_url: {server.base_url}\n"
                            f"reasoning_effort: {effort}\n")
            return path

        live = cli("verify", RECORD, "--reference", str(target("none")), "--target", str(target("low")),
                   "--probe", str(SMALL_BATTERY), "--out", str(tmp_path / "out"), "--run-id", "v-live", env=env)
        assert live.returncode == 2, live.stdout + live.stderr
        text = live.stdout + live.stderr
        assert "request profile openai-gpt-5.4 at effort none" in text and "at effort low" in text
        assert "Traceback" not in text
        assert not list((tmp_path / "out").glob("runs/v-live*")), "nothing is sent or written"

        base = cli("baseline", RECORD, "--target", str(target("none")), "--probe", str(SMALL_BATTERY),
                   "--name", "g54", env=env)
        assert base.returncode == 0, base.stderr
        stored = cli("verify", RECORD, "--reference", "g54", "--target", str(target("low")),
                     "--out", str(tmp_path / "out"), env=env)
        assert stored.returncode == 2 and "at effort low" in stored.stdout + stored.stderr


def test_verify_input_errors(cli, tmp_path):
    env = _env(tmp_path)
    nothing = cli("verify", RECORD, "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", env=env)
    assert nothing.returncode == 2 and "name the reference" in nothing.stdout + nothing.stderr
    missing = cli("verify", RECORD, "--reference", "nope", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m",
                  env=env)
    assert missing.returncode == 2 and "no baseline" in missing.stdout + missing.stderr
    seeds = cli("verify", RECORD, "--reference", "nope", "--seeds", "some", "--endpoint", "http://127.0.0.1:9/v1",
                "--model", "m", env=env)
    assert seeds.returncode == 2 and "--seeds" in seeds.stdout + seeds.stderr


def _claude_flags(official, provider, tmp_path):
    """A Claude model through the Messages dialect: its request profile takes temperature 0, no logprobs."""
    return ["--reference-endpoint", official.base_url, "--reference-model", "claude-haiku-4-5",
            "--reference-provider", "anthropic", "--provider", "anthropic",
            "--endpoint", provider.base_url, "--model", "claude-haiku-4-5", "--out", str(tmp_path / "out")]


def test_border_mode_needs_nearly_tied_prompts_and_auto_falls_back(cli, tmp_path):
    """The reference endpoint's first words are spread evenly over many words: no border prompt exists.
    --mode border says so (exit 2); auto falls back to the sampled battery and says why. (A Claude model
    name through the Messages dialect: its request profile takes temperature 0 but has no logprobs, so
    auto starts with border.)"""
    env = _env(tmp_path)
    with ReferenceServer("default") as official, ReferenceServer("default") as provider:
        flags = _claude_flags(official, provider, tmp_path)
        border = cli("verify", RECORD, *flags, "--mode", "border", "--run-id", "v-border", env=env)
        assert border.returncode == 2, border.stdout + border.stderr
        assert "no candidate prompt had a nearly tied first token" in border.stdout + border.stderr
        auto = cli("verify", RECORD, *flags, "--probe", str(SMALL_BATTERY), "--run-id", "v-auto", env=env)
    assert auto.returncode == 0, auto.stdout + auto.stderr
    report = json.loads((tmp_path / "out" / "runs" / "v-auto" / "verify.json").read_text())
    assert report["mode"] == "mmd" and "found no nearly tied prompt" in report["mode_reason"]
    chosen = json.loads((tmp_path / "out" / "runs" / "v-auto-discovery" / "border.json").read_text())
    assert chosen["chosen"] == [] and chosen["candidates"] == 48


def test_logprob_mode_over_http_same_then_differs(cli, tmp_path):
    """auto picks the log-prob mode where the request profile offers temperature 0 and logprobs: one output
    token per call with its top-5 log-probabilities, compared by the paired permutation test; the reference
    endpoint's log-probabilities belong to its version, so the unchanged endpoint is the same and version b
    differs, on the log-prob component."""
    env = _env(tmp_path)
    out = tmp_path / "out"
    with ReferenceServer("default") as official, ReferenceServer("default") as provider:
        flags = ["--reference-endpoint", official.base_url, "--reference-model", "ref-model",
                 "--endpoint", provider.base_url, "--model", "ref-model", "--out", str(out)]
        same = cli("verify", RECORD, *flags, "--run-id", "v-lp", env=env)
        assert same.returncode == 0, same.stdout + same.stderr
        provider.set_version("b")
        differs = cli("verify", RECORD, *flags, "--run-id", "v-lp-b", env=env)
    assert differs.returncode == 1, differs.stdout + differs.stderr
    report = json.loads((out / "runs" / "v-lp-b" / "verify.json").read_text())
    assert report["mode"] == "logprob" and "logprobs" in report["mode_reason"]
    tests = {t["name"]: t for t in report["report"]["tests"]}
    assert tests["logprob"]["p_value"] <= 0.05
    # two calls per prompt give the mixed-routing count no power: the mode claims no detectable share
    assert "outliers" not in tests and report["report"]["detectable_fraction"] is None
    assert report["report"]["current_output_tokens"] == report["report"]["current_calls"] == 96
    same_report = json.loads((out / "runs" / "v-lp" / "verify.json").read_text())
    assert {t["name"]: t for t in same_report["report"]["tests"]}["logprob"]["p_value"] == 1.0
    rows = [json.loads(line) for line in (out / "runs" / "v-lp-b" / "evidence.jsonl").read_text().splitlines()]
    assert all(r["wire_request"]["logprobs"] is True and r["wire_request"]["top_logprobs"] == 5 for r in rows)
    assert all(len(r["logprobs"][0]["top"]) == 5 for r in rows)


def test_logprob_mode_refused_where_the_reference_returns_none(cli, tmp_path):
    """--mode logprob on a model whose request profile has no logprobs (Claude through the Messages
    dialect): the calls go without them, no log-probabilities come back, and the verification stops
    with exit 2 naming the modes that remain."""
    env = _env(tmp_path)
    with ReferenceServer("default") as official, ReferenceServer("default") as provider:
        flags = _claude_flags(official, provider, tmp_path)
        done = cli("verify", RECORD, *flags, "--mode", "logprob", "--run-id", "v-nolp", env=env)
    text = done.stdout + done.stderr
    assert done.returncode == 2, text
    assert "returned no log-probabilities" in text and "Traceback" not in text


def test_auto_mode_follows_the_request_profile(tmp_path):
    """logprob where temperature 0 and logprobs are offered; OpenAI's reasoning models take no logprobs
    (GPT-5.4 only at effort none; GPT-5: none at all, and temperature only 1), so border or mmd there."""
    from audit.runtime.target import load_target
    from audit.runtime.verify_runner import mode_for

    def mode(model, effort=None):
        path = tmp_path / f"{model}-{effort}.yaml"
        path.write_text(f"provider: openai\nmodel: {model}\nbase_url: http://127.0.0.1:9/v1\n"
                        + (f"reasoning_effort: {effort}\n" if effort else ""))
        return mode_for(load_target(path))[0]

    assert mode("ref-model") == "logprob"
    assert mode("gpt-5.4-mini", "none") == "logprob"
    assert mode("gpt-5.4-mini", "low") == "mmd"
    assert mode("gpt-5-mini") == "mmd"


def test_reasoning_reference_refuses_logprobs_with_openai_body(tmp_path):
    """The reference endpoint's GPT-5 stand-in answers logprobs with OpenAI's 400 body; GPT-5.4 takes them
    at effort none and returns them in the documented shape."""
    import httpx2

    ask = {"messages": [{"role": "user", "content": "Name a colour"}], "logprobs": True, "top_logprobs": 2}
    with ReferenceServer("gpt-5") as server:
        refused = httpx2.post(server.base_url + "/chat/completions", json={"model": "gpt-5", **ask})
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "logprobs"
    with ReferenceServer("gpt-5.4") as server:
        done = httpx2.post(server.base_url + "/chat/completions",
                           json={"model": "gpt-5.4", "max_completion_tokens": 3, **ask})
        low = httpx2.post(server.base_url + "/chat/completions",
                          json={"model": "gpt-5.4", "reasoning_effort": "low", **ask})
    content = done.json()["choices"][0]["logprobs"]["content"]
    assert content and all(set(t) == {"token", "logprob", "bytes", "top_logprobs"} and len(t["top_logprobs"]) == 2
                           for t in content)
    assert low.status_code == 400


def test_verify_finding_is_its_own_check_scored_by_provider_v1(tmp_path):
    """A verification emits reference-match (not behaviour-stable, the drift audit's), which provider-v1's
    reference-comparison criterion scores: 10 points when the endpoint matches its reference, 0 when not."""
    from pathlib import Path

    from audit.runtime.target import load_target
    from audit.runtime.verify_runner import Reference, run_verify

    def points(result):
        [criterion] = [c for d in result.domains for c in d.criteria if c.id == "reference-comparison"]
        return criterion.points

    with ReferenceServer("default") as official, ReferenceServer("default") as provider:
        reference = Reference(target=load_target(None, model="ref-model", base_url=official.base_url))
        target = load_target(None, model="ref-model", base_url=provider.base_url)
        same = run_verify(Path(RECORD), target, reference, out=tmp_path / "out", run_id="r-same", alpha=None,
                          rubric="provider-v1", formats=("json",))
        provider.set_version("b")
        differs = run_verify(Path(RECORD), target, reference, out=tmp_path / "out", run_id="r-b", alpha=None,
                             rubric="provider-v1", formats=("json",))
    for outcome in (same, differs):
        checks = {f.check for f in outcome.result.findings if f.kind == "drift"}
        assert "reference-match" in checks and "behaviour-stable" not in checks
    assert points(same.result) == 10 and points(differs.result) == 0

"""The context-window search over HTTP: when the declared window is wrong, the probe bisects to the real one
within its stated resolution and token budget, and finds nothing silent on an honest server."""

from __future__ import annotations

import pytest

from audit.reference import ReferenceServer
from tests.support.serving import run_serving, serving_probe, serving_target

WINDOW = 8192  # the serving profiles' window (prompt + cap)
CAP = 48


def _context(tmp_path, declared: int, profile: str = "serving", **context):
    probe = serving_probe(context=context) if context else None
    with ReferenceServer(profile) as server:
        _, done, findings = run_serving(server.base_url, serving_target(declared), tmp_path / "ev.jsonl", probe)
    return done, {f.check: f for f in findings}


def test_a_window_declared_too_large_fails_and_the_search_finds_the_real_limit(tmp_path):
    done, found = _context(tmp_path, 16384)
    window, trunc = found["context-window"], found["silent-truncation"]
    v = window.values
    assert window.outcome == "fail" and trunc.outcome == "pass"
    assert v["accepted"] is False  # 95% of 16,384 is refused
    assert v["limit_low"] + CAP <= WINDOW < v["limit_high"] + CAP
    assert v["limit_high"] - v["limit_low"] <= v["resolution_tokens"] == 16384 // 64
    assert v["search_steps"] >= 3 and v["search_tokens"] <= v["search_budget_tokens"] == 4 * 16384
    assert f"between {v['limit_low']:,} and {v['limit_high']:,}" in window.message
    searched = [k for k in done if k.startswith("ctx.search.")]
    assert len(searched) == v["search_steps"]


def test_a_window_declared_too_small_is_partial_with_the_limit_found_above_it(tmp_path):
    _, found = _context(tmp_path, 4096)
    window = found["context-window"]
    assert window.outcome == "partial" and window.values["past_refused"] is False
    assert window.values["limit_low"] + CAP <= WINDOW < window.values["limit_high"] + CAP


def test_the_search_stops_at_its_token_budget_and_says_so(tmp_path):
    done, found = _context(tmp_path, 16384, search_budget_tokens=12000)
    v = found["context-window"].values
    assert v["search_tokens"] <= 12000 and v["limit_high"] - v["limit_low"] > v["resolution_tokens"]
    assert "budget ran out" in found["context-window"].message


@pytest.mark.parametrize("profile", ["serving-middle-out"])
def test_truncation_inside_the_window_search_is_reported_per_prompt(tmp_path, profile):
    _, found = _context(tmp_path, 16384, profile=profile)
    truncated = found["silent-truncation"].values["truncated"]
    assert found["silent-truncation"].outcome == "fail"
    assert {t["key"] for t in truncated} >= {"ctx.accept"}
    assert all(t["prompt_tokens"] <= WINDOW for t in truncated)


def test_no_declared_window_leaves_the_context_checks_unassessed(tmp_path):
    with ReferenceServer("serving") as server:
        _, done, findings = run_serving(server.base_url, serving_target(None), tmp_path / "ev.jsonl")
    found = {f.check: f for f in findings}
    assert found["context-window"].outcome == "not_available" and "no context window declared" in \
        found["context-window"].message
    assert not any(k.startswith("ctx.") for k in done)

"""The serving probe over HTTP against the reference endpoint: the honest profile passes every check, and
each fault profile is caught by the check built for it (audit/reference/serving.py, data/reference/serving-*.yaml)."""

from __future__ import annotations

import json

import pytest

from audit.probes.declaration import value_problems
from audit.probes.registry import declaration, declared_checks
from audit.reference import ReferenceServer
from tests.support.serving import outcomes, run_serving, serving_target

REASONING = "reasoning-effort-honoured"  # needs a request profile with efforts: tested on gpt-5.4 below


def _run(profile: str, tmp_path, target=None, **overrides):
    target = target or serving_target(8192)
    with ReferenceServer(profile, **overrides) as server:
        probe, done, findings = run_serving(server.base_url, target, tmp_path / f"{profile}.jsonl")
    return done, findings


def test_the_honest_profile_passes_every_check(tmp_path):
    done, findings = _run("serving", tmp_path)
    assert [f.check for f in findings] == list(declared_checks("serving"))
    got = outcomes(findings)
    assert {check: o for check, o in got.items() if o != "pass"} == {REASONING: "not_available"}
    problems = [p for f in findings for p in value_problems(declaration("serving"), f)]
    assert not problems, problems
    window = next(f for f in findings if f.check == "context-window")
    assert window.values["accepted"] and window.values["past_refused"] and window.values["recall_works"]
    assert window.values["accept_prompt_tokens"] + 48 <= 0.95 * 8192 < window.values["accept_prompt_tokens"] + 48 + 40
    # the prompt's own count, from calibration, is what the server reports for it (the reference counts exactly)
    accept = done["ctx.accept"]
    assert accept.usage.input_tokens == window.values["accept_prompt_tokens"]
    assert "context_length_exceeded" in json.dumps(done["ctx.past"].response)
    assert all(f.exchanges for f in findings if f.outcome == "pass")


@pytest.mark.parametrize("profile, caught", [
    ("serving-middle-out", {"context-window": "fail", "silent-truncation": "fail"}),
    ("serving-ignored-temperature", {"temperature-honoured": "fail"}),
    ("serving-ignored-output-cap", {"output-cap": "fail"}),
    ("serving-malformed-tool-arguments", {"tool-arguments-parse": "fail"}),
    ("serving-wrong-tool-name", {"tool-name-offered": "fail"}),
    ("serving-stream-cut", {"stream-terminator": "fail"}),
    ("serving-missing-usage", {"stream-usage": "fail"}),
])
def test_each_fault_profile_is_caught_by_its_check(tmp_path, profile, caught):
    _, findings = _run(profile, tmp_path)
    got = outcomes(findings)
    assert {check: got[check] for check in caught} == caught
    # nothing else fails: the fault is pinned to its check (checks that rest on the broken part are not assessed)
    others = {check: o for check, o in got.items() if check not in caught and o == "fail"}
    assert not others or profile == "serving-wrong-tool-name" and set(others) == {"tool-call-when-required"}, others


def test_middle_out_reports_the_counts_that_give_it_away(tmp_path):
    done, findings = _run("serving-middle-out", tmp_path)
    trunc = next(f for f in findings if f.check == "silent-truncation")
    [first, *_] = trunc.values["truncated"]
    assert first["prompt_tokens"] < first["own_tokens"] and done[first["key"]].ok
    assert first["lost_canaries"] >= 1  # the middle canary went with the middle
    assert "silent truncation" in trunc.message


def test_malformed_arguments_are_shown_with_the_parser_error(tmp_path):
    _, findings = _run("serving-malformed-tool-arguments", tmp_path)
    parse = next(f for f in findings if f.check == "tool-arguments-parse")
    assert parse.values["parse_rate_k"] == 0 and parse.values["parse_rate_n"] >= 9
    assert parse.values["parse_rate_ci_high"] < 0.5
    assert all(item["error"] for item in parse.values["failures"])


@pytest.mark.parametrize("profile, outcome", [("gpt-5.4", "pass"), ("serving-ignored-effort", "fail")])
def test_reasoning_effort_against_gpt_5_4_rules(tmp_path, profile, outcome):
    target = serving_target(8192, model="gpt-5.4-mini")
    done, findings = _run(profile, tmp_path, target)
    effort = next(f for f in findings if f.check == REASONING)
    assert effort.outcome == outcome, effort.message
    assert effort.values["efforts"] == ["low", "xhigh"]
    assert {ex.wire_request.get("reasoning_effort") for k, ex in done.items() if k.startswith("effort.")} == \
        {"low", "xhigh"}

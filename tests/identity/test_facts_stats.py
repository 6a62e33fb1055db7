"""Stated facts across languages, Wilson intervals and the sequential rules."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.probes.identity.catalog import default_catalog
from audit.probes.identity.facts import (context_agrees, cutoff_agrees, declared_cutoff, stated_context_window,
                                  stated_cutoff)
from audit.probes.identity.stats import RateRule, Sprt, decide_rate
from audit.probes.stats import wilson


@pytest.mark.parametrize("text, lang", [
    ("My knowledge cutoff is October 2023.", "en"), ("Mes connaissances s'arrêtent en octobre 2023.", "fr"),
    ("Mein Wissensstand reicht bis Oktober 2023.", "de"), ("Mi fecha de corte es octubre de 2023.", "es"),
    ("我的知识截止到2023年10月。", "zh"), ("私の知識は2023年10月までです。", "ja"),
    ("تاريخ انقطاع معرفتي هو أكتوبر ٢٠٢٣", "ar"), ("Up to 2023-10.", "en"),
])
def test_cutoff_in_every_language(text, lang):
    assert stated_cutoff(text, default_catalog(), lang) == (2023, 10)


def test_cutoff_year_only_and_none():
    catalog = default_catalog()
    assert stated_cutoff("Trained on data up to 2023.", catalog, "en") == (2023, None)
    assert stated_cutoff("I may not know that.", catalog, "en") is None
    assert declared_cutoff(dt.date(2024, 6, 1), catalog) == (2024, 6)
    assert declared_cutoff("June 2024", catalog) == (2024, 6)
    assert cutoff_agrees((2024, 4), (2024, 6), 3) and not cutoff_agrees((2023, 12), (2024, 6), 3)
    assert cutoff_agrees((2024, None), (2024, 6), 0)


@pytest.mark.parametrize("text", ["My context window is 128k tokens.", "128,000 tokens", "128 000 jetons",
                                  "128.000 Tokens", "12.8万个token", "128K トークン", "١٢٨ ألف رمز"])
def test_context_window_in_every_notation(text):
    assert stated_context_window(text) == 128_000


def test_context_window_needs_a_token_word():
    assert stated_context_window("128k") is None and stated_context_window("I have 2 tokens") is None
    assert context_agrees(131_072, 128_000, 0.1) and not context_agrees(32_768, 128_000, 0.1)


def test_wilson_known_values():
    ci = wilson(5, 10)
    assert (round(ci.low, 4), round(ci.high, 4)) == (0.2366, 0.7634)
    ci = wilson(0, 10)
    assert ci.low == 0 and round(ci.high, 4) == 0.2775
    assert wilson(0, 0).rate is None
    # no sample: the interval is all of [0, 1], and as finding values no rate and no bounds are reported
    assert (wilson(0, 0).low, wilson(0, 0).high) == (0.0, 1.0)
    assert wilson(0, 0).as_values("r") == {"r": None, "r_ci_low": None, "r_ci_high": None, "r_n": 0, "r_k": 0}


def test_rate_decisions_need_the_whole_interval_in_one_region():
    rule = RateRule(pass_at=0.8, fail_below=0.5)
    assert decide_rate(10, 10, rule, 0.99) is None          # too few to be sure
    assert decide_rate(40, 40, rule, 0.99) == "pass"
    assert decide_rate(0, 30, rule, 0.99) == "fail"
    assert decide_rate(650, 1000, rule, 0.99) == "partial"


def test_sprt_accepts_a_clean_run_and_rejects_repeated_claims():
    sprt = Sprt(0.005, 0.05, 0.05, 0.1)
    need = sprt.clean_answers_to_accept()
    assert need == 49
    assert sprt.run([False] * need).decision == "accept"
    assert sprt.run([False] * (need - 1)).decision is None
    result = sprt.run([False, True, False, True])
    assert result.decision == "reject" and result.decided_after == 4

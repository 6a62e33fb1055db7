"""Identification from exact synthetic deltas: the core, without servers or tokenizers."""

import re

from audit.probes.tokenizer.design import equivalence_classes, greedy_segments, min_gap, probe_delta
from audit.probes.tokenizer.identify import ExpectedClass, identify

CLASSES = [ExpectedClass("a", ("a", "a2"), {"probe-1": 100, "probe-2": 50}),
           ExpectedClass("b", ("b",), {"probe-1": 120, "probe-2": 40}),
           ExpectedClass("c", ("c",), {"probe-1": 121, "probe-2": 70})]
ORDER = ["probe-1", "probe-2"]


def test_exact_delta_matches_its_class_in_one_probe():
    ident = identify({"probe-1": 100}, CLASSES, ORDER)
    assert ident.status == "match" and ident.class_id == "a" and ident.members == ("a", "a2")
    assert not ident.needs_tiebreak
    assert [n.id for n in ident.nearest] == ["a", "b", "c"] and ident.nearest[1].distance == 20


def test_delta_far_from_every_class_is_unknown_with_nearest():
    ident = identify({"probe-1": 90}, CLASSES, ORDER)
    assert ident.status == "unknown" and ident.class_id is None
    assert ident.nearest[0].id == "a" and ident.nearest[0].distance == 10
    assert not ident.needs_tiebreak


def test_near_tie_asks_for_the_second_probe_which_settles_it():
    first = identify({"probe-1": 120}, CLASSES, ORDER)
    assert first.status == "match" and first.class_id == "b"
    assert first.needs_tiebreak and first.next_probe == "probe-2"
    settled = identify({"probe-1": 120, "probe-2": 40}, CLASSES, ORDER)
    assert settled.class_id == "b" and not settled.needs_tiebreak
    contradicted = identify({"probe-1": 120, "probe-2": 70}, CLASSES, ORDER)
    assert contradicted.status == "unknown"  # fits b on one probe, c on the other: neither


def test_tolerance_and_off_by_one():
    assert identify({"probe-1": 101}, CLASSES, ORDER).status == "unknown"
    assert identify({"probe-1": 101}, CLASSES, ORDER, tolerance=1).class_id == "a"


def test_ambiguous_when_two_classes_fit_and_no_probe_is_left():
    ident = identify({"probe-1": 120, "probe-2": 55}, CLASSES, ORDER, tolerance=20)
    assert ident.status == "ambiguous" and not ident.needs_tiebreak


def test_equivalence_classes_and_min_gap():
    assert equivalence_classes({"x": [1, 2], "y": [1, 3], "z": [1, 2]}) == [["x", "z"], ["y"]]
    assert min_gap([10, 30, 13], ["p", "q", "r"]) == (3, ("p", "r"))


def test_probe_delta_accounts_for_the_join():
    count = lambda text: len(re.findall(r"[^\s]+|\n", text))  # noqa: E731 - a toy tokenizer
    # the probe sits between the base text and a copy of it: two newlines, the probe, the base again
    assert probe_delta(count, "one two", "three four") == 2 + 2 + 2


def test_greedy_design_separates_toy_tokenizers():
    pool = ["aaaa", "bbbb", "ab ab", "zz"]
    counters = [lambda t: len(t), lambda t: t.count("a") + len(t), lambda t: len(t.split())]
    chosen = greedy_segments(counters, "base", pool, budget=12)
    text = "\n".join(pool[i] for i in chosen)
    totals = [probe_delta(c, "base", text) for c in counters]
    assert len(set(totals)) == 3 and len(text) <= 12

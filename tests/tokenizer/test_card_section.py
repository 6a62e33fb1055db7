"""The tokenizer card section: the identified class, declared vs observed, overhead, billing and
substitution, with the exchange ids, from the probe's own findings (offline)."""

from __future__ import annotations

import datetime as dt

from audit.probes.base import TargetContext
from audit.probes.registry import find_probe
from audit.render.html import card_environment
from audit.render.markdown import _tokenizer_md
from audit.schema.disclosure import DeclaredFacts, ModelIdentity
from audit.schema.evidence import Exchange
from audit.probes.tokenizer.section import tokenizer_sections

PROBE = find_probe("tokenizer-integrity")


def _findings(prompts: dict[str, int | None], *, declared="o200k_base", served="gpt-4o", completion=None,
              text=None):
    """Evaluate the shipped probe on recorded exchanges with these prompt token counts."""
    target = TargetContext(provider="openai", model="gpt-4o", identity=ModelIdentity(vendor="x", name="gpt-4o"),
                           declared=DeclaredFacts(tokenizer=declared, vocabulary_size=200019))
    done = {}
    for call in PROBE.next_calls(target, {}):
        if call.key not in prompts:  # (a probe left out: the findings read the probes that were answered)
            continue
        usage = {} if prompts[call.key] is None else {"prompt_tokens": prompts[call.key]}
        if completion is not None:
            usage["completion_tokens"] = completion
        done[call.key] = Exchange(
            id=f"tokenizer-integrity/{call.key}", run_id="r", probe_id=PROBE.id, key=call.key, provider="openai",
            endpoint="http://127.0.0.1", model="gpt-4o", request=call.request, wire_request={}, status=200,
            response={}, text=text, ok=True, started_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
            elapsed_ms=1.0, served_model=served, usage=usage)
    return PROBE.evaluate(target, done)


def _render(section) -> str:
    return card_environment().get_template("sections/tokenizer.html").render(data=section.data)


def test_identified_class_with_hidden_overhead_and_substitution():
    llama = PROBE.design.class_of("llama-3")
    base = llama.base_count + 10 + 60  # the known template plus a 60-token hidden prompt
    [section] = tokenizer_sections(_findings({"base": base, "probe-1": base + llama.expected["probe-1"]}))
    data = section.data
    assert section.partial == "tokenizer.html" and section.title == "Tokenizer integrity (tokenizer-integrity)"
    facts = {f.label: f.value for f in data.facts}
    assert facts["Observed tokenizer"] == "llama-3"
    assert "llama-3" in facts["Equivalence class"] and facts["Calls used"] == "2"
    assert "classes ≥" in facts["Probe text counted"]
    rows = {r.check: r for r in data.rows}
    assert list(rows) == ["tokenizer-match", "vocab-consistent", "hidden-overhead", "prompt-billing",
                          "completion-billing", "reasoning-tokens", "served-model-substitution"]
    assert rows["tokenizer-match"].measure == "declared o200k_base (class o200k_base); observed llama-3"
    assert rows["hidden-overhead"].measure.startswith(f"{base - llama.base_count} tokens per request; ")
    assert "unexplained +35" in rows["hidden-overhead"].measure
    assert rows["served-model-substitution"].outcome == "fail"
    assert "gpt-4o → o200k_base; counts say llama-3" in rows["served-model-substitution"].measure
    assert data.exchanges == ["tokenizer-integrity/base", "tokenizer-integrity/probe-1"]
    html = _render(section)
    assert "unexplained +35" in html and "tokenizer-integrity/probe-1" in html and "outcome-fail" in html


def test_unknown_tokenizer_shows_the_nearest_classes():
    expected = sorted(c.expected["probe-1"] for c in PROBE.design.classes)
    odd = next(v for v in range(expected[0] - 50, expected[-1] + 50) if all(abs(v - e) > 5 for e in expected))
    [section] = tokenizer_sections(_findings({"base": 40, "probe-1": 40 + odd}))
    facts = {f.label: f.value for f in section.data.facts}
    assert facts["Observed tokenizer"] == "unknown: no catalog class fits"
    assert "tokens off" in facts["Nearest classes (no match)"]
    assert "no catalog tokenizer fits the counts; the nearest is" in section.data.summary
    assert "Equivalence class" not in facts


def test_billing_is_shown_in_tokens_and_percent():
    cls = PROBE.design.class_of("o200k_base")
    text = "Hello there, this is a short reply."
    base = cls.base_count + 7
    [section] = tokenizer_sections(_findings({"base": base, "probe-1": base + cls.expected["probe-1"]},
                                             completion=13, text=text, served=None))
    billing = next(r for r in section.data.rows if r.check == "completion-billing")
    assert billing.measure.startswith("reported 26, counted ") and "over 2 completions" in billing.measure
    # 26 reported for text that counts 18 canonically but could take up to 70 (its bytes): consistent
    assert "(+44.4%)" in billing.measure and "at most 70" in billing.measure and billing.outcome == "pass"
    md = "\n".join(_tokenizer_md(section.data))
    assert "| Completion billing | Pass | reported 26, counted" in md
    assert "**Observed tokenizer:** o200k\\_base" in md


def test_no_counts_gives_an_error_section_without_facts():
    [section] = tokenizer_sections(_findings({"base": None, "probe-1": None}))
    assert section.data.facts == [] and section.data.summary.startswith("no token counts to compare")
    assert {r.outcome for r in section.data.rows} == {"error"}
    assert "Error" in _render(section)

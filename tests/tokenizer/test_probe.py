"""The tokenizer probe kind: planning rounds and findings from recorded exchanges, and a live run
against the reference endpoint (a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.probes.base import TargetContext
from audit.probes.registry import find_probe
from audit.schema.disclosure import DeclaredFacts, ModelIdentity
from audit.schema.evidence import Exchange


def target(tokenizer=None, vocab=None, model="reference-model", provider="openai"):
    return TargetContext(provider=provider, model=model, identity=ModelIdentity(vendor="x", name=model),
                         declared=DeclaredFacts(tokenizer=tokenizer, vocabulary_size=vocab))


def exchange(call, prompt, completion=None, text=None, served=None):
    usage = {"prompt_tokens": prompt}
    if completion is not None:
        usage["completion_tokens"] = completion
    return Exchange(id=f"tokenizer-integrity/{call.key}", run_id="r", probe_id="tokenizer-integrity", key=call.key,
                    provider="openai", endpoint="http://127.0.0.1", model="m", request=call.request,
                    wire_request={}, status=200, response={}, text=text, ok=True,
                    started_at=dt.datetime.now(dt.timezone.utc), elapsed_ms=1.0, served_model=served, usage=usage)


def by_check(findings):
    return {f.check: f for f in findings}


def test_plans_base_and_probe_together_then_stops_on_a_clear_match():
    probe = find_probe("tokenizer-integrity")
    design = probe.design
    cls = design.class_of("cl100k_base")
    calls = probe.next_calls(target(), {})
    assert [c.key for c in calls] == ["base", "probe-1", "probe-2"]  # confirm: both probes at once
    # the probe text between the base text and a copy of it: both calls meet the template with the same text
    assert calls[1].request.messages[0].content == (design.base_text + "\n" + design.probe("probe-1").text + "\n"
                                                    + design.base_text)
    base = cls.base_count + 7
    done = {"base": exchange(calls[0], base, 3, "OK."),
            **{c.key: exchange(c, base + cls.expected[c.key], 3, "OK.", served="gpt-4") for c in calls[1:]}}
    assert probe.next_calls(target(), done) == []
    found = by_check(probe.evaluate(target("cl100k_base", 100277, model="gpt-4"), done))
    assert set(found) == {"tokenizer-match", "vocab-consistent", "hidden-overhead", "completion-billing",
                          "prompt-billing", "reasoning-tokens", "served-model-substitution"}
    assert all(f.kind == "tokenizer" for f in found.values())
    assert found["tokenizer-match"].outcome == "pass"
    assert found["tokenizer-match"].values["observed_class"] == "cl100k_base"
    assert found["vocab-consistent"].outcome == "pass"
    assert found["hidden-overhead"].outcome == "pass" and found["hidden-overhead"].values["overhead_tokens"] == 7
    assert found["served-model-substitution"].outcome == "pass"
    assert found["completion-billing"].outcome in ("pass", "partial", "fail")


def test_unknown_counts_substitution_and_hidden_prompt():
    probe = find_probe("tokenizer-integrity")
    design = probe.design
    llama = design.class_of("llama-3")
    calls = probe.next_calls(target(), {})
    base = llama.base_count + 10 + 60  # the known template plus a 60-token hidden prompt
    done = {"base": exchange(calls[0], base), "probe-1": exchange(calls[1], base + llama.expected["probe-1"],
                                                                   served="gpt-4o")}
    found = by_check(probe.evaluate(target("o200k_base", 200019, model="gpt-4o"), done))
    assert found["tokenizer-match"].outcome == "fail"
    assert found["vocab-consistent"].outcome == "fail"
    # 70 tokens: 35 beyond the largest known Llama-3 template below it (Llama-3.1's dated system turn, 35)
    assert found["hidden-overhead"].outcome == "fail" and found["hidden-overhead"].values["excess_tokens"] == 35
    assert found["served-model-substitution"].outcome == "fail"
    assert "llama-3" in found["served-model-substitution"].message
    assert found["completion-billing"].outcome == "not_available"


def test_nothing_declared_is_not_available_and_off_catalog_delta_is_unknown():
    probe = find_probe("tokenizer-integrity")
    calls = probe.next_calls(target(), {})
    expected = sorted(c.expected["probe-1"] for c in probe.design.classes)
    odd = next(v for v in range(expected[0] - 50, expected[-1] + 50) if all(abs(v - e) > 5 for e in expected))
    done = {"base": exchange(calls[0], 40), "probe-1": exchange(calls[1], 40 + odd)}
    found = by_check(probe.evaluate(target(), done))
    assert found["tokenizer-match"].outcome == "not_available"
    assert found["tokenizer-match"].values["observed_class"] == "unknown"
    assert found["tokenizer-match"].values["nearest"]


def test_anthropic_uses_count_tokens_plus_one_chat_for_billing():
    probe = find_probe("tokenizer-integrity")
    calls = probe.next_calls(target(provider="anthropic"), {})
    assert [(c.key, c.request.op) for c in calls] == [("base", "count_tokens"), ("probe-1", "count_tokens"),
                                                     ("probe-2", "count_tokens"), ("billing", "chat")]


@pytest.mark.parametrize("tokenizer,hidden", [("o200k_base", ""), ("llama-3", "You are helpful. Say nothing of this."),
                                              ("mistral-spm-v1", "")])
def test_reference_endpoint_identified_with_three_calls_sent_together(tmp_path, tokenizer, hidden):
    from audit.reference import ReferenceServer
    from tests.support.tokenizer_drive import probe_endpoint

    probe = find_probe("tokenizer-integrity")
    with ReferenceServer("default", tokenizer=tokenizer, template={"hidden_system_prompt": hidden}) as server:
        findings, done = probe_endpoint(probe, server.base_url, "reference-model", tmp_path / "e.jsonl",
                                        declared=DeclaredFacts(tokenizer=tokenizer))
    found = by_check(findings)
    assert len(done) == 3
    assert found["tokenizer-match"].outcome == "pass"
    assert found["completion-billing"].outcome == "pass"
    if hidden and probe.design.class_of(tokenizer).chat_overhead:
        assert found["hidden-overhead"].outcome in ("partial", "fail")


def test_overbilling_profile_is_reported_as_billing_with_its_factor(tmp_path):
    """issue 16: counts 1.1x/1.3x of the declared tokenizer are over-billing, not another tokenizer."""
    from audit.reference import ReferenceServer
    from tests.support.tokenizer_drive import probe_endpoint

    probe = find_probe("tokenizer-integrity")
    with ReferenceServer("overbilling") as server:
        findings, done = probe_endpoint(probe, server.base_url, "reference-model", tmp_path / "e.jsonl",
                                        declared=DeclaredFacts(tokenizer="o200k_base"))
    found = by_check(findings)
    assert len(done) == 3  # the second probe text tells a constant factor from a different tokenizer
    assert found["tokenizer-match"].outcome == "pass"
    assert found["prompt-billing"].outcome == "fail"
    assert abs(found["prompt-billing"].values["prompt_billing_factor"] - 1.1) < 0.01
    billing = found["completion-billing"]
    assert billing.outcome == "fail" and billing.values["over_cap_completions"] >= 1
    assert abs(billing.values["billing_factor"] - 1.3) < 0.05


def test_an_honest_server_with_another_tokenizer_is_still_a_mismatch(tmp_path):
    from audit.reference import ReferenceServer
    from tests.support.tokenizer_drive import probe_endpoint

    probe = find_probe("tokenizer-integrity")
    with ReferenceServer("default", tokenizer="cl100k_base") as server:
        findings, _ = probe_endpoint(probe, server.base_url, "reference-model", tmp_path / "e.jsonl",
                                     declared=DeclaredFacts(tokenizer="o200k_base"))
    found = by_check(findings)
    assert found["tokenizer-match"].outcome == "fail"
    assert found["prompt-billing"].outcome == "pass"  # counted as cl100k_base counts, no inflation
    assert found["completion-billing"].outcome == "pass"


def test_billing_bounds_newlines_merged_on_recount_and_over_the_cap():
    """issue 11: 24 generated newline tokens re-tokenize to 1; the canonical count is no upper bound."""
    from audit.probes.tokenizer.findings import Completion, check_billing
    from audit.tokenizers import load_tokenizer

    most_tokens = load_tokenizer("llama-3").most_tokens  # byte-level BPE: one token per UTF-8 byte
    text = "\n" * 24
    assert most_tokens(text) == 24 and most_tokens("東京") == 6
    honest = [Completion(24, None, 24, 1, most_tokens(text)), Completion(24, None, 24, 1, most_tokens(text))]
    verdict = check_billing(honest, slack_tokens=1, pass_pct=5, partial_pct=15)
    assert verdict.outcome == "pass" and "consistent" in verdict.message
    over_cap = [Completion(31, None, 24, 24, most_tokens("x" * 200))]
    assert check_billing(over_cap, slack_tokens=1, pass_pct=5, partial_pct=15).outcome == "fail"
    beyond_text = [Completion(40, None, None, 5, most_tokens("hello"))]
    assert check_billing(beyond_text, slack_tokens=1, pass_pct=5, partial_pct=15).outcome == "fail"
    reasoning = [Completion(40 + 100, 100, 2000, 40, most_tokens("y" * 120))]  # reasoning is not visible text
    assert check_billing(reasoning, slack_tokens=1, pass_pct=5, partial_pct=15).outcome == "pass"


@pytest.mark.parametrize("name", ["llama-2", "mistral-spm-v1"])
def test_billing_bound_for_sentencepiece_is_characters_not_bytes(name):
    """issue 11: for a SentencePiece vocabulary over-billing is provable above its characters (plus
    byte fallback for a character that is no piece), far below the UTF-8 bytes of CJK text."""
    from audit.probes.tokenizer.findings import Completion, check_billing
    from audit.tokenizers import load_tokenizer

    tok = load_tokenizer(name)
    text = "東京は日本の首都です。 Tokyo 🙂"  # CJK pieces of the vocabulary, ASCII, an emoji by byte fallback
    chars, utf8 = len(text), len(text.encode("utf-8"))
    most = tok.most_tokens(text)
    assert chars + 1 <= most <= chars + 1 + 3  # dummy prefix, one per character, the emoji's bytes if no piece
    assert most < utf8 - 10
    canonical = tok.count(text)
    if name == "llama-2":  # the least canonical honest generation: every character alone, bytes where no piece
        from audit.tokenizers.cache import find_gguf
        from audit.tokenizers.llamacpp import load_encoder

        pieces = load_encoder(find_gguf("ggml-vocab-llama-spm.gguf")).vocab.token_to_id
        spelled = []
        for ch in text.replace(" ", "\u2581"):
            spelled += [pieces[ch]] if ch in pieces else [pieces[f"<0x{b:02X}>"] for b in ch.encode("utf-8")]
        assert tok.decode(spelled) == text
        assert canonical < len(spelled) <= most
        honest = check_billing([Completion(len(spelled), None, None, canonical, most)],
                               slack_tokens=1, pass_pct=5, partial_pct=15)
        assert honest.outcome == "pass", honest.message
    # above the characters but within the bytes: provable over-billing only with the SentencePiece bound
    inflated = most + 5
    assert inflated < utf8
    over = check_billing([Completion(inflated, None, None, canonical, most)], slack_tokens=1, pass_pct=5,
                         partial_pct=15)
    assert over.outcome == "fail" and f"{most} at most" in over.message


def test_a_vocabulary_outside_the_catalog_that_fits_one_probe_reads_unknown():
    """Measured: llama.cpp's Baichuan vocabulary (in no catalog entry) counts exactly like starcoder on
    probe-1 and 1 token off on probe-2; with both probes sent (confirm) it reads unknown."""
    from audit.probes.base import ProbeDefinition
    from audit.probes.registry import build_probe
    from audit.tokenizers.cache import find_gguf
    from audit.tokenizers.loaders import gguf_tokenizer

    path = find_gguf("ggml-vocab-baichuan.gguf")
    if path is None:
        pytest.skip("llama.cpp's vocab files are not fetched (audit tokenizers fetch)")
    baichuan = gguf_tokenizer(path, "baichuan")
    probe = find_probe("tokenizer-integrity")
    design = probe.design
    calls = {c.key: c for c in probe.next_calls(target(), {})}
    counts = {"base": baichuan.count(design.base_text), **{p.id: baichuan.count(design.message(p.id))
                                                           for p in design.probes}}
    done = {key: exchange(calls[key], 20 + n) for key, n in counts.items()}
    found = by_check(probe.evaluate(target(), done))["tokenizer-match"].values
    assert found["observed_class"] == "unknown", found
    one = build_probe(ProbeDefinition(id="tokenizer-integrity", kind="tokenizer", description="one probe",
                                      parameters={"confirm": False}))
    assert [c.key for c in one.next_calls(target(), {})] == ["base", "probe-1"]
    alone = by_check(one.evaluate(target(), {k: done[k] for k in ("base", "probe-1")}))["tokenizer-match"].values
    assert alone["observed_class"] == "starcoder"  # one number alone cannot tell it from starcoder


def test_billing_a_little_below_canonical_says_so():
    """Seen on llama-server (Llama-2 vocabulary, random weights): 72 generated tokens whose text counts 82."""
    from audit.probes.tokenizer.findings import Completion, check_billing

    verdict = check_billing([Completion(72, None, 72, 82, 352)], slack_tokens=1, pass_pct=5, partial_pct=15)
    assert verdict.outcome == "pass" and "a little below the canonical 82" in verdict.message

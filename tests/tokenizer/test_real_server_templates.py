"""issue 11: tokenizer identification on llama.cpp's `llama-server` is exact for every catalogued llama.cpp
vocabulary, served with the model's own chat template and with none (the server's default, ChatML), and
a vocabulary outside the catalog still reads `unknown`.

Found here: with the default template on a vocabulary that lacks ChatML's tokens, `<|im_end|>` is plain
text and merged with the message's last characters ("OK." + "<|" is one punctuation pre-token in the
base message; a probe message ending in letters was not), so 8 of 13 vocabularies read 1 token off
(`unknown`, nearest class at distance 1). Probe messages now begin and end with the base text
(design layout base+probe+base), so both calls meet the template with the same text. Both designed
probes are sent (`confirm`): Baichuan's vocabulary counts exactly like starcoder on probe-1 alone.
"""

from __future__ import annotations

import pytest

from audit.probes.registry import find_probe
from audit.tokenizers.catalog import load_catalog
from tests.support.realserver.paths import llama_server_bin, vocab_file
from tests.support.realserver.servers import LlamaServer
from tests.support.realserver.testing import unavailable
from tests.support.tokenizer_drive import probe_endpoint

realserver = pytest.mark.realserver


def _catalog_vocabs() -> dict[str, str]:
    """llama.cpp vocab name -> the catalog entry that loads it."""
    out = {}
    for entry in load_catalog().tokenizers:
        for spec in entry.loaders:
            file = getattr(spec, "file", None) or ""
            if spec.kind == "gguf" and file.startswith("ggml-vocab-"):
                out[file[len("ggml-vocab-"):-len(".gguf")]] = entry.name
    return out


CATALOG = _catalog_vocabs()
HELD_OUT = ("baichuan", "aquila", "qwen35")  # vocabularies (or pre-tokenizers) in no catalog entry


def _identify(tmp_path, vocab: str, template: bool):
    if not llama_server_bin().is_file():
        unavailable("llama-server is not built (scripts/setup-real-servers.sh --llama-server)")
    if not vocab_file(vocab).is_file():
        unavailable(f"{vocab_file(vocab)} is missing (audit tokenizers fetch)")
    from tests.support.realserver.tiny_gguf import build_tiny_model

    model = build_tiny_model(vocab, seed=3, template=template)
    probe = find_probe("tokenizer-integrity")
    with LlamaServer(model, alias="m") as server:
        findings, done = probe_endpoint(probe, server.base_url, "m", tmp_path / "evidence.jsonl")
    return probe.design, {f.check: f for f in findings}["tokenizer-match"].values, done


def test_every_catalog_llama_cpp_vocabulary_is_covered():
    assert len(CATALOG) == 13 and set(CATALOG.values()) >= {"llama-2", "gemma-4", "phi-3", "falcon", "r50k_base"}
    assert not set(HELD_OUT) & set(CATALOG)


@realserver
@pytest.mark.parametrize("template", [False, True], ids=["server-default-template", "own-template"])
@pytest.mark.parametrize("vocab", sorted(CATALOG))
def test_llama_server_identifies_every_catalog_vocabulary(tmp_path, vocab, template):
    design, values, done = _identify(tmp_path, vocab, template)
    cls = design.class_of(CATALOG[vocab])
    assert values["status"] == "match" and values["observed_class"] == cls.id, values
    assert values["deltas"] == cls.expected  # exact on both probes: tolerance 0, no offset
    assert len(done) == 3  # base and both probes, sent together


@realserver
@pytest.mark.parametrize("vocab", HELD_OUT)
def test_a_vocabulary_outside_the_catalog_stays_unknown(tmp_path, vocab):
    _, values, _ = _identify(tmp_path, vocab, False)
    assert values["observed_class"] == "unknown" and values["status"] != "match", values
    assert values["nearest"] and values["nearest"][0]["distance"] > 0

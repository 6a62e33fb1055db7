"""`audit.core.slug.slugify`: one function whose parameters give each caller its exact slug."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from audit.core.slug import slugify
from audit.fmti.rubricgen import id_slug
from audit.runtime.run_folder import new_run_id

SAMPLES = ["Data size", "  Third-party  harms ", "Café Déjà-vu", "GPT-4o mini (2024-07-18)", "llama3.1:8b",
           "..hidden..", "a--b", "a -b", "a.-.b", "日本語モデル", "", "---", "İstanbul K", "Model_Name v2.5",
           "x" * 100 + " tail", "a" * 79 + "-b" + "c" * 10, "ﬁne ligature", "Qwen/Qwen2.5-7B-Instruct"]


def test_fmti_ids_fold_accents_cut_at_80_and_fall_back_to_x():
    assert id_slug("Café Déjà-vu") == "cafe-deja-vu"
    assert id_slug("日本語") == "x"
    assert id_slug("a" * 79 + "-b") == "a" * 79
    assert id_slug("Release decision-making protocol") == "release-decision-making-protocol"


def test_kept_characters_and_no_ascii_folding():
    assert slugify("GPT-4o mini (2024-07-18)", keep="._-", ascii_only=False, fallback="model") == "gpt-4o-mini-2024-07-18"
    assert slugify("a -b", keep="._-", ascii_only=False) == "a--b"
    assert slugify("a -b") == "a-b"
    assert slugify("Café", ascii_only=False) == "caf"
    assert slugify("v2.5 model", keep=".") == "v2.5-model"
    assert slugify("..x..", keep=".") == "x"


def test_fallback_may_be_a_function_of_the_text():
    digest = lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]  # noqa: E731
    assert slugify("日本語", keep=".", fallback=digest) == digest("日本語")
    assert slugify("", fallback="model") == "model"


@pytest.mark.parametrize("text", SAMPLES)
def test_run_ids_keep_their_shape(text):
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    run_id = new_run_id(text, when)
    assert run_id.startswith("20260102-030405-") and len(run_id) <= 80
    tail = run_id.removeprefix("20260102-030405-")
    assert tail == (slugify(text, keep="._-", ascii_only=False, fallback="model") or "model")[:len(tail)]

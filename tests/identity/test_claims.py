"""Claims read from answers in seven languages, classified against the declared identity."""

from __future__ import annotations

import pytest

from audit.probes.identity.catalog import default_catalog
from audit.probes.identity.claims import IdentityReader, versions_compatible
from audit.schema.disclosure import ModelIdentity

GPT4O = ModelIdentity(vendor="OpenAI", name="GPT-4o", api_id="gpt-4o-2024-08-06")


@pytest.fixture(scope="module")
def reader():
    return IdentityReader(default_catalog(), GPT4O, "gpt-4o")


@pytest.mark.parametrize("text, lang, category, vendor", [
    ("I am ChatGPT, a model by OpenAI based on GPT-4o.", "en", "match", "openai"),
    ("Soy un modelo de OpenAI.", "es", "match", "openai"),
    ("أنا نموذج من أوبن إيه آي", "ar", "match", "openai"),
    ("我不是通义千问，我是ChatGPT。", "zh", "match", "openai"),
    ("I'm Claude, made by Anthropic.", "en", "competitor", "anthropic"),
    ("I am not ChatGPT; I am Claude 3.5 Sonnet.", "en", "competitor", "anthropic"),
    ("我是通义千问，由阿里云开发。", "zh", "competitor", "alibaba"),
    ("私はクロードです。", "ja", "competitor", "anthropic"),
    ("Ich bin Llama 3.1 70B von Meta.", "de", "competitor", "meta"),
    ("I was trained by Google DeepMind.", "en", "competitor", "google"),
    ("我是深度求索公司开发的DeepSeek-V3。", "zh", "competitor", "deepseek"),
    ("Je suis GPT-3.5 Turbo d'OpenAI.", "fr", "same_vendor_other", "openai"),
    ("I am o1-mini.", "en", "same_vendor_other", "openai"),
    ("I'm GPT-4o mini.", "en", "same_vendor_other", "openai"),
    ("Je ne peux pas dire quel modèle je suis.", "fr", "declines", None),
    ("具体的なモデルについてはお答えできません。", "ja", "declines", None),
    ("Hello! How can I help?", "en", "no_identity", None),
])
def test_classification(reader, text, lang, category, vendor):
    claim = reader.classify(text, lang)
    assert (claim.category.value, claim.vendor) == (category, vendor)


def test_words_that_only_look_like_models_are_not_claims(reader):
    for text in ("Run this command in a terminal.", "Granite countertops are durable.", "The phi coefficient"):
        assert reader.classify(text, "en").category.value == "no_identity", text


def test_unknown_vendor_uses_the_declared_names():
    reader = IdentityReader(default_catalog(), ModelIdentity(vendor="Reference Labs", name="Reference Model 1.0"),
                            "reference-model")
    assert reader.classify("I am Reference Model, by Reference Labs.", "en").category.value == "match"
    assert reader.classify("Je suis Reference Model 2.0.", "fr").category.value == "same_vendor_other"
    assert reader.classify("I am GPT-4.", "en").category.value == "competitor"


@pytest.mark.parametrize("claimed, declared, ok", [
    ("3.5 Sonnet", "3.5 Sonnet", True), ("Sonnet", "3.5 Sonnet", True), ("3 Opus", "3.5 Sonnet", False),
    ("4", "4o", True), ("4o mini", "4o", False), ("2.0", "1.0", False), ("1", "1.0", True), (None, "4o", True),
])
def test_versions_compare_leniently(claimed, declared, ok):
    assert versions_compatible(claimed, declared) is ok

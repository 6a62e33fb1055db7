"""The shipped catalog validates, and a bad catalog is reported with file, line and field."""

from __future__ import annotations

import pytest

from audit.core.errors import InputError
from audit.probes.identity.catalog import load_catalog, default_catalog
from audit.probes.registry import shipped_probe_files

REQUIRED_FAMILIES = {"openai": {"gpt", "o-series"}, "anthropic": {"claude"}, "google": {"gemini", "gemma"},
                     "meta": {"llama"}, "mistral": {"mistral"}, "alibaba": {"qwen"}, "deepseek": {"deepseek"},
                     "xai": {"grok"}, "microsoft": {"phi"}, "cohere": {"command"}, "ai21": {"jamba"},
                     "ibm": {"granite"}}


def test_shipped_catalog_covers_the_required_vendors():
    catalog = load_catalog()
    families = {v.id: {f.id for f in v.families} for v in catalog.vendors}
    for vendor, wanted in REQUIRED_FAMILIES.items():
        assert wanted <= families[vendor], vendor
    assert {"en", "fr", "de", "es", "zh", "ja", "ar"} <= set(catalog.languages)


def test_catalog_is_not_a_probe_definition():
    assert all(not p.name.startswith("_") for p in shipped_probe_files())


def test_bad_catalog_names_file_line_and_field(tmp_path):
    bad = tmp_path / "_catalog.yaml"
    bad.write_text("version: '1'\ndefault_version: '(\\d+)'\nvendors:\n  - id: acme\n    names: [Acme]\n"
                   "    families:\n      - id: rocket\n        patterns: ['(unclosed']\n    colour: red\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_catalog(bad)
    messages = caught.value.messages()
    assert any(":8:" in m and "vendors[0].families[0].patterns" in m and "regular expression" in m for m in messages)
    assert any(":9:" in m and "vendors[0].colour" in m and "unknown key" in m for m in messages)


def test_competitors_exclude_the_declared_vendor():
    catalog = default_catalog()
    rivals = [v.id for v in catalog.competitors("openai")]
    assert "openai" not in rivals and "anthropic" in rivals and len(rivals) >= 8

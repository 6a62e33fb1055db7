"""Property tests (Hypothesis): the YAML loader, record and rubric validation, redaction and Markdown
escaping, over generated input. Kept fast for the normal suite; bench/fuzz.py runs the long version."""

from __future__ import annotations

import html
import string

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from audit.core.errors import InputError
from audit.core.mdtext import md_code, md_escape, md_url
from audit.core.yamlio import parse_yaml_text, validate_model
from audit.providers.redact import REDACTED, Redactor
from audit.schema.disclosure import DisclosureRecord
from audit.schema.rubric import Rubric
from tests.support.hostile_server import ENCODINGS, encode, key_fragments

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- YAML ------------------------------------------------------------------------------------

YAML_PIECES = st.sampled_from(["a: 1\n", "- x\n", "&a [*a]\n", "!!int x\n", "!!python/object:os.system {}\n",
                               "k: [\n", "{", "}", ": ", "\t", "\x00", "\x1b", "&x ", "*x", "2026-02-30", "\n",
                               "'", '"', "#", "? ", "|\n  ", ">-\n  ", "%YAML 1.1\n", "---\n", "...\n", "é", "1e999"])
YAML_TEXT = st.one_of(st.text(max_size=200), st.lists(YAML_PIECES, max_size=30).map("".join))


def assert_located(error: InputError, file: str) -> None:
    assert error.problems
    for problem in error.problems:
        text = str(problem)
        assert text.startswith(file) and "\n" not in text and "Traceback" not in text


@FAST
@given(YAML_TEXT)
def test_any_text_loads_or_is_one_located_error(text):
    try:
        parse_yaml_text(text, "f.yaml")
    except InputError as exc:
        assert_located(exc, "f.yaml")


# YAML 1.1 reads NEL and the Unicode line and paragraph separators as line breaks (PyYAML emits them raw)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x85\u2028\u2029"),
               max_size=20)
JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | TEXT,
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                       max_leaves=20)


@FAST
@given(JSONISH)
def test_dumped_data_loads_back_equal(data):
    text = yaml.safe_dump(data, allow_unicode=True)
    loaded, _ = parse_yaml_text(text, "f.yaml")
    assert loaded == data


# --- records and rubrics -------------------------------------------------------------------------

RECORD_KEYS = ["rubric", "model", "indicators", "assessment", "provenance", "vendor", "name", "status", "quote",
               "sources", "url", "title", "level", "note", "api_id", "release_date"]
FIELDS = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
                      | st.dates().map(str),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(RECORD_KEYS) | st.text(max_size=6), inner, max_size=5),
                      max_leaves=25)


@FAST
@given(st.dictionaries(st.sampled_from(RECORD_KEYS), FIELDS, max_size=6))
def test_any_record_data_validates_or_is_located(data):
    text = yaml.safe_dump(data)
    loaded, lines = parse_yaml_text(text, "r.yaml")
    try:
        validate_model(DisclosureRecord, loaded, lines, "r.yaml")
    except InputError as exc:
        assert_located(exc, "r.yaml")


RUBRIC_KEYS = ["id", "version", "title", "domains", "criteria", "indicators", "points", "max_points", "levels",
               "threshold", "definition", "question", "grades", "grade", "min_percent", "evidence", "probe", "check"]


@FAST
@given(st.dictionaries(st.sampled_from(RUBRIC_KEYS),
                       st.recursive(st.none() | st.integers(-5, 200) | st.text(max_size=10),
                                    lambda inner: st.lists(inner, max_size=3)
                                    | st.dictionaries(st.sampled_from(RUBRIC_KEYS), inner, max_size=5),
                                    max_leaves=25), max_size=8))
def test_any_rubric_data_validates_or_is_located(data):
    loaded, lines = parse_yaml_text(yaml.safe_dump(data), "u.yaml")
    try:
        validate_model(Rubric, loaded, lines, "u.yaml")
    except InputError as exc:
        assert_located(exc, "u.yaml")


# --- redaction --------------------------------------------------------------------------------------

KEY_ALPHABET = string.ascii_letters + string.digits + "-_.+/=~"
KEYS = st.text(KEY_ALPHABET, min_size=8, max_size=60)
AROUND = st.text("xyzXYZ !?,:;<>()\"'\n{}[]", max_size=30)  # shares no letter with... see filter below


@FAST
@given(KEYS, st.sampled_from(sorted(ENCODINGS)), AROUND, AROUND)
def test_the_key_in_any_encoding_is_redacted(key, encoding, before, after):
    redacted = Redactor([key]).text(before + encode(key, encoding) + after)
    assert REDACTED in redacted
    assert key_fragments(redacted.replace(REDACTED, ""), key) == []


@FAST
@given(KEYS, st.text(string.ascii_letters + string.digits + " .,:\n", max_size=200))
def test_text_without_the_key_is_left_alone(key, text):
    if key.lower() in text.lower():
        return
    assert Redactor([key]).text(text) == text


@FAST
@given(KEYS, JSONISH)
def test_redaction_keeps_the_shape_of_data(key, data):
    def shape(value):
        if isinstance(value, dict):
            return {"dict": len(value)}
        if isinstance(value, list):
            return [shape(v) for v in value]
        return type(value).__name__

    assert shape(Redactor([key]).data(data)) == shape(data)


# --- Markdown ---------------------------------------------------------------------------------------

MD = MarkdownIt("commonmark", {"html": True}).enable("table")
MARKUP = st.sampled_from(list("\\`*_[]()<>|~!#&-+=.:;\"'") + ["<script>", "](javascript:x)", "&amp;", "&#x3c;",
                                                                    "\n\n", "1. ", "- ", "> ", "```", "<!--", "\t"])
MD_TEXT = st.one_of(st.text(max_size=80), st.lists(MARKUP | st.text(max_size=4), max_size=25).map("".join))


def one_line(text: str) -> str:
    return md_escape.__globals__["_one_line"](text)


def as_html(text: str) -> str:
    """`text` as markdown-it writes it in HTML (it escapes & < > and ", not ')."""
    return html.escape(text, quote=False).replace('"', "&quot;")


@FAST
@given(MD_TEXT)
def test_escaped_text_renders_as_exactly_that_text(text):
    plain = one_line(text)
    rendered = MD.render(md_escape(text))
    assert rendered == (f"<p>{as_html(plain)}</p>\n" if plain else ""), (text, md_escape(text))


@FAST
@given(st.lists(MD_TEXT, min_size=3, max_size=3))
def test_escaped_cells_keep_their_columns(cells):
    table = "| a | b | c |\n|---|---|---|\n| " + " | ".join(md_escape(c) for c in cells) + " |\n"
    rendered = MD.render(table)
    body = rendered.split("<tbody>")[1] if "<tbody>" in rendered else ""
    assert body.count("<td>") == 3, (cells, rendered)
    assert "<script" not in rendered and "<a " not in rendered


@FAST
@given(MD_TEXT)
def test_code_spans_hold_the_text_on_one_line(text):
    rendered = MD.render("x " + md_code(text))
    inner = one_line(text).replace("`", "")
    assert f"<code>{as_html(inner.strip()) or '-'}</code>" in rendered or not inner.strip()


@FAST
@given(st.text(max_size=60))
def test_link_targets_are_http_only_and_stay_one_link(tail):
    for scheme in ("https://e.org/", "javascript:", "data:text/html,"):
        target = md_url(scheme + tail)
        if not scheme.startswith("http"):
            assert target is None
            continue
        rendered = MD.render(f"[t]({target})")
        assert rendered.count("<a ") == 1 and rendered.endswith("</a></p>\n"), (tail, rendered)

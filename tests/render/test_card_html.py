"""The HTML card: escaping, links, self-containment, not-assessed display, findings, extra sections."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from audit.scoring.pipeline import score_record
from audit.render.html import result_html
from audit.render.view import build_view
from audit.schema.section import Section

BAD_URL = "javascript:alert(1)"  # as in conftest.synthetic_result
HOSTILE_QUOTE = 'We say <script>alert("x")</script> & more'
FIXTURE_RECORD = "tests/fixtures/mini-record.yaml"
FIXTURE_RUBRIC = "tests/fixtures/mini-rubric.yaml"


class _Tags(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


@pytest.fixture(scope="module")
def fixture_html() -> str:
    return result_html(score_record(FIXTURE_RECORD, FIXTURE_RUBRIC))


@pytest.fixture(scope="module")
def synthetic_html(make_result) -> str:
    return result_html(make_result())


def test_record_text_is_escaped(fixture_html):
    assert "<script" not in fixture_html
    assert "<b>One" not in fixture_html
    assert "Acme &lt;b&gt;One&lt;/b&gt;" in fixture_html
    assert "a &lt;script&gt;x&lt;/script&gt; model" in fixture_html
    assert not any(tag in ("script", "b") for tag, _ in tags_of(fixture_html))


def test_hostile_quote_and_finding_values_are_escaped(synthetic_html):
    assert "<script" not in synthetic_html and "<img" not in synthetic_html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in synthetic_html
    assert "&lt;img src=x onerror=alert(1)&gt;" in synthetic_html
    assert HOSTILE_QUOTE not in synthetic_html


def test_only_http_sources_become_links(synthetic_html):
    hrefs = [attrs.get("href") for tag, attrs in tags_of(synthetic_html) if tag == "a"]
    external = [h for h in hrefs if not (h or "").startswith("#")]
    assert external == ["https://example.com/model-card?a=1&b=2"]
    assert BAD_URL in synthetic_html  # shown as text, so the reader sees what was cited
    assert not any("javascript:" in (v or "") for _, attrs in tags_of(synthetic_html) for v in attrs.values())
    assert "file:///etc/passwd" in synthetic_html and 'href="file:' not in synthetic_html


def test_internal_links_point_at_existing_anchors(synthetic_html):
    tags = tags_of(synthetic_html)
    ids = {attrs["id"] for _, attrs in tags if attrs.get("id")}
    targets = {attrs["href"][1:] for tag, attrs in tags if tag == "a" and (attrs.get("href") or "").startswith("#")}
    assert targets and targets <= ids


def test_html_is_self_contained(synthetic_html):
    tags = tags_of(synthetic_html)
    assert not [t for t, _ in tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    for tag, attrs in tags:
        if tag != "a":
            assert not any(re.match(r"\s*(https?:)?//", attrs.get(a) or "") for a in ("src", "href", "srcset"))
    style = re.search(r"<style>(.*?)</style>", synthetic_html, re.S).group(1)
    assert "border-collapse" in style  # the stylesheet is inlined
    assert "@import" not in style and "@font-face" not in style
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", style)


def test_header_shows_identity_total_grade_and_provisional(synthetic_html, make_result):
    r = make_result()
    for text in ("Nova Labs", "nova-ultra", "nova-ultra-2026-10-01", "20 November 2026", "Test Assessor"):
        assert text in synthetic_html
    assert f"<strong>{r.total}</strong><span>/ {r.max_total}</span>" in synthetic_html
    assert '<span class="badge-grade">C</span>' in synthetic_html
    assert "Provisional" in synthetic_html and "Coverage 66.7%" in synthetic_html


def test_complete_coverage_is_not_provisional(fixture_html):
    assert "Provisional" not in fixture_html
    assert "Coverage 100%" in fixture_html


def test_without_grade_bands_the_badge_shows_the_percentage(make_result):
    r = make_result(grades=False)
    html = result_html(r)
    assert '<span class="badge-caption">Score</span>' in html
    assert f'<span class="badge-grade">{r.percent:.0f}%</span>' in html
    assert "Grade" not in re.sub(r"<style>.*?</style>", "", html, flags=re.S)


def test_not_assessed_looks_different_from_zero(synthetic_html):
    rows = re.findall(r'<tr class="ind state-(\w+)">(.*?)</tr>', synthetic_html, re.S)
    by_state = {}
    for state, row in rows:
        by_state.setdefault(state, row)
    missed, not_assessed = by_state["missed"], by_state["not_assessed"]
    assert '<span class="pts">0</span>' in missed and "chip-missed" in missed
    assert '<span class="pts">—</span>' in not_assessed and "chip-not_assessed" in not_assessed
    assert "Not assessed until it runs" in synthetic_html  # the reason is shown
    assert 'class="seg seg-not_assessed"' in synthetic_html and 'class="seg seg-missed"' in synthetic_html
    assert '<div class="bar-na"' in synthetic_html  # hatched share on the domain bars


def test_probe_and_fallback_bases_are_named(synthetic_html):
    assert 'class="basis basis-probe">Live probe' in synthetic_html
    assert "identity-basic:self-identification" in synthetic_html
    assert 'class="basis basis-disclosure_fallback">Disclosure (probe fallback)' in synthetic_html


def test_findings_show_outcome_message_and_values(synthetic_html):
    assert "outcome-fail" in synthetic_html and "41% of 50 answers named another model." in synthetic_html
    assert "<th>ci95</th><td>0.28, 0.55</td>" in synthetic_html
    assert "<th>rate</th><td>0.41</td>" in synthetic_html
    assert "Not available" in synthetic_html


def test_non_latin_text_passes_through(synthetic_html):
    assert "日本語のメモ 🚀" in synthetic_html


def test_footer_carries_provenance(make_result):
    r = make_result(credit="FMTI data: Stanford CRFM, CC-BY 4.0")
    html = result_html(r)
    for text in (r.rubric.sha256, r.target.record_sha256, r.evidence_sha256, r.run_id, "model-integrity-audit 0.1.0",
                 "FMTI data: Stanford CRFM, CC-BY 4.0", "25 November 2026, 09:30 UTC"):
        assert text in html


def test_extra_sections_plug_in_and_are_escaped(make_result):
    section = Section("Identity rates", "table.html",
                      {"columns": ["Prompt", "Rate"], "rows": [["<who are you>", "0.95"]], "note": "n = 40"})
    html = result_html(make_result(), sections=[section])
    assert 'id="section-identity-rates"' in html and "<h2>Identity rates</h2>" in html
    assert "<td>&lt;who are you&gt;</td><td>0.95</td>" in html
    assert "extra-section" not in result_html(make_result())


def test_section_partial_must_be_a_plain_name():
    with pytest.raises(ValueError):
        Section("Bad", "../card.html")


def test_view_keeps_criteria_order_and_dedupes_sources(make_result):
    view = build_view(make_result())
    assert [c.id for c in view.criteria] == ["naming", "substitution", "architecture", "tokenizer", "versioning",
                                             "drift"]
    assert [s.ref for s in view.sources] == ["S1", "S2", "S3"]
    assert view.sources[0].url and view.sources[1].url is None and view.sources[1].text_url == BAD_URL

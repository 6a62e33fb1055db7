"""Markdown injection: untrusted text in the .md card and the drift summary stays text.

Each file is rendered by a real CommonMark parser (markdown-it-py, with GitHub's tables) and the
HTML checked: no raw tag, no link but the http(s) sources, every table row with its own cells.
"""

from __future__ import annotations

import re

import yaml
from markdown_it import MarkdownIt

from audit.core.mdtext import md_code, md_escape, md_url
from audit.probes.drift.report import DriftReport
from audit.probes.drift.summary import summary_markdown
from tests.hostile.conftest import invoke

FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures"

HOSTILE = [
    "x\n\n<script>alert(1)</script>",
    "`a`\n\n<img src=x onerror=alert(1)>",
    "a | b | c",
    "[click](javascript:alert(1))",
    "![img](http://evil.example/p.png)",
    "<!-- comment -->**bold**",
    "\x1b[31mred\x1b[0m",
    "line1\r\n# heading\n- item\n> quote\n1. one",
    "&lt;script&gt;",
]


def to_html(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def assert_inert(markdown: str, *, links: tuple[str, ...] = ()) -> str:
    html = to_html(markdown)
    tags = set(re.findall(r"<([a-zA-Z!][a-zA-Z0-9-]*)", html))
    assert tags <= {"h1", "h2", "h3", "p", "strong", "em", "code", "ul", "li", "table", "thead", "tbody", "tr",
                    "th", "td", "a", "sub", "br", "blockquote", "ol", "hr"}, tags
    assert "<script" not in html and "<img" not in html and "<!--" not in html and "\x1b" not in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert set(hrefs) <= set(links) | {h for h in hrefs if any(h.startswith(link) for link in links)}, hrefs
    return html


def rows_have_columns(markdown: str) -> None:
    """Every table row has as many cells as its header: no pipe from the data splits a cell."""
    html = to_html(markdown)
    for table in re.findall(r"<table>(.*?)</table>", html, re.S):
        head = len(re.findall(r"<th[ >]", table.split("</thead>")[0]))
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S):
            assert len(re.findall(r"<td[ >]", row)) == head, row


def hostile_record(tmp_path, text: str):
    record = {"rubric": "mini", "model": {"vendor": text, "name": text, "api_id": text, "snapshot": text},
              "assessment": {"assessor": text, "audit_note": text},
              "indicators": {"arch-family": {"status": "partial", "level": "vague", "quote": text, "note": text,
                                             "sources": [{"title": text, "url": "https://example.org/a b(c)|[d]"}]},
                             "arch-probe": {"status": "disclosed", "note": text}}}
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=False))
    return path


def test_hostile_record_fields_stay_text_in_the_md_card(tmp_path):
    for n, text in enumerate(HOSTILE):
        out = tmp_path / f"out{n}"
        result = invoke("card", str(hostile_record(tmp_path, text)), "--rubric", str(FIXTURES / "mini-rubric.yaml"),
                        "--out", str(out), "--formats", "md")
        assert result.exit_code == 0, result.stderr
        (card,) = out.glob("*.md")
        markdown = card.read_text()
        assert_inert(markdown, links=("https://example.org/a%20b%28c%29%7C%5Bd%5D",))
        rows_have_columns(markdown)
        assert "**API id:** `" in markdown


def drift_report(**fingerprint) -> DriftReport:
    return DriftReport.model_validate({
        "verdict": "drift", "p_value": 0.001, "level": 0.05, "alpha": 0.05, "rule": "min-p", "method": "test",
        "permutations": 10, "seed": 0, "current_calls": 3, "current_output_tokens": 30,
        "baseline_samples": 3, "current_samples": 3,
        "tests": [{"name": "length | <b>x</b>", "p_value": 0.5, "statistic": 1.0, "effect": 0.1, "effect_label": "diff",
                   "ci_low": 0.0, "ci_high": 0.2, "prompts": 3}],
        "fingerprint": fingerprint})


def test_drift_summary_escapes_what_the_server_reported():
    for text in HOSTILE:
        report = drift_report(current_models=[text], baseline_models=["m"], current_fingerprints=[text, "fp_ok"],
                              baseline_fingerprints=["fp_ok"], model_changed=True, fingerprint_changed=True)
        markdown = summary_markdown(report, model=text, endpoint="http://h/v1?" + text, baseline=text, run=text)
        assert_inert(markdown)
        rows_have_columns(markdown)
        assert "`fp_ok`" in markdown


def test_helpers_on_the_worst_cases():
    assert md_escape("a\n\nb | `c`") == "a b \\| \\`c\\`"
    assert md_code("x`\n\n<y>") == "`x <y>`" and md_code("a|b", cell=True) == "`a\\|b`" and md_code("``") == "`-`"
    assert md_url("javascript:alert(1)") is None
    assert md_url("https://e.org/a b)(<x>\n") == "https://e.org/a%20b%29%28%3Cx%3E"
    assert md_url("https://e.org/a\nb") == "https://e.org/a%0Ab"

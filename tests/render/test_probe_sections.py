"""probe_sections: identity, tokenizer, then the drift timeline, in that order, rendered in every form."""

from __future__ import annotations

from audit.runtime import sections as sections_module
from audit.history.timeline import timeline_view
from audit.core.errors import OutputError
from audit.history.store import HistoryRow
from audit.scoring.pipeline import score_record
from audit.render.html import result_html
from audit.render.markdown import view_markdown
from audit.runtime.sections import probe_sections
from audit.render.view import build_view
from audit.schema.section import Section
from audit.schema.finding import Finding

RECORD = "data/disclosures/allenai/olmo-2-7b.yaml"


def _findings() -> list[Finding]:
    token = {"observed_class": "llama-3", "status": "match", "members": ["llama-3"], "deltas": {"probe-1": 300},
             "design_gap": {"probe-1": 9}, "nearest": [{"class": "llama-3", "members": ["llama-3"], "distance": 0}],
             "calls": 2}
    return [
        Finding(probe_id="tokenizer-integrity", kind="tokenizer", check="hidden-overhead", outcome="pass",
                message="10 tokens of overhead", exchanges=["tokenizer-integrity/base"],
                values={**token, "overhead_tokens": 10, "known_template_overhead": {"llama-3": 10},
                        "matched_template": "llama-3", "excess_tokens": 0}),
        Finding(probe_id="identity-consistency", kind="identity", check="self-identification", outcome="pass",
                message="named itself", exchanges=["identity-consistency/en.who-direct.none.r0"],
                values={"consistency_rate": 0.9, "consistency_rate_ci_low": 0.8, "consistency_rate_ci_high": 0.95,
                        "consistency_rate_n": 40, "calls_used": 40, "calls_planned": 200, "confidence": 0.95,
                        "quotes": [{"exchange": "identity-consistency/en.who-direct.none.r0", "lang": "en",
                                    "mode": "none", "class": "match", "answer": "I am *OLMo* | 2 <b>"}]}),
    ]


def _drift_rows() -> list[HistoryRow]:
    return [HistoryRow(id=i, run_id=f"r{i}", kind="drift", generated_at=f"2026-0{i}-01T00:00:00", model="olmo",
                       rubric_id="integrity-v1", total=50, max_total=100, percent=50.0, grade="C",
                       verdict="drift" if i == 2 else "stable", p_value=0.001 if i == 2 else 0.4, level=0.05,
                       baseline="base", fingerprint_changed=False) for i in (1, 2)]


def test_fixed_order_and_drift_only_with_a_history(monkeypatch, tmp_path):
    result = score_record(RECORD, findings=_findings())
    assert [s.partial for s in probe_sections(result)] == ["identity.html", "tokenizer.html"]
    drift = Section(title="Drift timeline", partial="drift.html", data=timeline_view(_drift_rows()))
    asked = []
    monkeypatch.setattr(sections_module, "drift_timeline", lambda r, model, db: asked.append((model, db)) or [drift])
    sections = probe_sections(result, model="olmo", history=tmp_path / "h.sqlite")
    assert [s.partial for s in sections] == ["identity.html", "tokenizer.html", "drift.html"]
    assert asked == [("olmo", tmp_path / "h.sqlite")]


def test_an_unreadable_history_warns_and_leaves_the_probe_sections(monkeypatch, tmp_path):
    def broken(*args):
        raise OutputError("history locked")

    monkeypatch.setattr(sections_module, "drift_timeline", broken)
    warnings = []
    sections = probe_sections(score_record(RECORD, findings=_findings()), history=tmp_path / "h", warn=warnings.append)
    assert [s.partial for s in sections] == ["identity.html", "tokenizer.html"]
    assert warnings == ["history locked; the card has no drift timeline"]


def test_markdown_renders_each_section_kind_escaped():
    result = score_record(RECORD, findings=_findings())
    sections = probe_sections(result) + [Section(title="Drift timeline", partial="drift.html",
                                                 data=timeline_view(_drift_rows()))]
    md = view_markdown(build_view(result, sections))
    order = [md.index(f"## {title}") for title in ("Identity consistency (identity-consistency)",
                                                   "Tokenizer integrity (tokenizer-integrity)", "Drift timeline")]
    assert order == sorted(order) and md.index("## Probe findings") > order[-1]  # sections, then the list
    assert "  - presented in Identity consistency (identity-consistency)" in md
    assert "90% (95% CI 80%–95%), n = 40" in md
    assert "I am \\*OLMo\\* \\| 2 \\<b\\>" in md  # a quoted answer cannot inject markup or break the table
    assert "10 tokens per request; llama-3 template 10, unexplained +0" in md
    assert "| 2026-02-01 00:00 | drift | 0.001 |" in md
    html = result_html(result, sections)
    assert "I am *OLMo* | 2 &lt;b&gt;" in html and "<b>" not in html.split("I am *OLMo*")[1][:20]

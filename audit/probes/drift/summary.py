"""A drift report as Markdown, short enough for a CI comment.

Everything that comes from outside (the model name, the endpoint, the baseline and run names, and
what the server reported as its model and system_fingerprint) is escaped (audit/core/mdtext.py):
a hostile server cannot put markup, links or HTML into the comment."""

from __future__ import annotations

from audit.core.mdtext import md_code, md_escape
from audit.probes.drift.report import TEST_TITLES, DriftReport

__all__ = ["summary_markdown"]

_HEADLINE = {"drift": "⚠️ Drift detected", "stable": "✅ No drift detected", "inconclusive": "❔ Inconclusive"}


def _names(values: list[str]) -> str:
    return ", ".join(md_code(v) for v in values) or "not reported"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


def summary_markdown(report: DriftReport, *, model: str, endpoint: str, baseline: str, run: str | None = None) -> str:
    lines = [f"### {_HEADLINE[report.verdict]}: {md_code(model)}", "",
             f"Compared with baseline {md_code(baseline)} at {md_escape(endpoint)}"
             + (f" (run {md_code(run)})" if run else "") + ".", "",
             f"- **Verdict:** {report.verdict} — combined p = {report.p_value:.3g}, alarm level {report.level:.3g}",
             f"- **Alarm rule:** {report.rule}",
             f"- **Cost:** {report.current_calls} calls, {report.current_output_tokens} output tokens", ""]
    lines += ["| test | p-value | effect | 95% interval | prompts |", "|---|---:|---|---|---:|"]
    for t in report.tests:
        lines.append(f"| {md_escape(TEST_TITLES.get(t.name, t.name))} | {t.p_value:.3g} "
                     f"| {md_escape(t.effect_label)}: {_num(t.effect)} | [{_num(t.ci_low)}, {_num(t.ci_high)}] | {t.prompts} |")
    f = report.fingerprint
    lines += ["", f"- **Served model:** {_names(f.current_models)} (baseline: {_names(f.baseline_models)})"
                  + (" — **changed**" if f.model_changed else ""),
              f"- **system_fingerprint:** {_names(f.current_fingerprints)} (baseline: {_names(f.baseline_fingerprints)})"
              + (" — **changed**" if f.fingerprint_changed else "")]
    if report.correct_baseline is not None and report.correct_current is not None:
        lines.append(f"- **Checkable answers correct:** {report.correct_current:.0%} now, "
                     f"{report.correct_baseline:.0%} in the baseline")
    lines += ["", f"<sub>{report.method}; {report.permutations} permutations, seed {report.seed}.</sub>", ""]
    return "\n".join(lines)

"""A drift report as Markdown, short enough for a CI comment."""

from __future__ import annotations

from audit.probes.drift.report import TEST_TITLES, DriftReport

__all__ = ["summary_markdown"]

_HEADLINE = {"drift": "⚠️ Drift detected", "stable": "✅ No drift detected", "inconclusive": "❔ Inconclusive"}


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


def summary_markdown(report: DriftReport, *, model: str, endpoint: str, baseline: str, run: str | None = None) -> str:
    lines = [f"### {_HEADLINE[report.verdict]}: `{model}`", "",
             f"Compared with baseline `{baseline}` at {endpoint}" + (f" (run `{run}`)" if run else "") + ".", "",
             f"- **Verdict:** {report.verdict} — combined p = {report.p_value:.3g}, alarm level {report.level:.3g}",
             f"- **Alarm rule:** {report.rule}",
             f"- **Cost:** {report.current_calls} calls, {report.current_output_tokens} output tokens", ""]
    lines += ["| test | p-value | effect | 95% interval | prompts |", "|---|---:|---|---|---:|"]
    for t in report.tests:
        lines.append(f"| {TEST_TITLES.get(t.name, t.name)} | {t.p_value:.3g} | {t.effect_label}: {_num(t.effect)} "
                     f"| [{_num(t.ci_low)}, {_num(t.ci_high)}] | {t.prompts} |")
    f = report.fingerprint
    lines += ["", f"- **Served model:** {', '.join(f.current_models) or 'not reported'} "
                  f"(baseline: {', '.join(f.baseline_models) or 'not reported'})"
                  + (" — **changed**" if f.model_changed else ""),
              f"- **system_fingerprint:** {', '.join(f.current_fingerprints) or 'not reported'} "
              f"(baseline: {', '.join(f.baseline_fingerprints) or 'not reported'})"
              + (" — **changed**" if f.fingerprint_changed else "")]
    if report.correct_baseline is not None and report.correct_current is not None:
        lines.append(f"- **Checkable answers correct:** {report.correct_current:.0%} now, "
                     f"{report.correct_baseline:.0%} in the baseline")
    lines += ["", f"<sub>{report.method}; {report.permutations} permutations, seed {report.seed}.</sub>", ""]
    return "\n".join(lines)

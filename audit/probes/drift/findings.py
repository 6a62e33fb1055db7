"""From a drift comparison to the two findings integrity-v1 reads: behaviour-stable, fingerprint-stable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from audit.schema.evidence import Exchange
from audit.schema.finding import Finding
from audit.probes.drift.alarm import audit_level, permutations_for, rule_text
from audit.probes.drift.compare import DriftSettings, compare
from audit.probes.drift.report import TEST_TITLES, DriftReport
from audit.probes.drift.samples import samples_from
from audit.probes.drift.values import BEHAVIOUR_CHECK, FINGERPRINT_CHECK, REFERENCE_CHECK, REPORT_CHECKS

if TYPE_CHECKING:
    from audit.probes.base import ProbeKind, TargetContext

__all__ = ["drift_findings", "settings_for", "report_of"]


def settings_for(probe: "ProbeKind", target: "TargetContext") -> DriftSettings:
    p = probe.params
    alpha = float(target.extra.get("drift_alpha", p.alpha))
    period = int(target.extra.get("drift_period", 1))
    level = audit_level(alpha, period)
    return DriftSettings(alpha=alpha, level=level, rule=rule_text(alpha, period),
                         permutations=max(p.permutations, permutations_for(level, 0)), seed=p.seed,
                         kernel_length=p.kernel_length, kernel_decay=p.kernel_decay,
                         paired=bool(target.extra.get("verify_paired", False)),
                         mixture=bool(target.extra.get("verify_mixture", False)),
                         logprob_tolerance=p.fixed.logprob_tolerance)


def is_minor_drift(report: DriftReport, share: float) -> bool:
    """Drift confined to fewer than `share` of the probe items: integrity-v1's `minor-drift` level.

    The items are the temperature-0 prompts, whose answers are checked one by one (`share` is the
    battery's `minor_drift_share`, 0.5 in drift-core). Without such prompts the extent is unknown, and
    the drift is not minor. The alarm (`audit drift` exit 1) follows the verdict either way.
    """
    fixed = report.test("fixed_agreement")
    return (report.verdict == "drift" and fixed is not None and fixed.effect is not None
            and fixed.effect < share)


def _extent(minor: bool, share: float) -> str:
    if share == 0.5:
        return "a minority" if minor else "at least half"
    return f"fewer than {share:.0%}" if minor else f"at least {share:.0%}"


def _behaviour_message(report: DriftReport, share: float, reference: str | None = None) -> str:
    top = report.strongest
    if reference is None:
        lead = (f"Drift detected (p = {report.p_value:.3g} <= {report.level:.3g})" if report.verdict == "drift"
                else f"No drift detected (p = {report.p_value:.3g} > {report.level:.3g})")
    else:  # audit verify: `reference` reads "compared with <reference> on <date>"
        lead = (f"{reference[0].upper()}{reference[1:]}: differs from the reference (p = {report.p_value:.3g} "
                f"<= {report.level:.3g})" if report.verdict == "drift" else
                f"{reference[0].upper()}{reference[1:]}: no difference from the reference detected "
                f"(p = {report.p_value:.3g} > {report.level:.3g})")
    fixed = report.test("fixed_agreement")
    if report.verdict == "drift" and fixed is not None and fixed.effect is not None:
        extent = _extent(is_minor_drift(report, share), share)
        lead += f"; {extent} of the temperature-0 answers changed ({fixed.effect:.0%} of {fixed.prompts} prompts)"
    if report.detectable_fraction is not None:
        lead += (f"; mixed routing: a share of {report.detectable_fraction:.1%} or more of the calls sent to a model "
                 "that answers otherwise would be detected (80% power at this budget)")
    if top is None:
        return lead + "."
    return (f"{lead}; strongest signal: {TEST_TITLES.get(top.name, top.name)} (p = {top.p_value:.3g}, "
            f"{top.effect_label} {top.effect:.3g}).")


def _fingerprint_message(report: DriftReport) -> str:
    f = report.fingerprint
    parts = []
    if f.model_changed:
        parts.append(f"served model {', '.join(f.current_models)} (baseline: {', '.join(f.baseline_models) or 'none'})")
    if f.fingerprint_changed:
        parts.append(f"system_fingerprint {', '.join(f.current_fingerprints)} "
                     f"(baseline: {', '.join(f.baseline_fingerprints) or 'none'})")
    if parts:
        return "Changed since the baseline: " + "; ".join(parts) + "."
    return (f"Served model ({', '.join(f.current_models) or 'not reported'}) and system_fingerprint "
            f"({', '.join(f.current_fingerprints) or 'not reported'}) unchanged since the baseline.")


def compared_with(target: "TargetContext") -> str | None:
    """'compared with <reference> on <date>' for a verification (audit verify), else None."""
    reference = target.extra.get("verify_reference")
    if not reference:
        return None
    date = target.extra.get("verify_date")
    return f"compared with {reference}" + (f" on {date}" if date else "")


def report_of(findings: Sequence[Finding]) -> DriftReport | None:
    """The drift report a behaviour-stable (or, from audit verify, reference-match) finding carries, if any."""
    for finding in findings:
        if finding.kind == "drift" and finding.check in REPORT_CHECKS and "verdict" in finding.values:
            return DriftReport.model_validate(finding.values)
    return None


def drift_findings(probe: "ProbeKind", target: "TargetContext", baseline: Sequence[Exchange],
                   current: Sequence[Exchange]) -> list[Finding]:
    make = probe.finding
    base_samples = samples_from(baseline, probe.id)
    cur_samples = samples_from(current, probe.id)
    reference = compared_with(target)
    check = REFERENCE_CHECK if reference is not None else BEHAVIOUR_CHECK
    if not base_samples:
        note = f"The baseline holds no usable answers of probe {probe.id}."
        return [make(check, "not_available", note), make(FINGERPRINT_CHECK, "not_available", note)]
    report = compare(base_samples, cur_samples, settings_for(probe, target), probe.expected_answers())
    report = report.model_copy(update={
        "current_calls": len(current),
        "current_output_tokens": sum((ex.usage.output_tokens or 0) for ex in current if ex.usage)})
    ids = [s.exchange_id for s in cur_samples]
    values = report.model_dump(mode="json")
    if report.verdict == "inconclusive":
        behaviour = make(check, "not_available",
                         "Too few answers in both runs for the same prompts to test for drift.", values, ids)
    else:
        share = probe.params.minor_drift_share
        outcome = "pass" if report.verdict == "stable" else ("partial" if is_minor_drift(report, share) else "fail")
        behaviour = make(check, outcome, _behaviour_message(report, share, reference), values, ids)
    fp = report.fingerprint
    fp_values = fp.model_dump(mode="json")
    if not fp.observed:
        fingerprint = make(FINGERPRINT_CHECK, "not_available",
                           "The API reported neither a model name nor a system_fingerprint.", fp_values, ids)
    else:
        fingerprint = make(FINGERPRINT_CHECK, "fail" if fp.changed else "pass", _fingerprint_message(report),
                           fp_values, ids)
    return [behaviour, fingerprint]

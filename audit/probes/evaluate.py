"""Evaluate: findings from recorded evidence alone (no network), the same in a run and in a rescore.

Each probe sees the latest exchange per call key. A probe that raises, or that still wants calls
the evidence lacks (a run stopped by a budget cap or killed), yields findings with outcome
`error` or `not_available` for each check the rubric asks of its kind, so those points are "not
assessed" and the other probes are untouched. A probe whose findings name a check its kind does not
declare (def.yaml), or another kind, has failed in the same way: its findings become `error`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from audit.probes.base import ProbeKind, TargetContext, exchanges_of
from audit.probes.registry import declaration
from audit.schema.evidence import Exchange
from audit.schema.finding import Finding
from audit.schema.rubric import Rubric

__all__ = ["evaluate_probes", "probe_checks", "UndeclaredCheck"]

FALLBACK_CHECK = "probe-run"


def probe_checks(rubric: Rubric, kind: str) -> list[str]:
    """The checks the rubric's indicators ask of probes of `kind`."""
    checks = {ind.probe.check for ind in rubric.indicators() if ind.probe and ind.probe.probe == kind}
    return sorted(checks) or [FALLBACK_CHECK]


class UndeclaredCheck(ValueError):
    """A probe emitted a finding its kind's declaration does not allow."""


def _declared(probe: ProbeKind, findings: list[Finding]) -> list[Finding]:
    """`findings`, after making sure each is of the probe's kind and of a check that kind declares."""
    decl = declaration(probe.kind)
    for f in findings:
        if f.kind != probe.kind:
            raise UndeclaredCheck(f"a finding of kind {f.kind!r} from a probe of kind {probe.kind!r}")
        if f.check not in decl.checks:
            raise UndeclaredCheck(f"check {f.check!r} is not declared by kind {probe.kind!r} "
                                  f"(declared: {', '.join(decl.check_names)})")
    return findings


def _blanket(probe: ProbeKind, rubric: Rubric, outcome: str, message: str) -> list[Finding]:
    return [Finding(probe_id=probe.id, kind=probe.kind, check=check, outcome=outcome, message=message)
            for check in probe_checks(rubric, probe.kind)]


def evaluate_probes(probes: Iterable[ProbeKind], target: TargetContext, latest: Mapping[str, Exchange],
                    rubric: Rubric) -> list[Finding]:
    """Findings of every probe, in probe order; never raises for one probe's failure."""
    findings: list[Finding] = []
    for probe in probes:
        done = exchanges_of(probe.id, latest.values())
        try:
            missing = [c.key for c in probe.next_calls(target, done) if c.key not in done]
            if missing:
                findings += _blanket(probe, rubric, "not_available",
                                     f"Probe {probe.id} is incomplete: {len(missing)} planned "
                                     f"call{'s' if len(missing) != 1 else ''} have no recorded response "
                                     "(run stopped early); resume the run to finish it.")
                continue
            findings += _declared(probe, probe.evaluate(target, done))
        except Exception as exc:  # one probe's failure never stops the others
            findings += _blanket(probe, rubric, "error", f"Probe {probe.id} failed: {type(exc).__name__}: {exc}")
    return findings

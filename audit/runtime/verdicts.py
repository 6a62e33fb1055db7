"""What a drift comparison needs before it may give a verdict: shared by `audit drift` and `audit verify`.

`check_collected` refuses a battery that mostly failed (or a probe that broke) before anything is compared;
`require_verdict` refuses a comparison that came out inconclusive. Both raise InputError (exit 2): a run with
no verdict is an error, never "stable" or "same".
"""

from __future__ import annotations

from audit.core.errors import InputError, Problem
from audit.probes.drift.findings import report_of
from audit.probes.drift.values import REPORT_CHECKS
from audit.schema.result import AuditResult

__all__ = ["MIN_OK_SHARE", "check_collected", "require_verdict"]

MIN_OK_SHARE = 0.5  # fewer successful calls than this share of the battery is an error, not a verdict


def check_collected(states, planned: int) -> None:
    """Refuse a verdict on a battery that mostly failed (or a probe that broke)."""
    problems = [f"probe {s.probe.id}: {s.error}" for s in states if s.error]
    ok = sum(1 for s in states for ex in s.done.values() if ex.ok)
    if problems:
        raise InputError([Problem("collect", p) for p in problems])
    if planned and ok < MIN_OK_SHARE * planned:
        failed = [ex.error for s in states for ex in s.done.values() if not ex.ok and ex.error]
        hint = f" (e.g. {failed[0]})" if failed else ""
        raise InputError([Problem("collect", f"only {ok} of {planned} calls succeeded{hint}; no verdict")])


def require_verdict(result: AuditResult) -> None:
    """A drift comparison with no verdict is an error (exit 2), never 'stable'."""
    report = report_of(result.findings)
    if report is None or report.verdict == "inconclusive":
        why = next((f.message for f in result.findings if f.check in REPORT_CHECKS), "no drift finding")
        raise InputError([Problem("drift", f"no verdict: {why}")])

"""Synthetic results for card tests: the cases the fixture records lack.

`synthetic_result()` builds an AuditResult shaped like the integrity rubric (three domains),
with every indicator state, probe and fallback bases, findings with values, long and non-Latin
text, hostile strings, and optional grade bands.
"""

from __future__ import annotations

import datetime as dt

import pytest

from audit.schema.disclosure import Source
from audit.schema.finding import Finding
from audit.schema.result import (AuditResult, CriterionResult, DomainResult, IndicatorResult, RubricStamp,
                                 TargetInfo, ToolStamp)

HOSTILE_QUOTE = 'We say <script>alert("x")</script> & more'
HOSTILE_MODEL = "Nova <b>Ultra</b>"
BAD_URL = "javascript:alert(1)"
LONG = ("The vendor's technical report describes the architecture at length but leaves the parameter count, "
        "the number of experts and the attention variant unstated; the model card repeats the marketing "
        "description without numbers. ") * 3


def _ind(id_, title, max_points, points, state, basis="disclosure", **kw) -> IndicatorResult:
    reasons = {
        "awarded": "Disclosed: meets the threshold.",
        "partial": "Partly disclosed: meets level 'vague'.",
        "missed": "Not disclosed.",
        "not_assessed": "The identity probe has not run. Not assessed until it runs.",
    }
    return IndicatorResult(id=id_, title=title, max_points=max_points, points=points, state=state, basis=basis,
                           reason=kw.pop("reason", reasons[state]), **kw)


def _criterion(id_, title, indicators, justification=None) -> CriterionResult:
    assessed = [i for i in indicators if i.points is not None]
    points = sum(i.points for i in assessed) if assessed else None
    return CriterionResult(
        id=id_, title=title, question=f"Does the vendor disclose {title.lower()}?",
        max_points=sum(i.max_points for i in indicators), points=points,
        assessed_max_points=sum(i.max_points for i in assessed),
        justification=justification or f"{points if points is not None else 'No'} points. See the indicators.",
        indicators=indicators)


def _domain(id_, title, criteria) -> DomainResult:
    return DomainResult(id=id_, title=title, max_points=sum(c.max_points for c in criteria),
                        points=sum(c.points or 0 for c in criteria),
                        assessed_max_points=sum(c.assessed_max_points for c in criteria), criteria=criteria)


def synthetic_result(*, grades: bool = True, model: str = HOSTILE_MODEL, findings: bool = True,
                     credit: str | None = None) -> AuditResult:
    src_ok = Source(title="Model card", url="https://example.com/model-card?a=1&b=2",
                    retrieved=dt.date(2026, 11, 1))
    src_bad = Source(title="Click me", url=BAD_URL)
    src_local = Source(title="Internal memo", url="file:///etc/passwd")
    identity = [
        _criterion("naming", "Model naming", [
            _ind("name-stable", "Stable name", 4, 4, "awarded", quote=HOSTILE_QUOTE, sources=[src_ok, src_bad]),
            _ind("snapshot-pinned", "Pinned snapshot", 3, 1, "partial", level="vague", status="partial",
                 note="Only a dated alias; 日本語のメモ 🚀 included."),
            _ind("self-id", "Self-identification", 3, 0, "missed", basis="probe",
                 reason="Probe identity/self-identification: fail. 41% of answers named another model.",
                 findings=["identity-basic:self-identification"]),
        ]),
        _criterion("substitution", "Substitution checks", [
            _ind("served-model", "Served model matches", 5, None, "not_assessed", basis="none"),
            _ind("fingerprint", "System fingerprint", 5, 3, "partial", basis="disclosure_fallback",
                 reason="Disclosed. Capped at 3 points: the identity probe has not run.",
                 sources=[src_local]),
        ], justification=LONG),
    ]
    technical = [
        _criterion("architecture", "Architecture", [
            _ind("arch-family", "Family", 4, 4, "awarded", basis="probe", findings=["tok-1:tokenizer-match"],
                 reason="Probe tokenizer/tokenizer-match: pass."),
            _ind("arch-params", "Parameter count", 4, 0, "missed", note=LONG),
            _ind("arch-context", "Context window", 2, 2, "awarded"),
        ]),
        _criterion("tokenizer", "Tokenizer and billing", [
            _ind("tok-name", "Tokenizer named", 5, 5, "awarded"),
            _ind("tok-billing", "Billing matches count", 5, None, "not_assessed", basis="none"),
        ]),
    ]
    change = [
        _criterion("versioning", "Versioning and change notice", [
            _ind("changelog", "Public changelog", 6, 6, "awarded"),
            _ind("deprecation", "Deprecation notice", 4, 2, "partial", level="short"),
        ]),
        _criterion("drift", "Behavioural drift", [
            _ind("drift-probe", "Drift within bounds", 10, None, "not_assessed", basis="none"),
        ]),
    ]
    domains = [_domain("identity", "Identity & honesty", identity),
               _domain("technical", "Technical disclosure", technical),
               _domain("change", "Change management", change)]
    total = sum(d.points for d in domains)
    max_total = sum(d.max_points for d in domains)
    assessed = sum(d.assessed_max_points for d in domains)
    found = [
        Finding(probe_id="identity-basic", kind="identity", check="self-identification", outcome="fail",
                message="41% of 50 answers named another model.",
                values={"rate": 0.41, "n": 50, "ci95": [0.28, 0.55], "named": {"other-model": 18, "nova": 29},
                        "sample": "<img src=x onerror=alert(1)>"},
                exchanges=["ex-0001", "ex-0002"]),
        Finding(probe_id="tok-1", kind="tokenizer", check="tokenizer-match", outcome="pass",
                message="Counts equal o200k_base on 12 of 12 texts.", values={"overhead_tokens": 7}),
        Finding(probe_id="drift-weekly", kind="drift", check="drift", outcome="not_available",
                message="No baseline recorded yet."),
    ] if findings else []
    return AuditResult(
        tool=ToolStamp(version="0.1.0"), generated_at=dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc),
        target=TargetInfo(vendor="Nova Labs", model=model, api_id="nova-ultra", snapshot="nova-ultra-2026-10-01",
                          release_date=dt.date(2026, 10, 1), record="data/disclosures/nova/ultra.yaml",
                          record_sha256="ab" * 32),
        rubric=RubricStamp(id="integrity-v1", version="1.0", title="Model integrity", sha256="cd" * 32,
                           credit=credit),
        audit_note="Assessed from public documents only. " + LONG, assessor="Test Assessor",
        assessed_on=dt.date(2026, 11, 20),
        total=total, max_total=max_total, assessed_max=assessed, percent=round(100 * total / max_total, 2),
        coverage=round(100 * assessed / max_total, 2),
        grade="C" if grades else None, grade_label="Partial transparency" if grades else None,
        domains=domains, findings=found, evidence_sha256="ef" * 32, run_id="2026-11-25T09-30-00Z-abc123")


@pytest.fixture(scope="session")
def make_result():
    """The `synthetic_result` factory (test modules cannot import conftest under importlib mode)."""
    return synthetic_result

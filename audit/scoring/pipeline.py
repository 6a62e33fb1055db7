"""From files to a result: load a rubric and a record, check they fit, and score them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from audit.scoring.rubrics import LoadedRubric, load_rubric
from audit.scoring.provenance import record_source_check, with_source_checks
from audit.scoring.records import LoadedRecord, check_record_fits, load_record
from audit.schema.disclosure import Assessment, IndicatorDisclosure
from audit.schema.finding import Finding
from audit.schema.result import AuditResult, TargetInfo
from audit.scoring.score import score

__all__ = ["score_record", "score_loaded", "assessments_for", "target_of"]


def assessments_for(loaded: LoadedRecord, rubric: LoadedRubric) -> dict[str, IndicatorDisclosure]:
    """The record's per-indicator assessments in the terms of `rubric`.

    A record written for the rubric is used as it is (after checking it fits). A record written
    for another rubric is translated through a crosswalk where one exists. A rubric that scores an
    endpoint (`subject: endpoint`) is decided by live probes alone: any record serves, for the model
    it names and the facts it declares, and none of its assessments is used.
    """
    if rubric.rubric.subject == "endpoint":
        return {}
    if loaded.record.rubric != rubric.rubric.id:
        from audit.scoring.crosswalk import translate  # only when needed
        return translate(loaded, rubric)
    check_record_fits(loaded, rubric.rubric)
    return dict(loaded.record.indicators)


def target_of(loaded: LoadedRecord, endpoint: str | None = None) -> TargetInfo:
    model = loaded.record.model
    return TargetInfo(vendor=model.vendor, model=model.name, api_id=model.api_id, snapshot=model.snapshot,
                      release_date=model.release_date, record=str(loaded.path),
                      record_sha256=loaded.sha256, endpoint=endpoint)


def score_loaded(loaded: LoadedRecord, rubric: LoadedRubric, findings: Iterable[Finding] = (), *,
                 generated_at: dt.datetime | None = None, endpoint: str | None = None,
                 evidence_sha256: str | None = None, run_id: str | None = None) -> AuditResult:
    """Score an already loaded record against an already loaded rubric."""
    assessments = assessments_for(loaded, rubric)
    # the record's assessment (its note, assessor and date) is about the model's disclosures: an
    # endpoint's card is the probes' alone
    a = loaded.record.assessment if rubric.rubric.subject == "model" else Assessment()
    result = score(rubric.rubric, rubric.sha256, assessments, findings, target=target_of(loaded, endpoint),
                   generated_at=generated_at, audit_note=a.audit_note, assessor=a.assessor,
                   assessed_on=a.date, evidence_sha256=evidence_sha256, run_id=run_id)
    return with_source_checks(result, record_source_check(loaded, assessments))


def score_record(record_path: str | Path, rubric_id: str | None = None, findings: Iterable[Finding] = (),
                 **kwargs) -> AuditResult:
    """Load a record and its rubric (the record's own unless `rubric_id` is given) and score them."""
    loaded = load_record(record_path)
    rubric = load_rubric(rubric_id or loaded.record.rubric)
    return score_loaded(loaded, rubric, findings, **kwargs)

"""Stamp a result with what the source archive says about its quotes (problems are `validate`'s job)."""

from __future__ import annotations

from audit.core.errors import InputError
from audit.schema.disclosure import IndicatorDisclosure
from audit.schema.result import AuditResult, SnapshotStamp
from audit.scoring.records import LoadedRecord
from audit.sources.verify import SourceCheck, check_sources

__all__ = ["with_source_checks", "record_source_check", "check_record_sources"]


def record_source_check(loaded: LoadedRecord, assessments: dict[str, IndicatorDisclosure] | None = None
                        ) -> SourceCheck:
    """Check the record's cited snapshots and quotes against its archive."""
    return check_sources(assessments if assessments is not None else loaded.record.indicators,
                         loaded.path, loaded.lines)


def with_source_checks(result: AuditResult, check: SourceCheck) -> AuditResult:
    """`result` with each quote's verifying snapshot and the cited snapshots' dates."""
    domains = [d.model_copy(update={"criteria": [c.model_copy(update={"indicators": [
        i.model_copy(update={"quote_snapshot": check.verified_in.get(i.id) if i.quote else None})
        for i in c.indicators]}) for c in d.criteria]}) for d in result.domains]
    snapshots = {sha: SnapshotStamp(url=s.meta.url, retrieved_at=s.meta.retrieved_at, copy_kept=s.meta.copy_kept)
                 for sha, s in sorted(check.snapshots.items())}
    return result.model_copy(update={"domains": domains, "snapshots": snapshots})


def check_record_sources(loaded: LoadedRecord) -> None:
    """Raise InputError (file, line, field) for each missing or mismatched snapshot and each quote
    not found in the snapshot it cites."""
    problems = record_source_check(loaded).problems
    if problems:
        raise InputError(problems)

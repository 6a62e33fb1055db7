"""Record a baseline and run a drift audit: the work behind `audit baseline` and `audit drift`.

Collection goes through the live runtime (`audit.live`): the same providers, retries, budgets and
evidence files as `audit run`. A baseline is a run folder of its own under the baselines folder
(`--baselines`, env AUDIT_BASELINES_DIR, default `$XDG_DATA_HOME/model-integrity-audit/baselines`),
written to a temporary folder first and renamed into place, so a failed recording leaves nothing.
A drift audit runs the baseline's own battery (from its run.json) into `<out>/runs/<run-id>/`
and adds `drift.json` (the report and the baseline it used).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_text_atomic
from ..errors import ContentNotFound, InputError, Problem
from ..history import data_home
from ..schema.result import AuditResult
from .report import DriftReport

__all__ = ["default_baselines_dir", "resolve_baseline", "record_baseline", "run_drift", "DriftOutcome",
           "MIN_OK_SHARE"]

BASELINES_ENV = "AUDIT_BASELINES_DIR"
DEFAULT_PROBE = "drift-core"
MIN_OK_SHARE = 0.5  # fewer successful calls than this share of the battery is an error, not a verdict


def default_baselines_dir() -> Path:
    env = os.environ.get(BASELINES_ENV)
    return Path(env).expanduser() if env else data_home() / "baselines"


def resolve_baseline(name_or_dir: str, baselines_dir: Path | None = None) -> Path:
    """A baseline folder: a path to one, or a name under the baselines folder."""
    direct = Path(name_or_dir)
    if (direct / "run.json").is_file():
        return direct
    named = (baselines_dir or default_baselines_dir()) / name_or_dir
    if (named / "run.json").is_file():
        return named
    raise ContentNotFound(f"no baseline {name_or_dir!r} (neither a folder with run.json nor a name under "
                          f"{baselines_dir or default_baselines_dir()})")


def _check_collected(states, planned: int, recorded: int) -> None:
    problems = [f"probe {s.probe.id}: {s.error}" for s in states if s.error]
    ok = sum(1 for s in states for ex in s.done.values() if ex.ok)
    if problems:
        raise InputError([Problem("collect", p) for p in problems])
    if planned and ok < MIN_OK_SHARE * planned:
        failed = [ex.error for s in states for ex in s.done.values() if not ex.ok and ex.error]
        hint = f" (e.g. {failed[0]})" if failed else ""
        raise InputError([Problem("collect", f"only {ok} of {planned} calls succeeded{hint}; no verdict")])


def _score(folder, spec, extra: dict) -> AuditResult:
    """Findings (with the drift context) and the scored result, from the run's evidence alone."""
    from ..content import load_rubric
    from ..evaluate import evaluate_probes
    from ..evidence import EvidenceLog, evidence_sha256, latest
    from ..pipeline import score_record
    from ..records import load_record
    from ..runs import probes_of, target_context

    record_path = Path(spec.record.resolved) if Path(spec.record.resolved).is_file() else Path(spec.record.path)
    record = load_record(record_path)
    rubric_file = spec.rubric.resolved if Path(spec.rubric.resolved).is_file() else spec.rubric.path
    rubric = load_rubric(rubric_file)
    context = dataclasses.replace(target_context(spec, record), extra=extra)
    findings = evaluate_probes(probes_of(spec), context, latest(EvidenceLog(folder.evidence).load()), rubric.rubric)
    result = score_record(record.path, rubric_file, findings, generated_at=spec.created_at,
                          endpoint=spec.target.endpoint, evidence_sha256=evidence_sha256(folder.evidence),
                          run_id=spec.run_id)
    return result.model_copy(update={"target": result.target.model_copy(update={"record": spec.record.path})})


def _write(folder, result: AuditResult, sections) -> list[Path]:
    from ..render.json import result_json
    from ..runs import findings_json

    written = [write_text_atomic(folder.result, result_json(result)),
               write_text_atomic(folder.findings, findings_json(list(result.findings)))]
    try:
        from ..render.card import write_card
    except ModuleNotFoundError:
        return written
    return written + list(write_card(result, folder.card, sections))


def record_baseline(record: Path, target, *, name: str | None, probe: str, baselines_dir: Path,
                    rubric: str | None, replace: bool, history_db: Path | None, progress=None
                    ) -> tuple[Path, AuditResult, int]:
    """Run the battery and store it as baseline `name`; returns (folder, result, successful calls)."""
    from ..live import collect_live, prepare
    from ..runs import RunFolder, new_run_id

    name = name or new_run_id(target.model)
    final = baselines_dir / name
    if final.exists() and not replace:
        raise InputError([Problem("--name", f"baseline {name!r} already exists in {baselines_dir}; "
                                            "choose another --name or pass --replace")])
    staging = baselines_dir / f".{name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    prepared = prepare(record, target, rubric=rubric, probe_ids=[probe], run_id=name, out=baselines_dir)
    prepared.folder, prepared.resumed, prepared.recorded = RunFolder(staging), False, {}
    try:
        planned = sum(p.max_calls() for p in prepared.probes)
        states, _, _ = collect_live(prepared, progress)
        _check_collected(states, planned, 0)
        result = _score(prepared.folder, prepared.spec, {})
        _write(prepared.folder, result, [])
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    ok = sum(1 for s in states for ex in s.done.values() if ex.ok)
    if history_db is not None:
        from ..history import History
        with History(history_db) as history:
            history.record(result, "baseline", baseline=name, requested_model=target.model)
    return final, result, ok


@dataclass(frozen=True)
class DriftOutcome:
    folder: Path
    result: AuditResult
    report: DriftReport
    baseline: str
    written: list[Path]


def run_drift(record: Path, target, *, baseline_dir: Path, out: Path, run_id: str | None, alpha: float | None,
              period: int, history_db: Path | None, progress=None) -> DriftOutcome:
    """Run the baseline's battery against `target` and compare; records the run in the history."""
    from ..drift.findings import report_of
    from ..live import collect_live, prepare
    from ..runs import RunFolder, probes_of
    from .timeline import drift_sections

    base_spec = RunFolder(baseline_dir).load_spec()
    drift_probes = [d for d in base_spec.probes if d.kind == "drift"]
    if not drift_probes:
        raise InputError([Problem(str(baseline_dir / "run.json"), "the baseline ran no drift probe")])
    prepared = prepare(record, target, rubric=None, probe_ids=None, run_id=run_id, out=out)
    if prepared.resumed:
        raise InputError([Problem("--run-id", f"run {prepared.spec.run_id} exists already; drift runs start afresh")])
    # The baseline's own battery, as it recorded it, whatever the shipped YAML says today.
    prepared.spec = prepared.spec.model_copy(update={"probes": drift_probes})
    prepared.probes = probes_of(prepared.spec)
    planned = sum(p.max_calls() for p in prepared.probes)
    states, _, _ = collect_live(prepared, progress)
    _check_collected(states, planned, len(prepared.recorded))
    extra = {"drift_baseline": str(baseline_dir), "drift_period": period}
    if alpha is not None:
        extra["drift_alpha"] = alpha
    result = _score(prepared.folder, prepared.spec, extra)
    report = report_of(result.findings)
    if report is None or report.verdict == "inconclusive":
        why = next((f.message for f in result.findings if f.check == "behaviour-stable"), "no drift finding")
        raise InputError([Problem("drift", f"no verdict: {why}")])
    baseline_name = baseline_dir.name
    history_id = None
    if history_db is not None:
        from ..history import History
        with History(history_db) as history:
            history_id = history.record(result, "drift", report, baseline=baseline_name,
                                        requested_model=target.model)
    sections = drift_sections(target.model, history_db) if history_db is not None else []
    written = _write(prepared.folder, result, sections)
    written.append(write_text_atomic(prepared.folder.root / "drift.json", json.dumps(
        {"baseline": str(baseline_dir), "alpha": report.alpha, "period": period, "history_id": history_id,
         "report": report.model_dump(mode="json")}, indent=2) + "\n"))
    return DriftOutcome(prepared.folder.root, result, report, baseline_name, written)

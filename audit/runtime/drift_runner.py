"""Record a baseline and run a drift audit: the work behind `audit baseline` and `audit drift`.

Collection goes through the live runtime (`audit.runtime.workflow`): the same providers, retries, budgets and
evidence files as `audit run`. A baseline is a run folder of its own under the baselines folder
(`--baselines`, env AUDIT_BASELINES_DIR, default `$XDG_DATA_HOME/model-integrity-audit/baselines`),
written to a temporary folder first and renamed into place, so a failed recording leaves nothing.
A drift audit runs the baseline's own battery (from its run.json) into `<out>/runs/<run-id>/`
with a copy of the baseline's evidence (`baseline.jsonl`, so `audit rescore` repeats the comparison)
and adds `drift.json` (the report and the baseline it used).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from audit.core.atomic import write_text_atomic
from audit.core.errors import ContentNotFound, InputError, Problem
from audit.history.store import data_home
from audit.schema.result import AuditResult
from audit.runtime.recording import record_run
from audit.probes.drift.report import DriftReport

__all__ = ["default_baselines_dir", "resolve_baseline", "attach_baseline", "record_baseline", "run_drift", "DriftOutcome",
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


def attach_baseline(prepared, baseline_dir: Path, *, alpha: float | None = None, period: int = 1) -> None:
    """Make `prepared` (an `audit run` or `audit drift` run, not yet collected) a drift run against
    `baseline_dir`: its evidence is copied into the run folder (baseline.jsonl), so the run can be
    rescored from its folder alone, and alpha and period go into run.json's probe context."""
    from audit.runtime.run_folder import RunFolder

    if alpha is not None and not 0 < alpha < 1:
        raise InputError([Problem("--alpha", "must be between 0 and 1 (exclusive)")])
    source = RunFolder(baseline_dir)
    source.load_spec()  # a readable run folder
    context = {"drift_baseline_name": baseline_dir.name, "drift_period": period,
               **({"drift_alpha": alpha} if alpha is not None else {})}
    if prepared.resumed and prepared.spec.context != context:
        raise InputError([Problem("--run-id", f"run {prepared.spec.run_id} was started with other drift settings "
                                              f"({prepared.spec.context}); use a new --run-id")])
    prepared.spec = prepared.spec.model_copy(update={"context": context})
    if not prepared.folder.baseline.is_file():
        prepared.folder.root.mkdir(parents=True, exist_ok=True)
        write_text_atomic(prepared.folder.baseline, source.evidence.read_text(encoding="utf-8"))


def record_baseline(record: Path, target, *, name: str | None, probe: str, baselines_dir: Path,
                    rubric: str | None, replace: bool, history_db: Path | None, progress=None
                    ) -> tuple[Path, AuditResult, int]:
    """Run the battery and store it as baseline `name`; returns (folder, result, successful calls)."""
    from audit.runtime.workflow import collect_live, prepare
    from audit.runtime.run_folder import RunFolder, new_run_id, score_run, write_outputs

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
        result = score_run(prepared.folder, prepared.spec)
        write_outputs(prepared.folder, result)
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    ok = sum(1 for s in states for ex in s.done.values() if ex.ok)
    if history_db is not None:
        record_run(history_db, result, kind="baseline", baseline=name, requested_model=target.model)
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
    from audit.runtime.workflow import collect_live, prepare
    from audit.runtime.run_folder import RunFolder, probes_of, score_run, write_outputs
    from audit.probes.drift.findings import report_of
    from audit.runtime.sections import probe_sections

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
    attach_baseline(prepared, baseline_dir, alpha=alpha, period=period)
    planned = sum(p.max_calls() for p in prepared.probes)
    states, _, _ = collect_live(prepared, progress)
    _check_collected(states, planned, len(prepared.recorded))
    result = score_run(prepared.folder, prepared.spec)
    report = report_of(result.findings)
    if report is None or report.verdict == "inconclusive":
        why = next((f.message for f in result.findings if f.check == "behaviour-stable"), "no drift finding")
        raise InputError([Problem("drift", f"no verdict: {why}")])
    baseline_name = baseline_dir.name
    history_id = None
    if history_db is not None:
        history_id = record_run(history_db, result, kind="drift", baseline=baseline_name,
                                requested_model=target.model)
    written = write_outputs(prepared.folder, result, probe_sections(result, model=target.model, history=history_db))
    written.append(write_text_atomic(prepared.folder.root / "drift.json", json.dumps(
        {"baseline": str(baseline_dir), "alpha": report.alpha, "period": period, "history_id": history_id,
         "report": report.model_dump(mode="json")}, indent=2) + "\n"))
    return DriftOutcome(prepared.folder.root, result, report, baseline_name, written)

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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audit.core.atomic import write_text_atomic
from audit.core.errors import ContentNotFound, InputError, Problem
from audit.history.store import data_home
from audit.probes.drift.findings import report_of
from audit.probes.drift.report import DriftReport
from audit.render.card import CARD_FORMATS
from audit.runtime.run_folder import RunFolder, new_run_id
from audit.runtime.verdicts import MIN_OK_SHARE, check_collected, require_verdict
from audit.runtime.workflow import BaselineLink, collect_live, finish, prepare
from audit.schema.result import AuditResult

__all__ = ["default_baselines_dir", "resolve_baseline", "record_baseline", "run_drift", "DriftOutcome", "MIN_OK_SHARE"]

BASELINES_ENV = "AUDIT_BASELINES_DIR"


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


def record_baseline(record: Path, target, *, name: str | None, probe: str, baselines_dir: Path,
                    rubric: str | None, replace: bool, history_db: Path | None, progress=None,
                    formats: Sequence[str] = CARD_FORMATS) -> tuple[Path, AuditResult, int]:
    """Run the battery and store it as baseline `name`; returns (folder, result, successful calls).

    The run goes to a staging folder first and is renamed into place once written, so a failed
    recording leaves nothing under the baselines folder.
    """
    name = name or new_run_id(target.model)
    final = baselines_dir / name
    if final.exists() and not replace:
        raise InputError([Problem("--name", f"baseline {name!r} already exists in {baselines_dir}; "
                                            "choose another --name or pass --replace")])
    staging = RunFolder(baselines_dir / f".{name}.partial-{os.getpid()}")
    shutil.rmtree(staging.root, ignore_errors=True)
    prepared = prepare(record, target, rubric=rubric, probe_ids=[probe], run_id=name, folder=staging, fresh=True)
    try:
        planned = sum(p.max_calls() for p in prepared.probes)
        states, _, _ = collect_live(prepared, progress)
        check_collected(states, planned)
        done = finish(staging, prepared.spec, history=history_db, record_as="baseline", baseline_name=name,
                      formats=formats)
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging.root, final)
    finally:
        shutil.rmtree(staging.root, ignore_errors=True)
    ok = sum(1 for s in states for ex in s.done.values() if ex.ok)
    return final, done.result, ok


@dataclass(frozen=True)
class DriftOutcome:
    folder: Path
    result: AuditResult
    report: DriftReport
    baseline: str
    written: list[Path]


def run_drift(record: Path, target, *, baseline_dir: Path, out: Path, run_id: str | None, alpha: float | None,
              period: int, history_db: Path | None, progress=None,
              formats: Sequence[str] = CARD_FORMATS) -> DriftOutcome:
    """Run the baseline's battery against `target` and compare; records the run in the history."""
    base_spec = RunFolder(baseline_dir).load_spec()
    drift_probes = [d for d in base_spec.probes if d.kind == "drift"]
    if not drift_probes:
        raise InputError([Problem(str(baseline_dir / "run.json"), "the baseline ran no drift probe")])
    # The baseline's own battery, as it recorded it, whatever the shipped YAML says today.
    prepared = prepare(record, target, probe_definitions=drift_probes, run_id=run_id, out=out, fresh=True,
                       baseline=BaselineLink(baseline_dir, alpha, period))
    planned = sum(p.max_calls() for p in prepared.probes)
    states, _, _ = collect_live(prepared, progress)
    check_collected(states, planned)
    done = finish(prepared.folder, prepared.spec, history=history_db, record_as="drift",
                  baseline_name=baseline_dir.name, accept=require_verdict, formats=formats)
    report = report_of(done.result.findings)
    written = done.written + [write_text_atomic(prepared.folder.root / "drift.json", json.dumps(
        {"baseline": str(baseline_dir), "alpha": report.alpha, "period": period, "history_id": done.history_id,
         "report": report.model_dump(mode="json")}, indent=2) + "\n")]
    return DriftOutcome(prepared.folder.root, done.result, report, baseline_dir.name, written)

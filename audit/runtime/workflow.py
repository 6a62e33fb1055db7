"""The one run workflow: every live audit (`run`, `baseline`, `drift`) and every `rescore` goes through it.

Four steps, each callable alone:
`prepare` (load and check everything, no network, nothing written), `plan` (what remains to
send and what it may cost), `collect_live` (the network part: creates the run folder, writes run.json
and the attached baseline's evidence, then the exchanges) and `finish` (score from the folder alone,
optionally accept or refuse the result, record it in the history, assemble the card sections, write
result.json, findings.json and the card). `audit rescore` is `finish` without recording.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from audit.core.atomic import write_text_atomic
from audit.core.errors import InputError, Problem
from audit.probes.base import ProbeDefinition, ProbeKind, exchanges_of
from audit.probes.registry import build_probe, find_probe, load_probe_file, shipped_probe_files
from audit.providers import PROVIDERS, RetryPolicy
from audit.render.card import CARD_FORMATS
from audit.runtime.budget import Budget, Caps, Plan, Prices, plan_probe
from audit.runtime.collect import ProbeProgress, collect_into
from audit.runtime.evidence import EvidenceLog, has_response, latest
from audit.runtime.recording import record_run
from audit.runtime.run_ids import check_run_id, claim_run_dir, free_run_id
from audit.runtime.run_folder import (RunFolder, RunSpec, RunTarget, file_ref, new_run_id, probes_of, rubric_ref,
                                      score_run, target_context, write_outputs)
from audit.runtime.sections import probe_sections
from audit.runtime.target import Target, read_api_key
from audit.schema.evidence import Exchange
from audit.schema.result import AuditResult
from audit.scoring.records import LoadedRecord, load_record

__all__ = ["PreparedRun", "BaselineLink", "Finished", "prepare", "plan", "collect_live", "finish", "prices_for"]


@dataclass(frozen=True)
class BaselineLink:
    """A drift comparison attached to a run: the baseline folder and the alarm settings."""

    folder: Path
    alpha: float | None = None
    period: int = 1

    def context(self) -> dict[str, Any]:
        """What the drift probe reads from run.json's context."""
        return {"drift_baseline_name": self.folder.name, "drift_period": self.period,
                **({"drift_alpha": self.alpha} if self.alpha is not None else {})}


@dataclass
class PreparedRun:
    """A checked run; `collect_live` claims its folder and may then give it a suffixed id (`auto_id`)."""

    folder: RunFolder
    spec: RunSpec
    target: Target
    record: LoadedRecord
    probes: list[ProbeKind]
    recorded: dict[str, Exchange]
    resumed: bool
    caps: Caps = field(default_factory=Caps)
    prices: Prices | None = None
    baseline: BaselineLink | None = None
    auto_id: bool = False  # the id was made from the time and model, not given: a collision takes a suffix
    lock: Any = field(default=None, repr=False)  # the open lock file while this process collects into the folder


@dataclass(frozen=True)
class Finished:
    result: AuditResult
    written: list[Path]
    history_id: int | None = None


def _select_probes(probe_ids: list[str] | None, rubric_id: str) -> list[ProbeKind]:
    if probe_ids:
        return [find_probe(pid) for pid in probe_ids]
    from audit.scoring.rubrics import load_rubric

    wanted = {ind.probe.probe for ind in load_rubric(rubric_id).rubric.indicators() if ind.probe}
    probes = [load_probe_file(p) for p in shipped_probe_files()]
    return [p for p in probes if p.kind in wanted] or [p for p in probes if p.run_by_default]


def prices_for(record: LoadedRecord, price_in: float | None, price_out: float | None) -> Prices | None:
    """Prices from the flags (USD per million tokens), else from the record's model.price."""
    if (price_in is None) != (price_out is None):
        raise InputError([Problem("--price-in/--price-out", "give both prices or neither")])
    if price_in is not None:
        return Prices(price_in, price_out, "USD", "flags")
    price = record.record.model.price
    if price is None:
        return None
    return Prices(price.input_per_million, price.output_per_million, price.currency, f"record {record.path}")


def prepare(record_path: Path, target: Target, *, rubric: str | None = None, probe_ids: list[str] | None = None,
            probe_definitions: list[ProbeDefinition] | None = None, run_id: str | None = None,
            out: Path = Path("out"), folder: RunFolder | None = None, fresh: bool = False, caps: Caps = Caps(),
            price_in: float | None = None, price_out: float | None = None,
            baseline: BaselineLink | None = None) -> PreparedRun:
    """Load and check everything a run needs; touches neither the network nor the disk.

    `probe_definitions` (a baseline's own battery) replace the shipped probes; `folder` replaces
    OUT/runs/RUN_ID (a baseline's staging folder); `fresh` refuses to resume an existing run.
    """
    record = load_record(record_path)
    rubric_id = rubric or record.record.rubric
    if probe_definitions is not None:
        probes = [build_probe(d, f"probe {d.id}") for d in probe_definitions]
    else:
        probes = _select_probes(probe_ids, rubric_id)
    if not probes:
        raise InputError([Problem("--probes", "no probes to run (none given and none shipped)")])
    ids = [p.id for p in probes]
    if len(set(ids)) != len(ids):
        raise InputError([Problem("--probes", "a probe is named twice")])
    if run_id is not None:
        check_run_id(run_id)
    if out.exists() and not out.is_dir():
        raise InputError([Problem("--out", f"{out} is a file, not a folder")])
    if baseline is not None:
        if baseline.alpha is not None and not 0 < baseline.alpha < 1:
            raise InputError([Problem("--alpha", "must be between 0 and 1 (exclusive)")])
        baseline_spec = RunFolder(baseline.folder).load_spec()  # a readable run folder
    prices = prices_for(record, price_in, price_out)
    if caps.max_cost is not None and prices is None:
        raise InputError([Problem("--max-cost", "needs prices: the record has no model.price; "
                                                "give --price-in and --price-out (USD per million tokens)")])
    auto_id = run_id is None and folder is None
    if auto_id:
        run_id = free_run_id(Path(out) / "runs", new_run_id(target.model))
    spec = RunSpec(run_id=run_id or new_run_id(target.model),
                   created_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
                   target=RunTarget(provider=target.provider, model=target.model, endpoint=target.endpoint,
                                    api_key_env=target.api_key_env, **_request_settings(target)),
                   probes=[p.definition for p in probes], rubric=rubric_ref(rubric_id), record=file_ref(record_path),
                   context=baseline.context() if baseline is not None else {})
    if baseline is not None:
        _same_request_parameters(baseline_spec, spec, baseline.folder)
    folder = folder or RunFolder.of(out, spec.run_id)
    resumed = folder.spec.exists() and not auto_id  # an automatic id is a new run: taken meanwhile, it moves on
    if folder.root.exists() and not resumed and not auto_id:
        raise InputError([Problem("--run-id", f"{folder.root} exists but holds no run (no run.json); "
                                              "choose another --run-id")])
    if resumed and fresh:
        raise InputError([Problem("--run-id", f"run {spec.run_id} exists already in {folder.root}; "
                                              "this command starts afresh: choose a new --run-id")])
    recorded: dict[str, Exchange] = {}
    if resumed:
        earlier = folder.load_spec()
        diffs = earlier.same_run_as(spec)
        if earlier.context != spec.context:
            diffs.append(f"drift settings ({earlier.context})")
        if diffs:
            raise InputError([Problem(str(folder.spec), f"run {spec.run_id} was started with a different "
                                                        f"{', '.join(diffs)}; use a new --run-id")])
        spec = earlier.model_copy(update={"target": spec.target})
        probes = probes_of(spec)
        recorded = {k: ex for k, ex in latest(EvidenceLog(folder.evidence).load()).items() if has_response(ex)}
    return PreparedRun(folder, spec, target, record, probes, recorded, resumed, caps, prices, baseline, auto_id)


def _request_settings(target: Target) -> dict[str, Any]:
    """The request profile and effort a run records (matched from the model id unless named)."""
    rules = target.rules()
    if rules is None:
        return {}
    return {"request_profile": rules.profile.id, "reasoning_effort": rules.effort,
            **({"reasoning_efforts": rules.efforts} if rules.efforts else {})}


def _same_request_parameters(baseline: RunSpec, spec: RunSpec, where: Path) -> None:
    """Drift compares like with like: refuse a baseline taken with another request profile or effort
    (baselines from before profiles were recorded carry none and are compared as before)."""
    then, now = baseline.target, spec.target
    if then.request_profile is None:
        return
    if (then.request_profile, then.reasoning_effort) != (now.request_profile, now.reasoning_effort):
        raise InputError([Problem(str(where), f"the baseline was taken with request profile {then.request_profile} "
                                              f"at effort {then.reasoning_effort or '-'}, this run would use "
                                              f"{now.request_profile or 'none'} at effort {now.reasoning_effort or '-'}; "
                                              "record a new baseline with the same request parameters")])


def plan(run: PreparedRun) -> Plan:
    context = target_context(run.spec, run.record)
    parts = []
    for probe in run.probes:
        done = exchanges_of(probe.id, run.recorded.values())
        parts.append(plan_probe(probe, context, done))
    return Plan(parts, run.prices)


def collect_live(run: PreparedRun, progress: Any = None, *, retry: RetryPolicy | None = None
                 ) -> tuple[list[ProbeProgress], Budget, int]:
    """Send what has no recorded response; returns the probes' states, the budget and the retry count."""
    api_key = read_api_key(run.target)
    _claim(run)
    if not run.resumed:
        run.folder.write_spec(run.spec)
    if run.baseline is not None and not run.folder.baseline.is_file():
        # the baseline's evidence travels with the run, so `audit rescore` repeats the comparison
        write_text_atomic(run.folder.baseline, RunFolder(run.baseline.folder).evidence.read_text(encoding="utf-8"),
                          private=True)
    budget = Budget(run.caps, run.prices)
    cls = PROVIDERS[run.target.provider]
    retry = retry or RetryPolicy(max_attempts=run.target.max_attempts)

    states, retries = collect_into(run.folder.evidence, cls, run.target.base_url, run.target.model, run.probes,
                                   target_context(run.spec, run.record), run_id=run.spec.run_id,
                                   endpoint=run.target.endpoint, recorded=run.recorded, api_key=api_key,
                                   concurrency=run.target.concurrency, retry=retry,
                                   timeouts=run.target.timeouts(),
                                   budget=budget, progress=progress, rules=run.spec.target.rules())
    return states, budget, retries


def _claim(run: PreparedRun) -> None:
    """Create the run folder for this process alone (see audit/runtime/run_ids.py); an automatic id
    taken a moment ago by another run moves on to a suffix, and the run's id and folder with it."""
    root, run.lock = claim_run_dir(run.folder.root, resumed=run.resumed, auto_id=run.auto_id)
    if root != run.folder.root:
        run.folder = RunFolder(root)
        run.spec = run.spec.model_copy(update={"run_id": root.name})


def finish(folder: RunFolder, spec: RunSpec, warn: Callable[[str], None] | None = None, *,
           history: Path | None = None, record_as: str | None = None, baseline_name: str | None = None,
           accept: Callable[[AuditResult], None] | None = None, formats: Sequence[str] = CARD_FORMATS) -> Finished:
    """Score the run from its folder, then write result.json, findings.json and the card in `formats`.

    `accept` may refuse the result (raise) before anything is written or recorded. With `record_as`
    ("audit", "drift" or "baseline"; "auto" picks drift when the result carries a drift verdict) the
    run is stored in the `history` database first, so the card's drift timeline includes it; without,
    the history is only read for the timeline. `audit rescore` is this with nothing recorded.
    With `warn`, a history that cannot be written is a warning; without, an error.
    """
    note = warn or (lambda message: None)
    result = score_run(folder, spec, note)
    if accept is not None:
        accept(result)
    history_id = None
    if history is not None and record_as is not None:
        history_id = record_run(history, result, requested_model=spec.target.model, warn=warn,
                                kind=None if record_as == "auto" else record_as,
                                baseline=baseline_name or spec.context.get("drift_baseline_name"))
    sections = probe_sections(result, model=spec.target.model, history=history, warn=note)
    return Finished(result, write_outputs(folder, result, sections, formats), history_id)

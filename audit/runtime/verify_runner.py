"""Verify an endpoint against a reference: the work behind `audit verify`.

A verification samples the reference and the target with the same battery and the same per-call
seeds, then runs the drift tests between the two (paired: the two answers to one call key were
sent with one seed). The reference is either a live endpoint (a target: file or flags), sampled
first into `<out>/runs/<run-id>-reference/`, or a stored baseline, whose own seeds the target then
receives. Both sides must send the same requests: a reference taken with another request profile
or effort, or whose calls would differ from the target's (another temperature, cap, battery), is
refused before anything is sent.

Built on the one run workflow (`audit.runtime.workflow`), like drift_runner: the target's run folder
holds the reference's evidence (`baseline.jsonl`), so `audit rescore` repeats the comparison, and
`verify.json` (the reference, the date, the seeds policy and the report).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from audit.core.atomic import write_text_atomic
from audit.core.errors import InputError, Problem
from audit.probes.base import ProbeDefinition
from audit.probes.drift.border import (LOGPROB_ID, NoBorderPrompts, discovery_definition, load_candidates,
                                       logprob_definition, monitoring_definition, select_border)
from audit.probes.drift.findings import report_of
from audit.probes.drift.report import DriftReport
from audit.render.card import CARD_FORMATS
from audit.runtime.evidence import EvidenceLog, latest
from audit.runtime.run_folder import RunFolder, RunSpec, new_run_id, target_context
from audit.runtime.target import Target
from audit.runtime.verdicts import check_collected, require_verdict
from audit.runtime.workflow import BaselineLink, PreparedRun, collect_live, finish, prepare
from audit.schema.result import AuditResult

__all__ = ["Reference", "VerifyLink", "VerifyOutcome", "BorderSettings", "LogprobSettings", "run_verify", "reference_label", "mode_for",
           "discover_border"]

Seeds = Literal["shared", "independent"]


@dataclass(frozen=True)
class Reference:
    """What a verification compares with: a live endpoint, or a stored baseline folder."""

    target: Target | None = None
    baseline: Path | None = None
    where: str = "--reference"  # where the user named it (a file, a flag), for error messages

    def __post_init__(self) -> None:
        if (self.target is None) == (self.baseline is None):
            raise ValueError("a reference is a target or a baseline")


@dataclass(frozen=True)
class VerifyLink(BaselineLink):
    """The drift comparison of a verification: the reference's folder, what to call it, the seeds."""

    reference: str = ""
    date: str = ""
    seed_root: str | None = None
    paired: bool = True
    mixture: bool = True

    def context(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"verify_reference": self.reference, "verify_date": self.date,
                                 "verify_paired": self.paired, "verify_mixture": self.mixture}
        if self.seed_root:
            extra["call_seed_root"] = self.seed_root
        return {**super().context(), **extra}


@dataclass(frozen=True)
class VerifyOutcome:
    folder: Path
    result: AuditResult
    report: DriftReport
    reference: str
    date: str
    mode: str
    written: list[Path]


def reference_label(spec: RunSpec, baseline: Path | None = None) -> str:
    """How the card names the reference: the model at its endpoint (and the baseline it was stored as)."""
    where = f"{spec.target.model} at {spec.target.endpoint}"
    if baseline is None:
        return where
    return f"baseline {baseline.name} ({where}, recorded {spec.created_at.date().isoformat()})"


def _settings(spec: RunSpec) -> tuple[str | None, str | None]:
    return spec.target.request_profile, spec.target.reasoning_effort


def _planned(run: PreparedRun, seed_root: str | None) -> dict[str, dict[str, Any]]:
    """Every call the run would send, by exchange id, as the request JSON (seed left out)."""
    context = target_context(run.spec, run.record, {"call_seed_root": seed_root} if seed_root else None)
    return {f"{probe.id}/{call.key}": call.request.model_dump(mode="json", exclude={"seed"})
            for probe in run.probes for call in probe.next_calls(context, {})}


def _first_difference(ref: dict[str, dict], cur: dict[str, dict]) -> str | None:
    for key in sorted(set(ref) | set(cur)):
        if key not in cur:
            return f"the reference has call {key}, the target would not send it"
        if key not in ref:
            return f"the target would send call {key}, the reference has none"
        if ref[key] != cur[key]:
            fields = sorted(f for f in set(ref[key]) | set(cur[key]) if ref[key].get(f) != cur[key].get(f))
            shown = ", ".join(f"{f}: {ref[key].get(f)!r} vs {cur[key].get(f)!r}" for f in fields if f != "messages")
            return f"call {key} differs ({shown or 'messages'}; reference vs target)"
    return None


def _same_requests(ref_spec: RunSpec, ref_plan: dict[str, dict], run: PreparedRun, plan: dict[str, dict],
                   where: str) -> None:
    """Refuse a reference whose requests are not the target's: a verification compares like with like."""
    then, now = _settings(ref_spec), _settings(run.spec)
    if then != now:
        raise InputError([Problem(where, f"the reference was sampled with request profile {then[0] or 'none'} at "
                                         f"effort {then[1] or '-'}, the target would use {now[0] or 'none'} at "
                                         f"effort {now[1] or '-'}; a verification needs the same request "
                                         "parameters on both sides (set request_profile and reasoning_effort "
                                         "in the target files)")])
    difference = _first_difference(ref_plan, plan)
    if difference:
        raise InputError([Problem(where, f"the reference and the target would not be sent the same requests: "
                                         f"{difference}; a verification needs the same plan on both sides")])


def _recorded_requests(folder: Path) -> dict[str, dict[str, Any]]:
    recorded = latest(EvidenceLog(RunFolder(folder).evidence).load())
    return {ex.id: ex.request.model_dump(mode="json", exclude={"seed"}) for ex in recorded.values()
            if ex.request.op == "chat"}


Mode = Literal["auto", "logprob", "border", "mmd"]


def mode_for(target: Target) -> tuple[str, str]:
    """The cheapest statistics the target's request profile allows, and why.

    logprob (one output token with its top-k log-probabilities) needs temperature 0 and logprobs;
    border (one output token per call) needs temperature 0; without it, mmd (the sampled battery).
    """
    rules = target.rules()
    if rules is None:
        return "border", "no request profile matches the model: temperature 0 assumed available, logprobs not"
    if rules.accepts("temperature", 0) and rules.accepts("logprobs"):
        return "logprob", f"request profile {rules.profile.id} accepts temperature 0 and logprobs"
    if rules.accepts("temperature", 0):
        return "border", f"request profile {rules.profile.id} accepts temperature 0 but no logprobs"
    return "mmd", f"request profile {rules.profile.id} refuses temperature 0 at effort {rules.effort or '-'}"


@dataclass(frozen=True)
class LogprobSettings:
    repeats: int = 2  # temperature-0 calls per prompt (at least 2: see logprob_definition)
    top: int = 5  # most likely tokens per call


def _require_logprobs(folder: Path, where: str) -> None:
    """Refuse a log-prob comparison whose reference returned no log-probabilities (exit 2)."""
    recorded = latest(EvidenceLog(RunFolder(folder).evidence).load()).values()
    if not any(ex.ok and ex.logprobs and ex.logprobs[0].top for ex in recorded):
        raise InputError([Problem(where, "the reference returned no log-probabilities (logprobs/top_logprobs "
                                         "were asked for); its server does not offer them: use --mode border "
                                         "or --mode mmd")])


@dataclass(frozen=True)
class BorderSettings:
    candidates: Path | None = None  # the shipped candidates by default
    samples: int = 10  # discovery samples per candidate
    prompts: int = 16  # border prompts kept
    fixed_repeats: int = 12
    open_repeats: int = 8
    min_top_two: float = 0.6  # the two most frequent first tokens take at least this share of the samples


def discover_border(record: Path, target: Target, folder: RunFolder, run_id: str, settings: BorderSettings,
                    rubric: str | None = None, progress=None) -> tuple[ProbeDefinition, list[dict[str, Any]]]:
    """Discovery on `target` into `folder`: the one-token monitoring battery and the chosen prompts
    (written there too: border.json, and the battery as a probe file, border.yaml)."""
    candidates = load_candidates(settings.candidates)
    run = prepare(record, target, rubric=rubric, probe_definitions=[discovery_definition(candidates, settings.samples)],
                  run_id=run_id, folder=folder, fresh=True)
    states, _, _ = collect_live(run, progress)
    check_collected(states, sum(p.max_calls() for p in run.probes))
    chosen = select_border(latest(EvidenceLog(folder.evidence).load()).values(), candidates, settings.prompts,
                           settings.min_top_two)
    rows = [c.as_dict() for c in chosen]
    write_text_atomic(folder.root / "border.json", json.dumps(
        {"candidates": len(candidates), "samples": settings.samples, "chosen": rows}, indent=2) + "\n")
    definition = monitoring_definition(chosen, fixed_repeats=settings.fixed_repeats,
                                       open_repeats=settings.open_repeats)
    # the battery as a probe file: `audit baseline --probe .../border.yaml` stores it with a baseline
    write_text_atomic(folder.root / "border.yaml", yaml.safe_dump(definition.model_dump(mode="json"), sort_keys=False,
                                                                  allow_unicode=True))
    return definition, rows


def run_verify(record: Path, target: Target, reference: Reference, *, probe: str = "drift-core", out: Path,
               run_id: str | None, alpha: float | None, period: int = 1, seeds: Seeds = "shared",
               mode: Mode = "auto", border: BorderSettings = BorderSettings(),
               logprob: LogprobSettings = LogprobSettings(), rubric: str | None = None,
               progress=None, formats: Sequence[str] = CARD_FORMATS) -> VerifyOutcome:
    """Sample the reference (unless stored) and the target with the same plan and seeds, and compare.

    With a live reference `mode` picks the battery: mmd runs `probe`; logprob asks the candidate prompts
    for one token and its top-k log-probabilities at temperature 0 (refused, exit 2, when the reference
    returns none); border discovers nearly tied
    prompts on the reference first (`OUT/runs/RUN_ID-discovery/`) and runs their one-token battery;
    auto chooses by the target's request profile (`mode_for`). A stored reference brings its battery.
    """
    run_id = run_id or new_run_id(target.model)
    date = dt.datetime.now(dt.timezone.utc).date().isoformat()
    shared = seeds == "shared"
    why = "the stored reference's battery"
    if reference.target is not None:
        auto = mode == "auto"
        mode, why = mode_for(target) if auto else (mode, "chosen with --mode")
        ref_run_id = run_id if shared else f"{run_id}.reference"

        def pair(probe_ids=None, definitions=None) -> tuple[PreparedRun, PreparedRun]:
            """The target's and the reference's runs of one battery, checked to send the same requests."""
            plain = prepare(record, target, rubric=rubric, probe_ids=probe_ids, probe_definitions=definitions,
                            run_id=run_id, out=out, fresh=True)
            ref = prepare(record, reference.target, rubric=rubric, probe_ids=probe_ids, probe_definitions=definitions,
                          run_id=ref_run_id, folder=_beside(plain.folder, "reference"), fresh=True)
            _same_requests(ref.spec, _planned(ref, None), plain, _planned(plain, None), reference.where)
            return plain, ref

        if mode == "border":
            plain, ref = pair(definitions=[discovery_definition(load_candidates(border.candidates), border.samples)])
            try:
                battery, _ = discover_border(record, reference.target, _beside(plain.folder, "discovery"),
                                             f"{run_id}.discovery", border, rubric, progress)
                plain, ref = pair(definitions=[battery])
            except NoBorderPrompts:
                if not auto:
                    raise
                mode, why = "mmd", why + "; discovery found no nearly tied prompt, so the sampled battery"
        if mode == "logprob":
            plain, ref = pair(definitions=[logprob_definition(load_candidates(border.candidates),
                                                              repeats=logprob.repeats, top=logprob.top)])
        if mode == "mmd":
            plain, ref = pair(probe_ids=[probe])
        states, _, _ = collect_live(ref, progress)
        check_collected(states, sum(p.max_calls() for p in ref.probes))
        if mode == "logprob":
            _require_logprobs(ref.folder.root, reference.where)
        ref_dir, ref_spec, seed_root = ref.folder.root, ref.spec, None
        label = reference_label(ref.spec)
    else:
        ref_dir = reference.baseline
        ref_spec = RunFolder(ref_dir).load_spec()
        plain = prepare(record, target, rubric=rubric, probe_definitions=_baseline_probes(ref_dir), run_id=run_id,
                        out=out, fresh=True)
        seed_root = ref_spec.run_id if shared else None
        _same_requests(ref_spec, _recorded_requests(ref_dir), plain, _planned(plain, seed_root), reference.where)
        label = reference_label(ref_spec, ref_dir)
        ids = {d.id for d in ref_spec.probes}
        mode = "logprob" if LOGPROB_ID in ids else ("border" if "border" in ids else "mmd")
    # The log-prob battery asks each prompt twice: with two reference calls a prompt's usual answer is a tie
    # as soon as one call moves under a shuffle, so the mixed-routing count has no power there (measured:
    # 0/10 alarms at a 90/10 split) and the card would state a detectable share it does not have.
    link = VerifyLink(ref_dir, alpha, period, reference=label, date=date, seed_root=seed_root, paired=shared,
                      mixture=mode != "logprob")
    run = prepare(record, target, rubric=rubric, probe_definitions=[d for d in ref_spec.probes if d.kind == "drift"],
                  run_id=run_id, out=out, fresh=True, baseline=link)
    states, _, _ = collect_live(run, progress)
    check_collected(states, sum(p.max_calls() for p in run.probes))
    done = finish(run.folder, run.spec, accept=require_verdict, formats=formats)
    report = report_of(done.result.findings)
    written = done.written + [write_text_atomic(run.folder.root / "verify.json", json.dumps(
        {"reference": label, "reference_folder": os.fspath(ref_dir), "date": date, "seeds": seeds, "mode": mode,
         "mode_reason": why, "alpha": report.alpha, "period": period, "report": report.model_dump(mode="json")},
        indent=2) + "\n")]
    return VerifyOutcome(run.folder.root, done.result, report, label, date, mode, written)


def _beside(folder: RunFolder, part: str) -> RunFolder:
    """OUT/runs/RUN_ID-<part>/: the reference's and the discovery's run folders beside the target's."""
    return RunFolder(folder.root.with_name(f"{folder.root.name}-{part}"))


def _baseline_probes(folder: Path | None):
    assert folder is not None
    probes = [d for d in RunFolder(folder).load_spec().probes if d.kind == "drift"]
    if not probes:
        raise InputError([Problem(str(folder / "run.json"), "the stored reference ran no drift probe")])
    return probes

"""`audit run`: plan, check budgets, collect live evidence, then score and write the run folder.

The command module parses flags; this module does the work in four steps, each callable alone:
`prepare` (load and check everything, no network, nothing written), `plan` (what remains to
send and what it may cost), `collect_live` (the network part) and `finish` (score and write).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from audit.runtime.budget import Budget, Caps, Plan, Prices, plan_probe
from audit.runtime.collect import Collector, ProbeProgress
from audit.core.errors import InputError, Problem
from audit.runtime.evidence import EvidenceLog, has_response, latest
from audit.probes.base import ProbeKind
from audit.probes.registry import find_probe, shipped_probe_files, load_probe_file
from audit.providers import PROVIDERS, RetryPolicy, Timeouts, Transport
from audit.scoring.records import LoadedRecord, load_record
from audit.runtime.run_folder import (RunFolder, RunSpec, RunTarget, file_ref, new_run_id, probes_of, rubric_ref, score_run,
                   target_context, write_outputs)
from audit.schema.base import is_slug
from audit.schema.evidence import Exchange
from audit.schema.result import AuditResult
from audit.runtime.target import Target, read_api_key

__all__ = ["PreparedRun", "prepare", "plan", "collect_live", "finish", "prices_for"]


@dataclass
class PreparedRun:
    folder: RunFolder
    spec: RunSpec
    target: Target
    record: LoadedRecord
    probes: list[ProbeKind]
    recorded: dict[str, Exchange]
    resumed: bool
    caps: Caps = field(default_factory=Caps)
    prices: Prices | None = None


def _select_probes(probe_ids: list[str] | None, rubric_id: str) -> list[ProbeKind]:
    if probe_ids:
        return [find_probe(pid) for pid in probe_ids]
    from audit.scoring.rubrics import load_rubric

    wanted = {ind.probe.probe for ind in load_rubric(rubric_id).rubric.indicators() if ind.probe}
    probes = [load_probe_file(p) for p in shipped_probe_files()]
    return [p for p in probes if p.kind in wanted] or probes


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
            run_id: str | None = None, out: Path = Path("out"), caps: Caps = Caps(),
            price_in: float | None = None, price_out: float | None = None) -> PreparedRun:
    """Load and check everything a run needs; touches neither the network nor the disk."""
    record = load_record(record_path)
    rubric_id = rubric or record.record.rubric
    probes = _select_probes(probe_ids, rubric_id)
    if not probes:
        raise InputError([Problem("--probes", "no probes to run (none given and none shipped)")])
    ids = [p.id for p in probes]
    if len(set(ids)) != len(ids):
        raise InputError([Problem("--probes", "a probe is named twice")])
    if run_id is not None and not is_slug(run_id):
        raise InputError([Problem("--run-id", f"{run_id!r} is not a valid run id "
                                              "(lowercase letters, digits, '.', '_', '-')")])
    prices = prices_for(record, price_in, price_out)
    if caps.max_cost is not None and prices is None:
        raise InputError([Problem("--max-cost", "needs prices: the record has no model.price; "
                                                "give --price-in and --price-out (USD per million tokens)")])
    spec = RunSpec(run_id=run_id or new_run_id(target.model),
                   created_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
                   target=RunTarget(provider=target.provider, model=target.model, endpoint=target.endpoint,
                                    api_key_env=target.api_key_env),
                   probes=[p.definition for p in probes], rubric=rubric_ref(rubric_id), record=file_ref(record_path))
    folder = RunFolder.of(out, spec.run_id)
    resumed = folder.spec.exists()
    recorded: dict[str, Exchange] = {}
    if resumed:
        earlier = folder.load_spec()
        diffs = earlier.same_run_as(spec)
        if diffs:
            raise InputError([Problem(str(folder.spec), f"run {spec.run_id} was started with a different "
                                                        f"{', '.join(diffs)}; use a new --run-id")])
        spec = earlier.model_copy(update={"target": spec.target})
        probes = probes_of(spec)
        recorded = {k: ex for k, ex in latest(EvidenceLog(folder.evidence).load()).items() if has_response(ex)}
    return PreparedRun(folder, spec, target, record, probes, recorded, resumed, caps, prices)


def plan(run: PreparedRun) -> Plan:
    context = target_context(run.spec, run.record)
    parts = []
    for probe in run.probes:
        done = {ex.key: ex for ex in run.recorded.values() if ex.probe_id == probe.id}
        parts.append(plan_probe(probe, context, done))
    return Plan(parts, run.prices)


def collect_live(run: PreparedRun, progress: Any = None, *, retry: RetryPolicy | None = None
                 ) -> tuple[list[ProbeProgress], Budget, int]:
    """Send what has no recorded response; returns the probes' states, the budget and the retry count."""
    api_key = read_api_key(run.target)
    run.folder.root.mkdir(parents=True, exist_ok=True)
    if not run.resumed:
        run.folder.write_spec(run.spec)
    budget = Budget(run.caps, run.prices)
    cls = PROVIDERS[run.target.provider]
    retry = retry or RetryPolicy(max_attempts=run.target.max_attempts)

    async def go() -> tuple[list[ProbeProgress], int]:
        transport = Transport(cls.base_url(run.target.base_url), headers=cls.auth_headers(api_key),
                              concurrency=run.target.concurrency, retry=retry,
                              timeouts=Timeouts(run.target.connect_timeout, run.target.read_timeout))
        async with transport:
            with EvidenceLog(run.folder.evidence) as log:
                collector = Collector(cls(transport, run.target.model), run.spec.run_id, run.target.endpoint,
                                      log, budget, tuple(s for s in (api_key,) if s), progress)
                states = await collector.collect(run.probes, target_context(run.spec, run.record), run.recorded)
        return states, transport.retries

    states, retries = asyncio.run(go())
    return states, budget, retries


def finish(folder: RunFolder, spec: RunSpec, warn: Callable[[str], None] = lambda m: None, *,
           history: Path | None = None, record: bool = False) -> tuple[AuditResult, list[Path]]:
    """Score the run from its evidence and write result.json, findings.json and the card.

    The card shows the identity and tokenizer findings and, with `history` (a database path), the
    model's drift timeline when the database holds drift audits of it; `record` stores the run there
    first. `audit rescore` calls this too, so both write the same card.
    """
    from audit.runtime.recording import record_run
    from audit.runtime.sections import probe_sections

    result = score_run(folder, spec, warn)
    if history is not None and record:
        record_run(history, result, requested_model=spec.target.model, warn=warn,
                   baseline=spec.context.get("drift_baseline_name"))
    sections = probe_sections(result, model=spec.target.model, history=history, warn=warn)
    return result, write_outputs(folder, result, sections)

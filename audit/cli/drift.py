"""`audit baseline`, `audit drift` and `audit history`: periodic drift audits and their trend."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from audit.cli.options import (Baselines, CallDeadline, Db, Endpoint, Formats, KeyEnv, MaxResponseBytes, ModelName,
                               NoHistory, Provider, ReasoningEffort, RequestProfileId, TargetFile, history_path)
from audit.cli.support import add_commands, console

EXIT_STABLE, EXIT_DRIFT = 0, 1

def _target(target, provider, model, endpoint, api_key_env, concurrency, request_profile, reasoning_effort):
    from audit.runtime.target import load_target

    return load_target(target, provider=provider, model=model, base_url=endpoint, api_key_env=api_key_env,
                       concurrency=concurrency, request_profile=request_profile, reasoning_effort=reasoning_effort)


def baseline(record: Annotated[Path, typer.Argument(help="The model's disclosure record (YAML).")],
             endpoint: Endpoint = None, model: ModelName = None, provider: Provider = None,
             api_key_env: KeyEnv = None, target: TargetFile = None,
             request_profile: RequestProfileId = None, reasoning_effort: ReasoningEffort = None,
             name: Annotated[Optional[str], typer.Option(help="Baseline name (default: date and model).")] = None,
             probe: Annotated[str, typer.Option(help="The drift battery: a shipped probe id or a YAML file.")] = "drift-core",
             baselines: Baselines = None,
             rubric: Annotated[Optional[str], typer.Option(help="Rubric id or file; the record's own by default.")] = None,
             replace: Annotated[bool, typer.Option("--replace", help="Overwrite a baseline of the same name.")] = False,
             concurrency: Annotated[Optional[int], typer.Option(min=1, help="Calls in flight at once.")] = None,
             call_deadline: CallDeadline = None, max_response_bytes: MaxResponseBytes = None,
             db: Db = None, no_history: NoHistory = False, formats: Formats = None) -> None:
    """Record a baseline: run the drift battery against the model and keep its answers."""
    from audit.core.errors import InputError, Problem
    from audit.render.card import parse_formats
    from audit.runtime.drift_runner import default_baselines_dir, record_baseline
    from audit.schema.base import is_slug

    card_formats = parse_formats(formats)
    if name is not None and not is_slug(name):
        raise InputError([Problem("--name", f"{name!r} is not a valid name (lowercase letters, digits, '.', '_', '-')")])
    tgt = _target(target, provider, model, endpoint, api_key_env, concurrency, request_profile, reasoning_effort)
    tgt = tgt.with_limits(call_deadline, max_response_bytes)
    folder, result, ok = record_baseline(record, tgt, name=name, probe=probe,
                                         baselines_dir=baselines or default_baselines_dir(), rubric=rubric,
                                         replace=replace, history_db=history_path(db, no_history),
                                         formats=card_formats)
    console.print(f"baseline {folder.name}: {ok} answers from {tgt.model} at {tgt.endpoint}", markup=False)
    console.print(f"stored in {folder}", markup=False)


def drift(record: Annotated[Path, typer.Argument(help="The model's disclosure record (YAML).")],
          baseline: Annotated[str, typer.Option(help="Baseline name (under --baselines) or folder.")],
          endpoint: Endpoint = None, model: ModelName = None, provider: Provider = None,
          api_key_env: KeyEnv = None, target: TargetFile = None,
          request_profile: RequestProfileId = None, reasoning_effort: ReasoningEffort = None,
          baselines: Baselines = None,
          alpha: Annotated[Optional[float], typer.Option(min=0.0, max=1.0,
                           help="False-alarm rate to hold (default: the battery's, 0.05).")] = None,
          period: Annotated[int, typer.Option(min=1, help="Audits per alarm period: each audit is tested at "
                                                          "alpha/period, so the whole period holds alpha.")] = 1,
          summary: Annotated[Optional[Path], typer.Option(help="Write a Markdown summary (for a CI comment) here.")] = None,
          out: Annotated[Path, typer.Option(help="Output folder; the run goes to OUT/runs/RUN_ID/.")] = Path("out"),
          run_id: Annotated[Optional[str], typer.Option(help="Run id (default: time and model).")] = None,
          concurrency: Annotated[Optional[int], typer.Option(min=1, help="Calls in flight at once.")] = None,
          call_deadline: CallDeadline = None, max_response_bytes: MaxResponseBytes = None,
          db: Db = None, no_history: NoHistory = False, formats: Formats = None) -> None:
    """Compare the model with a baseline. Exit 0: no drift; 1: drift; 2: error (no verdict)."""
    from audit.core.atomic import write_text_atomic
    from audit.core.errors import InputError, Problem
    from audit.probes.drift.summary import summary_markdown
    from audit.probes.drift.values import BEHAVIOUR_CHECK, FINGERPRINT_CHECK
    from audit.render.card import parse_formats
    from audit.runtime.drift_runner import resolve_baseline, run_drift

    card_formats = parse_formats(formats)
    if alpha is not None and not 0 < alpha < 1:
        raise InputError([Problem("--alpha", "must be between 0 and 1 (exclusive)")])
    tgt = _target(target, provider, model, endpoint, api_key_env, concurrency, request_profile, reasoning_effort)
    folder = resolve_baseline(baseline, baselines)
    tgt = tgt.with_limits(call_deadline, max_response_bytes)
    outcome = run_drift(record, tgt, baseline_dir=folder, out=out, run_id=run_id, alpha=alpha, period=period,
                        history_db=history_path(db, no_history), formats=card_formats)
    text = summary_markdown(outcome.report, model=tgt.model, endpoint=tgt.endpoint, baseline=outcome.baseline,
                            run=outcome.result.run_id)
    if summary is not None:
        write_text_atomic(summary, text)
    behaviour = next(f for f in outcome.result.findings if f.check == BEHAVIOUR_CHECK)
    fingerprint = next((f for f in outcome.result.findings if f.check == FINGERPRINT_CHECK), None)
    console.print(f"{outcome.report.verdict.upper()}: {behaviour.message}", markup=False)
    if fingerprint is not None:
        console.print(f"fingerprint: {fingerprint.message}", markup=False)
    console.print(f"run folder: {outcome.folder}", markup=False)
    raise typer.Exit(EXIT_DRIFT if outcome.report.verdict == "drift" else EXIT_STABLE)


def history(model: Annotated[str, typer.Argument(help="Model name or API id as audited.")],
            db: Db = None,
            format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table") -> None:
    """Print the model's score and drift trend from the history database."""
    import json
    from dataclasses import asdict

    from audit.core.errors import InputError, Problem
    from audit.runtime.history_access import model_trend

    if format not in ("table", "json"):
        raise InputError([Problem("--format", f"unknown format {format!r}; choose table or json")])
    rows = model_trend(db, model)
    if format == "json":
        typer.echo(json.dumps([asdict(r) for r in rows], indent=2))
        return
    from audit.history.trend import trend_table, trend_lines

    console.print(trend_table(model, rows))
    for line in trend_lines(rows):
        console.print(line, markup=False)


def register(app: typer.Typer) -> None:
    add_commands(app, (("baseline", baseline), ("drift", drift), ("history", history)))

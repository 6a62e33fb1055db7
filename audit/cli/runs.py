"""`audit run` (live probes → run folder) and `audit rescore` (the same, offline, from the evidence)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from audit.cli.support import add_commands, console, err_console
from audit.cli.options import (Baselines, CallDeadline, Db, Formats, MaxResponseBytes, NoHistory, ReasoningEffort,
                               RequestProfileId, history_path)


def _warn(message: str) -> None:
    err_console.print(f"warning: {message}", markup=False)


def _split(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _plan_table(plan, run):
    from rich.table import Table

    table = Table(title=f"Plan for run {run.spec.run_id}" + (" (resumed)" if run.resumed else ""),
                  title_justify="left")
    for column, justify in (("probe", "left"), ("kind", "left"), ("recorded", "right"), ("calls", "right"),
                            ("input tokens", "right"), ("output tokens", "right")):
        table.add_column(column, justify=justify)
    for p in plan.probes:
        if p.error:
            table.add_row(p.probe_id, p.kind, str(p.recorded), "-", "-", f"cannot plan: {p.error}")
            continue
        table.add_row(p.probe_id, p.kind, str(p.recorded), str(p.calls), f"{p.input_tokens:,}", f"{p.output_tokens:,}")
    table.add_row("total", "", str(sum(p.recorded for p in plan.probes)), str(plan.calls),
                  f"{plan.input_tokens:,}", f"{plan.output_tokens:,}", style="bold")
    return table


def _print_requests(prepared) -> None:
    """The request profile, the effort, and the fields each probe will send."""
    from audit.runtime.preview import preview_requests, profile_line
    from audit.runtime.run_folder import target_context

    context = target_context(prepared.spec, prepared.record)
    console.print(profile_line(context.request), markup=False)
    for probe in preview_requests(prepared.target.provider, prepared.target.model, prepared.probes, context):
        console.print(f"  {probe.probe_id} sends: " + (" | ".join(probe.fields) or "no calls"), markup=False)


def _cost_line(plan) -> str:
    if plan.prices is None:
        return "estimated cost: unknown (no model.price in the record; give --price-in/--price-out)"
    p = plan.prices
    return (f"estimated cost: {plan.cost:.4f} {p.currency} (at {p.input_per_million:g} in / "
            f"{p.output_per_million:g} out per million tokens, from {p.source})")


def _note_lines(plan) -> list[str]:
    """The parts of the plan probes schedule later (counted in the totals at their most), with their cost."""
    lines = []
    for probe in plan.probes:
        for note in probe.notes:
            cost = f", at most {plan.prices.cost(note.input_tokens, note.output_tokens):.4f} {plan.prices.currency}" \
                if plan.prices is not None else ""
            lines.append(f"  {probe.probe_id}: {note.label}: up to {note.calls} calls, {note.input_tokens:,} input "
                         f"and {note.output_tokens:,} output tokens{cost} (in the totals above)")
    return lines


def _caps_line(caps) -> str:
    parts = [f"{name} {value:g}" for name, value in (("max-calls", caps.max_calls), ("max-tokens", caps.max_tokens),
                                                     ("max-cost", caps.max_cost)) if value is not None]
    return "caps: " + (", ".join(parts) if parts else "none")


def run(record: Annotated[Path, typer.Argument(help="The model's disclosure record (YAML).")],
        endpoint: Annotated[Optional[str], typer.Option(help="Base URL of the API (e.g. https://api.openai.com/v1).")] = None,
        model: Annotated[Optional[str], typer.Option(help="Model name to request.")] = None,
        provider: Annotated[Optional[str], typer.Option(help="openai (Chat Completions and compatibles), openai-responses or anthropic.")] = None,
        request_profile: RequestProfileId = None, reasoning_effort: ReasoningEffort = None,
        api_key_env: Annotated[Optional[str], typer.Option(help="Name of the environment variable holding the API key.")] = None,
        target: Annotated[Optional[Path], typer.Option(help="A target YAML file (provider, model, base_url, api_key_env, ...).")] = None,
        probes: Annotated[Optional[str], typer.Option(help="Probe ids or files, comma-separated; default: the shipped probes the rubric uses.")] = None,
        rubric: Annotated[Optional[str], typer.Option(help="Rubric id or file; the record's own by default.")] = None,
        run_id: Annotated[Optional[str], typer.Option(help="Run id; give an existing one to resume that run.")] = None,
        out: Annotated[Path, typer.Option(help="Output folder; the run goes to OUT/runs/RUN_ID/.")] = Path("out"),
        concurrency: Annotated[Optional[int], typer.Option(min=1, help="Calls in flight at once (default 8).")] = None,
        call_deadline: CallDeadline = None, max_response_bytes: MaxResponseBytes = None,
        max_calls: Annotated[Optional[int], typer.Option(min=0, help="Stop before sending more calls than this.")] = None,
        max_tokens: Annotated[Optional[int], typer.Option(min=0, help="Stop before spending more tokens than this.")] = None,
        max_cost: Annotated[Optional[float], typer.Option(min=0, help="Stop before spending more than this (in the price's currency).")] = None,
        price_in: Annotated[Optional[float], typer.Option(min=0, help="Input price per million tokens (overrides the record's).")] = None,
        price_out: Annotated[Optional[float], typer.Option(min=0, help="Output price per million tokens (overrides the record's).")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan and exit; send nothing, write nothing.")] = False,
        baseline: Annotated[Optional[str], typer.Option(help="Compare the drift probe's answers with this baseline "
                                                             "(a name under --baselines, or a folder).")] = None,
        baselines: Baselines = None,
        alpha: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, help="Drift false-alarm rate (with --baseline).")] = None,
        period: Annotated[int, typer.Option(min=1, help="Drift audits per alarm period (with --baseline).")] = 1,
        db: Db = None, no_history: NoHistory = False, formats: Formats = None,
        ) -> None:
    """Run live probes against a model API, then score the record with their findings."""
    from audit.render.card import parse_formats
    from audit.runtime.budget import Caps
    from audit.runtime.drift_runner import resolve_baseline
    from audit.runtime.target import load_target
    from audit.runtime.workflow import BaselineLink, collect_live, finish, plan, prepare

    card_formats = parse_formats(formats)
    tgt = load_target(target, provider=provider, model=model, base_url=endpoint, api_key_env=api_key_env,
                      concurrency=concurrency, request_profile=request_profile, reasoning_effort=reasoning_effort)
    tgt = tgt.with_limits(call_deadline, max_response_bytes)
    link = None if baseline is None else BaselineLink(resolve_baseline(baseline, baselines), alpha, period)
    prepared = prepare(record, tgt, rubric=rubric, probe_ids=_split(probes), run_id=run_id, out=out,
                       caps=Caps(max_calls, max_tokens, max_cost), price_in=price_in, price_out=price_out,
                       baseline=link)
    the_plan = plan(prepared)
    console.print(_plan_table(the_plan, prepared))
    console.print(f"{tgt.provider} {tgt.model} at {tgt.endpoint}", markup=False)
    _print_requests(prepared)
    console.print(_cost_line(the_plan), markup=False)
    for line in _note_lines(the_plan):
        console.print(line, markup=False)
    console.print(_caps_line(prepared.caps), markup=False)
    if dry_run:
        console.print("dry run: nothing sent, nothing written", markup=False)
        return

    progress = None
    if console.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=False)
    if progress is not None:
        with progress:
            states, budget, retries = collect_live(prepared, progress)
    else:
        states, budget, retries = collect_live(prepared)

    for state in states:
        note = f"error: {state.error}" if state.error else ("done" if state.finished else "stopped")
        console.print(f"{state.probe.id}: {state.sent} sent, {state.failed} failed, {note}", markup=False)
    console.print(f"{budget.calls} calls, {retries} retries, ~{budget.tokens:,} tokens"
                  + (f", ~{budget.cost:.4f} {prepared.prices.currency}" if prepared.prices else ""), markup=False)
    if budget.stopped:
        console.print(f"stopped: {budget.stopped}; what was gathered is kept. Resume with "
                      f"--run-id {prepared.spec.run_id}", markup=False)
    done = finish(prepared.folder, prepared.spec, _warn, history=history_path(db, no_history), record_as="auto",
                  formats=card_formats)
    result, written = done.result, done.written
    console.print(f"{result.total}/{result.max_total} points ({result.percent:g}%), grade {result.grade or '-'}, "
                  f"coverage {result.coverage:g}%", markup=False)
    console.print(f"run folder: {prepared.folder.root}", markup=False)
    for path in written:
        console.print(f"wrote {path}", markup=False)


def rescore(run_dir: Annotated[Path, typer.Argument(help="A run folder (OUT/runs/RUN_ID).")],
            db: Db = None, no_history: NoHistory = False, formats: Formats = None) -> None:
    """Recompute findings, scores and cards from a run's evidence alone, offline."""
    from audit.render.card import parse_formats
    from audit.runtime.run_folder import RunFolder
    from audit.runtime.workflow import finish

    card_formats = parse_formats(formats)
    folder = RunFolder(run_dir)
    spec = folder.load_spec()
    before = folder.result.read_bytes() if folder.result.exists() else None
    done = finish(folder, spec, _warn, history=history_path(db, no_history), formats=card_formats)  # reads it only
    result, written = done.result, done.written
    after = folder.result.read_bytes()
    state = "new" if before is None else ("unchanged" if before == after else "CHANGED")
    console.print(f"result.json {state}: {result.total}/{result.max_total} points, grade {result.grade or '-'}",
                  markup=False)
    for path in written:
        console.print(f"wrote {path}", markup=False)


def register(app: typer.Typer) -> None:
    add_commands(app, (("run", run), ("rescore", rescore)))

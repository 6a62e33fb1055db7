"""`audit verify`: is this endpoint serving the same model as a reference endpoint (or a stored baseline)?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from audit.cli.options import Baselines, Endpoint, Formats, KeyEnv, ModelName, Provider, TargetFile
from audit.cli.support import add_commands, console

EXIT_SAME, EXIT_DIFFERS = 0, 1


def _reference(reference: str | None, endpoint, model, provider, api_key_env, concurrency, baselines):
    """A target file or flags (--reference-endpoint ...), else a baseline name or folder."""
    from audit.core.errors import InputError, Problem
    from audit.runtime.drift_runner import resolve_baseline
    from audit.runtime.target import load_target
    from audit.runtime.verify_runner import Reference

    flags = any(v is not None for v in (endpoint, model, provider, api_key_env))
    path = Path(reference) if reference is not None else None
    if path is not None and path.suffix in (".yaml", ".yml") and path.is_file():
        return Reference(target=load_target(path, provider=provider, model=model, base_url=endpoint,
                                            api_key_env=api_key_env, concurrency=concurrency), where=str(path))
    if reference is not None:
        if flags:
            raise InputError([Problem("--reference", "a stored baseline takes no --reference-* flags")])
        return Reference(baseline=resolve_baseline(reference, baselines), where=reference)
    if not flags:
        raise InputError([Problem("--reference", "name the reference: a target file, a baseline, or "
                                                 "--reference-endpoint and --reference-model")])
    return Reference(target=load_target(None, provider=provider, model=model, base_url=endpoint,
                                        api_key_env=api_key_env, concurrency=concurrency), where="--reference-*")


def verify(record: Annotated[Path, typer.Argument(help="The model's disclosure record (YAML).")],
           reference: Annotated[Optional[str], typer.Option(
               help="The reference: a target YAML file, or a stored baseline (name under --baselines, or folder).")] = None,
           reference_endpoint: Annotated[Optional[str], typer.Option(help="The reference's base URL.")] = None,
           reference_model: Annotated[Optional[str], typer.Option(help="The reference's model name.")] = None,
           reference_provider: Annotated[Optional[str], typer.Option(help="The reference's provider dialect.")] = None,
           reference_api_key_env: Annotated[Optional[str], typer.Option(
               help="Environment variable holding the reference's API key.")] = None,
           endpoint: Endpoint = None, model: ModelName = None, provider: Provider = None, api_key_env: KeyEnv = None,
           target: TargetFile = None, baselines: Baselines = None,
           probe: Annotated[str, typer.Option(help="The battery (a shipped probe id or a YAML file) for a live "
                                                   "reference; a stored one brings its own.")] = "drift-core",
           mode: Annotated[str, typer.Option(help="auto (by the target's request profile), logprob (one token "
                                                 "and its top-k log-probabilities at temperature 0), border (one-token "
                                                 "calls on nearly tied prompts found on the reference) or mmd "
                                                 "(the sampled battery --probe).")] = "auto",
           border_candidates: Annotated[Optional[Path], typer.Option(
               help="Candidate prompts for border discovery (YAML: prompts: [{id, prompt}]).")] = None,
           border_prompts: Annotated[int, typer.Option(min=1, max=200, help="Border prompts kept.")] = 16,
           border_samples: Annotated[int, typer.Option(min=4, max=100, help="Discovery samples per candidate.")] = 10,
           border_share: Annotated[float, typer.Option(min=0.05, max=1.0, help=(
               "A border prompt's two most frequent first tokens take at least this share of its samples "
               "(lower it, with more samples, for flatter distributions)."))] = 0.6,
           top_logprobs: Annotated[int, typer.Option(min=1, max=20, help=(
               "Log-prob mode: most likely first tokens asked for per call."))] = 5,
           seeds: Annotated[str, typer.Option(help="shared: both endpoints get the same per-call seeds and the test "
                                                   "pairs them; independent: other seeds, unpaired test.")] = "shared",
           alpha: Annotated[Optional[float], typer.Option(min=0.0, max=1.0,
                            help="False-alarm rate to hold (default: the battery's, 0.05).")] = None,
           period: Annotated[int, typer.Option(min=1, help="Verifications per alarm period (each at alpha/period).")] = 1,
           out: Annotated[Path, typer.Option(help="Output folder; the run goes to OUT/runs/RUN_ID/.")] = Path("out"),
           run_id: Annotated[Optional[str], typer.Option(help="Run id (default: time and model).")] = None,
           concurrency: Annotated[Optional[int], typer.Option(min=1, help="Calls in flight at once.")] = None,
           rubric: Annotated[Optional[str], typer.Option(help=(
               "Rubric id or file for the card (the record's own by default); provider-v1 scores the comparison "
               "in its reference-comparison criterion."))] = None,
           formats: Formats = None) -> None:
    """Compare an endpoint with a reference. Exit 0: no difference; 1: differs; 2: error (no verdict)."""
    from audit.core.errors import InputError, Problem
    from audit.render.card import parse_formats
    from audit.runtime.target import load_target
    from audit.runtime.verify_runner import BorderSettings, LogprobSettings, run_verify

    card_formats = parse_formats(formats)
    if seeds not in ("shared", "independent"):
        raise InputError([Problem("--seeds", f"unknown value {seeds!r}; choose shared or independent")])
    if mode not in ("auto", "logprob", "border", "mmd"):
        raise InputError([Problem("--mode", f"unknown mode {mode!r}; choose auto, logprob, border or mmd")])
    if alpha is not None and not 0 < alpha < 1:
        raise InputError([Problem("--alpha", "must be between 0 and 1 (exclusive)")])
    ref = _reference(reference, reference_endpoint, reference_model, reference_provider, reference_api_key_env,
                     concurrency, baselines)
    tgt = load_target(target, provider=provider, model=model, base_url=endpoint, api_key_env=api_key_env,
                      concurrency=concurrency)
    border = BorderSettings(border_candidates, samples=border_samples, prompts=border_prompts, min_top_two=border_share)
    outcome = run_verify(record, tgt, ref, probe=probe, out=out, run_id=run_id, alpha=alpha, period=period,
                         seeds=seeds, mode=mode, border=border, logprob=LogprobSettings(top=top_logprobs),
                         rubric=rubric, formats=card_formats)  # type: ignore[arg-type]
    from audit.probes.drift.values import REFERENCE_CHECK

    behaviour = next(f for f in outcome.result.findings if f.check == REFERENCE_CHECK)
    word = "DIFFERS" if outcome.report.verdict == "drift" else "SAME"
    console.print(f"{word}: {behaviour.message}", markup=False)
    console.print(f"mode: {outcome.mode}; {outcome.report.current_calls} calls, "
                  f"{outcome.report.current_output_tokens} output tokens to the target", markup=False)
    console.print(f"run folder: {outcome.folder}", markup=False)
    raise typer.Exit(EXIT_DIFFERS if outcome.report.verdict == "drift" else EXIT_SAME)


def register(app: typer.Typer) -> None:
    add_commands(app, (("verify", verify),))

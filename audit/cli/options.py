"""Options several commands share (target, history, baselines, card formats), declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = ["Endpoint", "ModelName", "Provider", "KeyEnv", "TargetFile", "RequestProfileId", "ReasoningEffort",
           "Baselines", "Db", "NoHistory", "Formats", "CallDeadline", "MaxResponseBytes", "history_path"]

Endpoint = Annotated[Optional[str], typer.Option(help="Base URL of the API (e.g. https://api.openai.com/v1).")]
ModelName = Annotated[Optional[str], typer.Option(help="Model name to request.")]
Provider = Annotated[Optional[str], typer.Option(help="openai (Chat Completions and compatibles), openai-responses or anthropic.")]
KeyEnv = Annotated[Optional[str], typer.Option(help="Name of the environment variable holding the API key.")]
TargetFile = Annotated[Optional[Path], typer.Option(help="A target YAML file (provider, model, base_url, ...).")]
RequestProfileId = Annotated[Optional[str], typer.Option(
    "--request-profile", help="Request profile id (data/request_profiles.yaml); default: matched from the model id.")]
ReasoningEffort = Annotated[Optional[str], typer.Option(
    "--reasoning-effort", help="Reasoning effort; default: the lowest the request profile allows. A list "
                               "(low,medium,high) sends every probe at the first and sweeps the others in the "
                               "tokenizer probe's reasoning check.")]
Baselines = Annotated[Optional[Path], typer.Option(
    help="Folder of named baselines (default: $AUDIT_BASELINES_DIR or ~/.local/share/model-integrity-audit/baselines).")]
Db = Annotated[Optional[Path], typer.Option(
    "--db", help="History database (default: $AUDIT_HISTORY_DB or ~/.local/share/model-integrity-audit/history.sqlite).")]
NoHistory = Annotated[bool, typer.Option("--no-history", help="Do not record the run in the history database.")]
Formats = Annotated[Optional[str], typer.Option(
    envvar="AUDIT_FORMATS", help="Card formats to write, comma-separated: html,pdf,json,md (default: all).")]


CallDeadline = Annotated[Optional[float], typer.Option(
    "--call-deadline", envvar="AUDIT_CALL_DEADLINE", min=0.1, max=86_400,
    help="Seconds one call may take in all: connecting, every attempt and the waits between (default: four "
         "read timeouts, at least 20). A call past it is recorded as an error exchange.")]
MaxResponseBytes = Annotated[Optional[int], typer.Option(
    "--max-response-bytes", envvar="AUDIT_MAX_RESPONSE_BYTES", min=1024, max=1 << 30,
    help="Largest response body read, in bytes (default 16 MiB); a larger reply is an error exchange.")]


def history_path(db: Path | None, no_history: bool) -> Path | None:
    """The history database a command uses: --db, else the default one; None with --no-history."""
    from audit.runtime.history_access import history_db

    return history_db(db, no_history)

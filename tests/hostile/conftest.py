"""Helpers for the hostile-input tests: run a command in-process and check the error contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit.cli.app import app

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"


def invoke(*args: str):
    """`audit ARGS` in this process (the commands' own error guard applies); returns the result."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def assert_clean_error(result, *, contains: str | None = None) -> str:
    """Exit 2, every stderr line an `error:` line, no traceback; returns stderr."""
    err = result.stderr
    assert result.exit_code == 2, (result.exit_code, result.stdout, err)
    assert "Traceback" not in err and "Traceback" not in result.stdout
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(line.startswith("error: ") for line in lines), err
    if contains is not None:
        assert contains in err, err
    return err


@pytest.fixture
def run_audit():
    return invoke


def tiny_drift_probe(folder: Path, *, repeats: int = 2, prompts: int = 1) -> Path:
    """A drift battery of `prompts` fixed and `prompts` open prompts, `repeats` calls each: a quick live run."""
    path = folder / "drift-tiny.yaml"
    fixed = "".join(f'      - {{id: add{n}, prompt: "What is {n} + 38? Reply with the number only.", expect: "{n + 38}"}}\n'
                    for n in range(prompts))
    open_ = "".join(f'      - {{id: poem{n}, prompt: "Write two lines of a poem about rain, number {n}."}}\n'
                    for n in range(prompts))
    path.write_text(f"""id: drift-tiny
kind: drift
description: Tiny drift battery for the hostile-input tests.
parameters:
  permutations: 99
  fixed:
    repeats: {repeats}
    max_tokens: 8
    prompts:
{fixed}  open:
    repeats: {repeats}
    max_tokens: 12
    prompts:
{open_}""")
    return path

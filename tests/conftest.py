"""Shared test helpers: paths and a CLI runner that uses the real console entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHARED = REPO.parent / "shared"


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `audit ARGS` as a user would, in a subprocess; returns the completed process."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("COLUMNS", "200")
    return subprocess.run([sys.executable, "-m", "audit", *args], cwd=cwd or REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(autouse=True, scope="session")
def _private_data_home(tmp_path_factory):
    """`audit run` records every run in a per-user history database ($XDG_DATA_HOME); keep the
    suite's runs (and their subprocesses) out of the real user's one. Cards are written without
    their PDF (`AUDIT_FORMATS`), which is most of a card's rendering time; the tests that look at
    PDFs ask for them (`--formats all`, or `write_card` with its default formats)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    patch.setenv("AUDIT_FORMATS", "html,json,md")
    yield
    patch.undo()

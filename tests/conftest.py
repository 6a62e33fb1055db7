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
    # A wide console unless the test asks otherwise: the inherited COLUMNS differs between a terminal,
    # CI and pytest-xdist workers, and Rich fits tables to it.
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
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


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`./test.sh` runs `-n auto --dist loadgroup`), every `realserver` test goes
    to one worker: the real servers are session fixtures, started once there rather than once per
    worker, while the other workers run the rest of the suite."""
    group = pytest.mark.xdist_group("realserver")
    for item in items:
        if item.get_closest_marker("realserver"):
            item.add_marker(group)

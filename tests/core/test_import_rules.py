"""The layering rules in pyproject.toml ([tool.importlinter]) hold, and a deliberate break is caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                              "sys.exit(lint_imports_command())"]


def _lint(checkout: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    return subprocess.run([*LINT, "--no-cache"], cwd=checkout, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_import_contracts_hold():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" not in done.stdout.lower().replace("0 broken", "")


def test_a_renderer_that_reads_the_history_breaks_a_contract(tmp_path):
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT / "audit", copy / "audit", ignore=shutil.ignore_patterns("__pycache__", "_content"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    view = copy / "audit" / "render" / "view.py"
    view.write_text(view.read_text() + "\nfrom audit.history.store import History  # deliberate violation\n")
    done = _lint(copy)
    assert done.returncode != 0
    assert "render imports only schema and core BROKEN" in done.stdout
    assert "audit.render.view -> audit.history.store" in done.stdout

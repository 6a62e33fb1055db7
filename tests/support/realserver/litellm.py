"""The LiteLLM proxy used by the real-server tests, installed into its own virtualenv in the cache.

LiteLLM pins rich<14 and pulls about 750 MB, so it stays out of the project's environment:
`$AUDIT_LITELLM` (a `litellm` executable) when set, else ``<cache>/litellm-venv/bin/litellm``,
else a `litellm` next to this interpreter. `python -m tests.support.realserver.litellm` installs the pinned
version when none is found (about 2 minutes), and prints the executable.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.realserver.paths import cache_dir

__all__ = ["LITELLM_VERSION", "litellm_venv", "litellm_executable", "install_litellm", "ensure_litellm"]

LITELLM_VERSION = "1.108.7"


def litellm_venv() -> Path:
    return cache_dir() / "litellm-venv"


def litellm_executable() -> Path | None:
    """The first `litellm` found, or None."""
    configured = os.environ.get("AUDIT_LITELLM")
    candidates = [Path(configured)] if configured else []
    candidates += [litellm_venv() / "bin" / "litellm", Path(sys.executable).parent / "litellm"]
    return next((path for path in candidates if path.is_file()), None)


def install_litellm() -> Path:
    """Install the pinned LiteLLM proxy into ``<cache>/litellm-venv``; returns its executable."""
    venv = litellm_venv()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                    f"litellm[proxy]=={LITELLM_VERSION}"], check=True)
    return venv / "bin" / "litellm"


def ensure_litellm() -> Path:
    return litellm_executable() or install_litellm()


if __name__ == "__main__":
    print(ensure_litellm())

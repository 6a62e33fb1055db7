"""The LiteLLM proxy used by the real-server tests, installed into its own virtualenv in the cache.

LiteLLM pins rich<14 and pulls about 750 MB, so it stays out of the project's environment:
`$AUDIT_LITELLM` (a `litellm` executable) when set, else ``<cache>/litellm-venv/bin/litellm``,
else a `litellm` next to this interpreter. `python -m tests.support.realserver.litellm` installs the pinned
version when none is found (about 2 minutes), and prints the executable.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.realserver.paths import cache_dir
from tests.support.realserver.servers import _ChildServer

__all__ = ["LITELLM_VERSION", "litellm_venv", "litellm_executable", "install_litellm", "ensure_litellm",
           "litellm_or_skip", "LiteLLMProxy"]

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


def litellm_or_skip() -> Path:
    """The proxy's executable for a test: installed on first use when real servers are required, else skip."""
    import pytest

    from tests.support.realserver.testing import require_real_servers

    executable = litellm_executable()
    if executable is None:
        if not require_real_servers():
            pytest.skip(f"litellm is not installed (python -m venv {litellm_venv()} && "
                        f"{litellm_venv() / 'bin' / 'pip'} install 'litellm[proxy]=={LITELLM_VERSION}')")
        executable = install_litellm()
    return executable


class LiteLLMProxy(_ChildServer):
    """LiteLLM's proxy on 127.0.0.1, offline: the bundled cost map, no telemetry, a fresh master key."""

    name = "litellm"
    ready_path = "/health/liveliness"  # /v1/models needs the master key

    def __init__(self, executable: Path, routes: dict[str, tuple[str, str]], **kwargs):
        """routes: advertised name -> (backend base URL, backend model)."""
        super().__init__(**kwargs)
        self.executable = executable
        self.routes = routes
        self.master_key = "sk-" + secrets.token_hex(16)
        self.config_path = self._workdir / "config.yaml"

    def command(self) -> list[str]:
        config = {
            "model_list": [{"model_name": name, "litellm_params": {"model": f"openai/{model}", "api_base": base,
                                                                    "api_key": "none"}}
                           for name, (base, model) in self.routes.items()],
            "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},  # the key stays out of files
            "litellm_settings": {"telemetry": False},
        }
        self.config_path.write_text(yaml.safe_dump(config))
        return [str(self.executable), "--config", str(self.config_path), "--host", "127.0.0.1",
                "--port", str(self.port)]

    def _env(self) -> dict[str, str]:
        return {**os.environ, "LITELLM_MASTER_KEY": self.master_key, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                "LITELLM_TELEMETRY": "False", "NO_COLOR": "1"}


if __name__ == "__main__":
    print(ensure_litellm())

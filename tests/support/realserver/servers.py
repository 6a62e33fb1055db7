"""Start real OpenAI-compatible servers on 127.0.0.1 as child processes.

    with LlamaCppPythonServer([ServedModel(path, alias="tiny-llama3", chat_format="llama-3")]) as server:
        server.base_url   # http://127.0.0.1:PORT/v1

`LlamaCppPythonServer` runs ``python -m llama_cpp.server --config_file cfg.json`` (several models,
each under its alias); `LlamaServer` runs llama.cpp's C++ ``llama-server`` when it was built
(``scripts/setup-real-servers.sh --llama-server``). Both wait until ``GET /v1/models`` answers and
stop only the process they started.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2

from tests.support.realserver.paths import cache_dir, llama_server_bin

__all__ = ["ServedModel", "LlamaCppPythonServer", "LlamaServer", "llama_cpp_python_status", "free_port",
           "ServerFailed"]


class ServerFailed(RuntimeError):
    """The server process exited or did not answer in time; carries the end of its log."""


def llama_cpp_python_status() -> str | None:
    """None when llama-cpp-python's server can run here, else the reason it cannot."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (run scripts/setup-real-servers.sh)"
    for module in ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings"):
        if importlib.util.find_spec(module) is None:
            return f"llama-cpp-python is installed without its [server] extra ({module} is missing)"
    return None  # any version runs; the setup script installs the pinned one


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ServedModel:
    path: Path
    alias: str
    chat_format: str | None = None  # None: the GGUF's own chat template (Jinja)
    n_ctx: int = 2048
    seed: int | None = None


class _ChildServer:
    """A server child process with a log file, started on a free loopback port."""

    name = "server"
    ready_path = "/v1/models"  # answers 200 once the server is up (unauthenticated)

    def __init__(self, startup_timeout: float = 120.0, port: int | None = None):
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        # this server's own folder for its config and log: removed by stop(), made again by start()
        self._workdir = Path(tempfile.mkdtemp(prefix=f"audit-{self.name}-", dir=_runtime_dir()))
        self.startup_seconds: float | None = None

    @property
    def log_path(self) -> Path:
        return self._workdir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self):
        started = time.perf_counter()
        self._workdir.mkdir(parents=True, exist_ok=True)
        try:
            command = self.command()
        except ServerFailed:
            self.stop()
            raise
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self._workdir,
                                            env=self._env(), start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                message = f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                self.stop()
                raise ServerFailed(message)
            try:
                if httpx2.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    self.startup_seconds = time.perf_counter() - started
                    return self
            except httpx2.HTTPError:
                pass
            time.sleep(0.2)
        message = f"{self.name} did not answer within {self.startup_timeout:.0f} s:\n{self.log_tail()}"
        self.stop()
        raise ServerFailed(message)

    def _env(self) -> dict[str, str]:
        return dict(os.environ)

    def stop(self) -> None:
        """Stop the process this object started (only that one), and remove its config and log."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self._workdir, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _runtime_dir() -> Path:
    folder = cache_dir() / "run"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class LlamaCppPythonServer(_ChildServer):
    """llama-cpp-python's OpenAI-compatible server, serving several models by alias."""

    name = "llama-cpp-python"

    def __init__(self, models: list[ServedModel], python: str | None = None, n_threads: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.models = models
        self.python = python or sys.executable
        self.n_threads = n_threads

    @property
    def config_path(self) -> Path:
        return self._workdir / "config.json"

    def config(self) -> dict:
        entries = []
        for model in self.models:
            entry = {"model": str(model.path), "model_alias": model.alias, "n_ctx": model.n_ctx,
                     "n_threads": self.n_threads, "n_threads_batch": self.n_threads, "verbose": False}
            if model.chat_format:
                entry["chat_format"] = model.chat_format
            if model.seed is not None:
                entry["seed"] = model.seed
            entries.append(entry)
        return {"host": "127.0.0.1", "port": self.port, "models": entries}

    def command(self) -> list[str]:
        self.config_path.write_text(json.dumps(self.config(), indent=2))
        return [self.python, "-m", "llama_cpp.server", "--config_file", str(self.config_path)]


class LlamaServer(_ChildServer):
    """llama.cpp's C++ llama-server, serving one GGUF (or a folder of them)."""

    name = "llama-server"

    def __init__(self, model: Path, alias: str | None = None, binary: Path | None = None, n_ctx: int = 2048,
                 jinja: bool = True, n_threads: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.model = Path(model)
        self.alias = alias
        self.binary = binary or llama_server_bin()
        self.n_ctx = n_ctx
        self.jinja = jinja
        self.n_threads = n_threads

    def command(self) -> list[str]:
        if not self.binary.is_file():
            raise ServerFailed(f"{self.binary} is missing; run scripts/setup-real-servers.sh --llama-server")
        command = [str(self.binary), "--host", "127.0.0.1", "--port", str(self.port), "-c", str(self.n_ctx),
                   "-t", str(self.n_threads), "--no-webui"]
        if self.model.is_dir():
            command += ["--models-dir", str(self.model)]
        else:
            command += ["-m", str(self.model)]
        if self.alias:
            command += ["--alias", self.alias]
        if self.jinja:
            command.append("--jinja")
        return command

"""Serve the tiny models on 127.0.0.1 until interrupted.

    python -m tests.support.realserver.serve                  # llama-cpp-python's server, every default model
    python -m tests.support.realserver.serve --llama-server   # llama.cpp's llama-server, the first model

Prints the base URL on the first line of stdout, the served model aliases on stderr. Ctrl-C or
SIGTERM stops the server with it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from tests.support.realserver.catalog import DEFAULT_MODELS, served_models
from tests.support.realserver.servers import LlamaCppPythonServer, LlamaServer, ServerFailed, llama_cpp_python_status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llama-server", action="store_true", help="serve with llama.cpp's C++ llama-server")
    parser.add_argument("--port", type=int, default=None, help="port (a free one by default)")
    args = parser.parse_args(argv)
    # SIGTERM (kill, a service manager) unwinds like Ctrl-C, so the server child is stopped too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    models = served_models()
    if args.llama_server:
        first = models[0]
        server = LlamaServer(first.path, alias=first.alias, port=args.port)
    else:
        reason = llama_cpp_python_status()
        if reason:
            print(f"error: {reason}", file=sys.stderr)
            return 2
        server = LlamaCppPythonServer(models, port=args.port)
    try:
        with server:
            print(server.base_url, flush=True)
            aliases = [server.alias] if isinstance(server, LlamaServer) else [m.alias for m in DEFAULT_MODELS]
            print(f"serving {', '.join(a for a in aliases if a)} (started in {server.startup_seconds:.1f} s); "
                  "Ctrl-C stops", file=sys.stderr, flush=True)
            while server.process is not None and server.process.poll() is None:
                time.sleep(0.5)
            print(f"error: the server exited:\n{server.log_tail()}", file=sys.stderr)
            return 1
    except ServerFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

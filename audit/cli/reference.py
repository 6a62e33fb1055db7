"""`audit serve-reference`: run the local reference endpoint until interrupted."""

from __future__ import annotations

import errno
from typing import Annotated

import typer

from audit.cli.support import add_commands


def serve_reference(
    profile: Annotated[str, typer.Option(help="A shipped profile name (data/reference/NAME.yaml) or a YAML file.")]
    = "default",
    host: Annotated[str, typer.Option(help="Address to listen on; loopback only unless --allow-remote.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 0,
    version: Annotated[str | None, typer.Option(help="Start with this version of the profile.")] = None,
    allow_remote: Annotated[bool, typer.Option("--allow-remote",
                                               help="Allow a non-loopback --host (exposes the server).")]
    = False,
) -> None:
    """Serve a fake model API (OpenAI and Anthropic shapes) on 127.0.0.1, shaped by a YAML profile.

    Prints the base URL (e.g. http://127.0.0.1:8088/v1) on the first line, then serves until Ctrl-C.
    """
    from audit.core.errors import InputError, Problem
    from audit.reference import ReferenceServer

    if not 0 <= port <= 65535:
        raise InputError([Problem("--port", f"{port} is not a port (0 to 65535; 0 picks a free one)")])
    server = ReferenceServer(profile, host=host, port=port, allow_remote=allow_remote)
    if version is not None:
        try:
            server.set_version(version)
        except ValueError as exc:
            raise InputError([Problem("--version", str(exc))]) from None
    try:
        server.start()
    except (OSError, OverflowError) as exc:
        in_use = getattr(exc, "errno", None) == errno.EADDRINUSE
        why = "the port is in use already" if in_use else (getattr(exc, "strerror", None) or str(exc))
        raise InputError([Problem("--port" if in_use else "--host", f"cannot listen on {host}:{port}: {why}")]) from None
    typer.echo(server.base_url)
    typer.echo(f"profile {server.profile.id}, version {server.version}, tokenizer "
               f"{server.behaviour().tokenizer}; Ctrl-C stops", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


def register(app: typer.Typer) -> None:
    add_commands(app, (("serve-reference", serve_reference),))

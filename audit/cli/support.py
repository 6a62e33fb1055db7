"""What every command shares: the console, error reporting and the exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from audit.core.errors import AuditError

__all__ = ["console", "err_console", "reports_errors", "add_commands", "add_group", "EXIT_OK", "EXIT_BAD_INPUT"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn AuditError into one line per problem on stderr and its exit code; no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AuditError as exc:
            for message in exc.messages():
                err_console.print(f"error: {message}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted", markup=False)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None

    return wrapper  # type: ignore[return-value]


Commands = tuple[tuple[str, Callable[..., Any]], ...]


def add_commands(app: typer.Typer, commands: Commands) -> None:
    """Add each (name, function) to `app` as a command, with the one error and exit-code policy."""
    for name, command in commands:
        app.command(name)(reports_errors(command))


def add_group(app: typer.Typer, name: str, commands: Commands, help: str) -> None:
    """Add `audit NAME ...`: a group of (name, function) commands."""
    group = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help=help)
    add_commands(group, commands)
    app.add_typer(group, name=name)

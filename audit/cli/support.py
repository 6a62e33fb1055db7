"""What every command shares: the console, error reporting and the exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
import typer
from rich.console import Console

from audit.core.controls import strip_controls
from audit.core.errors import AuditError

__all__ = ["console", "err_console", "reports_errors", "add_commands", "add_group", "crash_message",
           "EXIT_BAD_INPUT"]

EXIT_BAD_INPUT = 2



class SafeConsole(Console):
    """A console that drops control characters (ESC sequences and the like) from every string it
    renders, table cells included: record fields and server replies must not drive the terminal."""

    def render_str(self, text: str, **kwargs: Any):  # type: ignore[override]
        return super().render_str(strip_controls(text), **kwargs)


console = SafeConsole(highlight=False, soft_wrap=True)
err_console = SafeConsole(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def crash_message(exc: BaseException) -> str:
    """One line for an exception nobody expected: its kind and message, never a traceback."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    if isinstance(exc, RecursionError):
        return "input nested too deeply to process"
    if isinstance(exc, MemoryError):
        return "out of memory (input too large?)"
    detail = " ".join(strip_controls(str(exc)).split())
    if len(detail) > 300:
        detail = detail[:300] + "..."
    return f"unexpected {type(exc).__name__}" + (f": {detail}" if detail else "")


def reports_errors(func: F) -> F:
    """Turn AuditError into one line per problem on stderr and its exit code; no traceback.

    Anything else that escapes a command (a bug, a full disk, an input no check foresaw) is one
    `error:` line and exit 2 as well, never Python's exit 1, which `audit drift` keeps for drift.
    """

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
        except (typer.Exit, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # a command's own exit code (drift's 1) and the parser's usage errors pass through
        except Exception as exc:  # the last guard: see the docstring
            err_console.print(f"error: {crash_message(exc)}", markup=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None

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

"""The `audit` command line: the Typer app, `--version`, and the command groups, each from its own module.

Every group module defines plain command functions and `register(app)`, which adds them with
`add_commands` or `add_group` (audit/cli/support.py), each wrapped in `reports_errors`: one error and
exit-code policy for all.
"""

from __future__ import annotations

from typing import Annotated

import typer

from audit import __version__
from audit.cli.support import console

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Audit AI models for transparency and integrity.")


def _version(value: bool) -> None:
    if value:
        console.print(f"audit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                 help="Print the version and exit.")] = False) -> None:
    """Audit AI models for transparency and integrity."""


def _register_command_groups() -> None:
    """Each command group module adds its commands through `register(app)`, in this order."""
    from audit.cli import drift, fmti, records, reference, runs, sources, tokenizers, verify

    for group in (records, runs, drift, verify, fmti, tokenizers, reference, sources):
        group.register(app)


_register_command_groups()


def main() -> None:
    """The entry point: exit 0 ok, 1 drift or failing findings (where a command says so), 2 bad input or
    any error, a crash included (commands guard themselves; this catches what escapes the parser)."""
    from audit.cli.support import EXIT_BAD_INPUT, crash_message, err_console

    try:
        app()
    except SystemExit:
        raise
    except BaseException as exc:  # KeyboardInterrupt included: no traceback either way
        if isinstance(exc, KeyboardInterrupt):
            err_console.print("interrupted", markup=False)
            raise SystemExit(130) from None
        err_console.print(f"error: {crash_message(exc)}", markup=False)
        raise SystemExit(EXIT_BAD_INPUT) from None


if __name__ == "__main__":
    main()

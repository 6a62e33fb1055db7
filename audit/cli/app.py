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
    from audit.cli import drift, fmti, records, reference, runs, sources, tokenizers

    for group in (records, runs, drift, fmti, tokenizers, reference, sources):
        group.register(app)


_register_command_groups()


def main() -> None:
    app()


if __name__ == "__main__":
    main()

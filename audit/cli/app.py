"""The `audit` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from audit import __version__
from audit.cli.support import console, reports_errors
from audit.core.errors import InputError, Problem

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


@app.command()
@reports_errors
def validate(paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Rubric, record or probe files or folders; all shipped content when omitted.")] = None) -> None:
    """Validate rubrics, probes and disclosure records, each record against its rubric."""
    from audit.scoring.validate import validate_paths

    done = validate_paths(paths or None)
    for item in done:
        console.print(f"ok  {item.kind:<7} {item.path}  ({item.detail})", markup=False)
    console.print(f"{len(done)} file{'s' if len(done) != 1 else ''} valid", markup=False)


FORMATS = ("table", "json", "md")


@app.command()
@reports_errors
def score(record: Annotated[Path, typer.Argument(help="A disclosure record (YAML).")],
          rubric: Annotated[Optional[str], typer.Option(help="Rubric id or file; the record's own by default.")] = None,
          format: Annotated[str, typer.Option("--format", "-f", help="table, json or md.")] = "table") -> None:
    """Score a disclosure record and print the result."""
    if format not in FORMATS:
        raise InputError([Problem("--format", f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")])
    from audit.scoring.pipeline import score_record

    result = score_record(record, rubric)
    if format == "json":
        from audit.render.json import result_json
        typer.echo(result_json(result), nl=False)
    elif format == "md":
        from audit.render.markdown import result_markdown
        typer.echo(result_markdown(result), nl=False)
    else:
        from audit.render.table import result_table
        console.print(result_table(result))


@app.command()
@reports_errors
def card(record: Annotated[Path, typer.Argument(help="A disclosure record (YAML).")],
         rubric: Annotated[Optional[str], typer.Option(help="Rubric id or file; the record's own by default.")] = None,
         out: Annotated[Path, typer.Option(help="Folder for the card files.")] = Path("out")) -> None:
    """Write the report card as HTML, PDF, JSON and Markdown."""
    from audit.history.timeline import card_sections
    from audit.scoring.pipeline import score_record
    from audit.render.card import write_card

    result = score_record(record, rubric)
    for path in write_card(result, out, card_sections(result)):
        console.print(f"wrote {path}", markup=False)


def _register_command_groups() -> None:
    """Each command group module adds its commands through `register(app)`, in this order."""
    from audit.cli import drift, fmti, reference, runs, tokenizers

    for group in (runs, drift, fmti, tokenizers, reference):
        group.register(app)


_register_command_groups()


def main() -> None:
    app()


if __name__ == "__main__":
    main()

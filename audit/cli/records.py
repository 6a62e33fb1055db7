"""Disclosure-side commands: `audit validate`, `audit score`, `audit card`, `audit compare`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from audit.cli.options import Formats
from audit.cli.support import add_commands, console
from audit.core.errors import InputError, Problem


def validate(paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Rubric, record or probe files or folders; all shipped content when omitted.")] = None) -> None:
    """Validate rubrics, probes, disclosure records (each against its rubric) and reference-endpoint profiles."""
    from audit.scoring.validate import validate_paths

    done = validate_paths(paths or None)
    for item in done:
        console.print(f"ok  {item.kind:<7} {item.path}  ({item.detail})", markup=False)
    console.print(f"{len(done)} file{'s' if len(done) != 1 else ''} valid", markup=False)


FORMATS = ("table", "json", "md")


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


def card(record: Annotated[Path, typer.Argument(help="A disclosure record (YAML).")],
         rubric: Annotated[Optional[str], typer.Option(help="Rubric id or file; the record's own by default.")] = None,
         out: Annotated[Path, typer.Option(help="Folder for the card files.")] = Path("out"),
         db: Annotated[Optional[Path], typer.Option(
             "--db", envvar="AUDIT_HISTORY_DB",
             help="Add the model's drift timeline from this history database (none by default).")] = None,
         formats: Formats = None) -> None:
    """Write the report card as HTML, PDF, JSON and Markdown (or the --formats asked for)."""
    from audit.render.card import parse_formats, write_card
    from audit.runtime.sections import probe_sections
    from audit.scoring.pipeline import score_record

    card_formats = parse_formats(formats)
    result = score_record(record, rubric)
    for path in write_card(result, out, probe_sections(result, history=db), card_formats):
        console.print(f"wrote {path}", markup=False)


def compare(
        records: Annotated[list[Path], typer.Argument(
            help="Disclosure records (YAML), live audits (a run folder or its result.json), or folders of them.")],
        out: Annotated[Path, typer.Option(help="Folder for compare.html and compare.pdf.")],
        rubric: Annotated[Optional[str], typer.Option(help="Rubric id or file; the records' own by default.")] = None,
        pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also write the PDF.")] = True) -> None:
    """Compare several models in one HTML + PDF report: ranking, heatmaps by domain and subdomain.

    A live audit counts as its run scored it, probe-backed indicators included."""
    from audit.render.compare import write_comparison
    from audit.scoring.compare_inputs import score_records

    for path in write_comparison(score_records(records, rubric), out, pdf=pdf):
        console.print(f"wrote {path}", markup=False)


def register(app: typer.Typer) -> None:
    add_commands(app, (("validate", validate), ("score", score), ("card", card), ("compare", compare)))

"""FMTI commands: `audit import fmti`, `audit fmti build-rubrics|reproduce`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from audit.cli.support import add_group, console



def import_fmti(
        paths: Annotated[list[Path], typer.Argument(help="FMTI transparency report CSVs and/or wide score CSVs.")],
        edition: Annotated[Optional[str], typer.Option(
            help="2023, 2024 or 2025; detected from the columns when omitted.")] = None,
        out: Annotated[Path, typer.Option(
            help="Output folder; records go to OUT/fmti-<edition>/<developer>.yaml.")] = Path("out")) -> None:
    """Import FMTI CSV files as disclosure records, one per developer."""
    from audit.core.atomic import write_all_atomic
    from audit.fmti.importer import import_files

    records = import_files(paths, edition)
    written = write_all_atomic({out / rec.relpath: rec.yaml() for rec in records})
    for rec, path in zip(records, written):
        total = sum(1 for e in rec.record.indicators.values() if e.status == "disclosed")
        console.print(f"wrote {path}  ({rec.developer}, {rec.record.model.name}, {rec.edition.label}: "
                      f"{total}/{len(rec.record.indicators)})", markup=False)


def build_rubrics(
        data: Annotated[Optional[Path], typer.Option(help="FMTI data folder; ../shared/fmti beside the checkout by default.")] = None,
        out: Annotated[Optional[Path], typer.Option(help="Folder for the rubric files; the shipped rubrics/ by default.")] = None,
        check: Annotated[bool, typer.Option("--check", help="Only check the files are up to date; exit 1 if not.")] = False) -> None:
    """Generate rubrics/fmti-v1.yaml and rubrics/fmti-2025.yaml from the FMTI indicator CSVs."""
    from audit.core.atomic import write_text_atomic
    from audit.core.content import content_dir
    from audit.fmti.reproduce import shared_data_dir
    from audit.fmti.rubricgen import build_rubric, rubric_specs, rubric_yaml

    data = data or shared_data_dir()
    out = out or content_dir("rubrics")
    stale = []
    for spec in rubric_specs().values():
        text = rubric_yaml(spec, build_rubric(spec, data))
        target = out / f"{spec.id}.yaml"
        if check:
            current = target.read_text(encoding="utf-8") if target.is_file() else None
            if current != text:
                stale.append(target)
            console.print(f"{'stale' if current != text else 'ok   '} {target}", markup=False)
        else:
            console.print(f"wrote {write_text_atomic(target, text)}", markup=False)
    if stale:
        raise typer.Exit(1)


def reproduce_cmd(
        data: Annotated[Optional[Path], typer.Option(help="FMTI data folder; ../shared/fmti beside the checkout by default.")] = None) -> None:
    """Import the shared FMTI files, score them, and compare with the published scores."""
    from audit.fmti.reproduce import reproduce, reproduce_table

    rows = reproduce(data)
    typer.echo(reproduce_table(rows))
    if any(not r.matches for r in rows):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    add_group(app, "import", (("fmti", import_fmti),), help="Import disclosure records from other sources.")
    add_group(app, "fmti", (("build-rubrics", build_rubrics), ("reproduce", reproduce_cmd)),
              help="Foundation Model Transparency Index (Stanford CRFM): rubrics and published scores.")

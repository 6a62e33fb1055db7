"""The result as a Rich table for the terminal."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from audit.schema.result import AuditResult
from audit.render.coverage import assessed_on, assessed_part, is_low_coverage

__all__ = ["result_table"]


def _pts(points: int | None, max_points: int) -> str:
    return f"{'—' if points is None else points} / {max_points}"


def result_table(result: AuditResult) -> Group:
    t = result.target
    head = Text()
    head.append(f"{t.vendor} {t.model}", style="bold")
    if t.api_id:
        head.append(f"  ({t.api_id})", style="dim")
    head.append(f"\n{result.rubric.title} — {result.rubric.id} v{result.rubric.version}\n", style="dim")
    head.append(f"Total {result.total} / {result.max_total}", style="bold")
    if result.grade:
        head.append(f"   Grade {result.grade}", style="bold")
    if is_low_coverage(result.coverage):
        head.append(f" {assessed_on(result.coverage)}", style="bold")
        head.append(f" ({assessed_part(result.total, result.assessed_max)})")
    head.append(f"   Coverage {result.coverage:g}%")
    table = Table(show_lines=False, expand=False)
    table.add_column("Domain / criterion")
    table.add_column("Points", justify="right")
    table.add_column("Indicators met", justify="right")
    for domain in result.domains:
        table.add_row(Text(domain.title, style="bold"), Text(_pts(domain.points, domain.max_points), style="bold"), "")
        for c in domain.criteria:
            met = sum(1 for i in c.indicators if i.state == "awarded")
            na = sum(1 for i in c.indicators if i.state == "not_assessed")
            extra = f" ({na} not assessed)" if na else ""
            table.add_row(f"  {c.title}", _pts(c.points, c.max_points), f"{met}/{len(c.indicators)}{extra}")
    return Group(head, table)

"""The comparison report: several records scored with one rubric, as self-contained HTML and PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import TemplateNotFound

from audit.core.atomic import write_all_atomic
from audit.core.content import content_dir
from audit.core.errors import ContentNotFound
from audit.schema.result import AuditResult
from audit.render.compare_view import CompareView, build_compare_view
from audit.render.html import card_environment, inline_stylesheets
from audit.render.pdf import html_to_pdf

__all__ = ["compare_html", "write_comparison", "TEMPLATE", "STYLESHEET"]

TEMPLATE = "compare.html"
STYLESHEET = "compare.css"


def compare_html(view: CompareView, reports: Path | None = None) -> str:
    reports = reports or content_dir("reports")
    try:
        template = card_environment(reports).get_template(TEMPLATE)
    except TemplateNotFound as exc:
        raise ContentNotFound(f"template {exc.name!r} not found under {reports / 'templates'}") from None
    return template.render(view=view, css=inline_stylesheets(reports, (STYLESHEET,), "comparison"))


def write_comparison(results: list[AuditResult], out: Path, *, pdf: bool = True,
                     generated_at: dt.datetime | None = None) -> list[Path]:
    """Render the scored results and write OUT/compare.html (and compare.pdf) once both are ready."""
    html = compare_html(build_compare_view(results, generated_at))
    files: dict[Path, str | bytes] = {out / "compare.html": html}
    if pdf:
        files[out / "compare.pdf"] = html_to_pdf(html)
    return write_all_atomic(files)

"""Write a report card: HTML, PDF, JSON and Markdown, all rendered before any file is written."""

from __future__ import annotations

from pathlib import Path

from audit.core.atomic import write_all_atomic
from audit.schema.result import AuditResult
from audit.render import pdf
from audit.render.html import view_html
from audit.render.json import result_json
from audit.render.markdown import view_markdown
from audit.render.view import build_view, card_slug
from audit.schema.section import Section

__all__ = ["write_card", "render_card"]


def render_card(result: AuditResult, sections: list[Section] | None = None) -> dict[str, bytes | str]:
    """Every form of the card in memory, keyed by file suffix."""
    view = build_view(result, sections)
    html = view_html(view)
    return {".html": html, ".pdf": pdf.html_to_pdf(html), ".json": result_json(result), ".md": view_markdown(view)}


def write_card(result: AuditResult, out_dir: str | Path, sections: list[Section] | None = None) -> list[Path]:
    """Write <slug>.html, .pdf, .json and .md into `out_dir`; nothing is written if rendering fails."""
    rendered = render_card(result, sections)
    stem = card_slug(result)
    out = Path(out_dir)
    return write_all_atomic({out / f"{stem}{suffix}": data for suffix, data in rendered.items()})

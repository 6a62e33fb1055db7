"""Write a report card: HTML, PDF, JSON and Markdown, all rendered before any file is written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from audit.core.atomic import write_all_atomic
from audit.core.errors import InputError, Problem
from audit.schema.result import AuditResult
from audit.render import pdf
from audit.render.html import view_html
from audit.render.json import result_json
from audit.render.markdown import view_markdown
from audit.render.view import build_view, card_slug
from audit.schema.section import Section

__all__ = ["write_card", "render_card", "card_files", "CARD_FORMATS", "parse_formats"]

CARD_FORMATS = ("html", "pdf", "json", "md")  # every form of a card, in the order they are written


def parse_formats(value: str | None, where: str = "--formats") -> tuple[str, ...]:
    """'html,md' -> ("html", "md") in CARD_FORMATS order; None or '' or 'all' -> every format."""
    if value is None or value.strip() in ("", "all"):
        return CARD_FORMATS
    asked = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [a for a in asked if a not in CARD_FORMATS]
    if unknown:
        raise InputError([Problem(where, f"unknown format {unknown[0]!r}; choose from {', '.join(CARD_FORMATS)} "
                                         "(comma-separated) or all")])
    return tuple(f for f in CARD_FORMATS if f in asked)


def render_card(result: AuditResult, sections: list[Section] | None = None,
                formats: Sequence[str] = CARD_FORMATS) -> dict[str, bytes | str]:
    """The card in memory in each of `formats`, keyed by file suffix (the PDF is printed from the HTML)."""
    view = build_view(result, sections)
    rendered: dict[str, bytes | str] = {}
    html = view_html(view) if {"html", "pdf"} & set(formats) else ""
    for form in formats:
        if form == "html":
            rendered[".html"] = html
        elif form == "pdf":
            rendered[".pdf"] = pdf.html_to_pdf(html)
        elif form == "json":
            rendered[".json"] = result_json(result)
        elif form == "md":
            rendered[".md"] = view_markdown(view)
    return rendered


def card_files(result: AuditResult, out_dir: str | Path, sections: list[Section] | None = None,
               formats: Sequence[str] = CARD_FORMATS) -> dict[Path, bytes | str]:
    """The card's files in memory: <out_dir>/<slug>.html, .pdf, .json and .md (those in `formats`)."""
    rendered = render_card(result, sections, formats)
    stem = card_slug(result)
    return {Path(out_dir) / f"{stem}{suffix}": data for suffix, data in rendered.items()}


def write_card(result: AuditResult, out_dir: str | Path, sections: list[Section] | None = None,
               formats: Sequence[str] = CARD_FORMATS) -> list[Path]:
    """Write <slug>.html, .pdf, .json and .md (those in `formats`) into `out_dir`, all or none: nothing is
    written if rendering fails, and a write that fails (a full disk) leaves none of them."""
    return write_all_atomic(card_files(result, out_dir, sections, formats))

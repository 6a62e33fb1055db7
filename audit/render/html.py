"""The card as one self-contained HTML page: Jinja2 template, CSS inlined, no external fetches."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from markupsafe import Markup

from audit.core.content import content_dir
from audit.core.errors import ContentNotFound
from audit.schema.result import AuditResult
from audit.render.view import CardView, build_view
from audit.schema.section import Section

__all__ = ["result_html", "view_html", "card_environment", "inline_stylesheets", "TEMPLATE", "STYLESHEETS"]

TEMPLATE = "card.html"
# The card's static assets, declared: each is inlined in this order.
STYLESHEETS = ("card.css",)


@lru_cache(maxsize=4)
def card_environment(reports: Path | None = None) -> Environment:
    """The Jinja2 environment over reports/templates/ (autoescape on for every template)."""
    folder = (reports or content_dir("reports")) / "templates"
    return Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(default=True,
                       default_for_string=True), undefined=StrictUndefined, trim_blocks=False,
                       lstrip_blocks=False, keep_trailing_newline=True)


def inline_stylesheets(reports: Path, names: tuple[str, ...], what: str = "card") -> Markup:
    """The stylesheets reports/static/NAME…, joined, safe to place inside a <style> element."""
    parts = []
    for name in names:
        path = reports / "static" / name
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            raise ContentNotFound(f"{what} stylesheet {path} is missing") from None
        if "</" in text:  # would end the <style> element early
            raise ContentNotFound(f"{what} stylesheet {path} contains '</', which cannot be inlined")
        parts.append(text)
    return Markup("\n".join(parts))


def view_html(view: CardView, reports: Path | None = None) -> str:
    """Render a prepared view; `reports` overrides the content folder (tests)."""
    reports = reports or content_dir("reports")
    env = card_environment(reports)
    try:
        template = env.get_template(TEMPLATE)
        return template.render(card=view, css=inline_stylesheets(reports, STYLESHEETS))
    except TemplateNotFound as exc:
        raise ContentNotFound(f"card template {exc.name!r} not found under {reports / 'templates'}") from None


def result_html(result: AuditResult, sections: list[Section] | None = None) -> str:
    """The card for `result` as HTML text."""
    return view_html(build_view(result, sections))

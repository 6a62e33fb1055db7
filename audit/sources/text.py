"""The readable text of an archived body: HTML reduced to its visible text, plain text as it is.

HTML goes through the standard library's HTML parser: script, style, template and head content is
dropped, block elements end a line, and character references are decoded. Text-like types
(text/*, JSON, XML, YAML, Markdown) are decoded as they are. Other types (PDF, images, archives)
have no extracted text: their snapshot keeps the body only, and no quote can be verified in it.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

__all__ = ["extract_text", "decode_body", "is_html", "has_text"]

_SKIP = {"script", "style", "template", "noscript", "head", "svg"}
_BLOCK = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
          "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
          "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "th", "thead", "tr", "ul"}
_TEXT_TYPES = ("application/json", "application/xml", "application/xhtml+xml", "application/yaml",
               "application/x-yaml", "application/ld+json", "application/javascript")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def is_html(content_type: str | None) -> bool:
    return _media_type(content_type) in ("text/html", "application/xhtml+xml")


def has_text(content_type: str | None) -> bool:
    """Whether bodies of this content type have text we can extract."""
    media = _media_type(content_type)
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))


def _charset(content_type: str | None, body: bytes) -> str:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            name = value.strip().strip("\"'")
            try:
                return codecs.lookup(name).name
            except LookupError:
                break
    if is_html(content_type):
        match = _META_CHARSET.search(body[:4096])
        if match:
            try:
                return codecs.lookup(match.group(1).decode("ascii")).name
            except LookupError:
                pass
    return "utf-8"


def decode_body(body: bytes, content_type: str | None) -> str:
    """The body as text, in its declared (or meta) charset, else UTF-8; undecodable bytes replaced."""
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8):].decode("utf-8", "replace")
    return body.decode(_charset(content_type, body), "replace")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP:
            self._skipping.append(tag)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK and not self._skipping:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _html_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line)


def extract_text(body: bytes, content_type: str | None) -> str | None:
    """The readable text of `body`, or None when its type has none (PDF, images, ...)."""
    if not has_text(content_type):
        return None
    text = decode_body(body, content_type)
    return _html_text(text) if is_html(content_type) else text

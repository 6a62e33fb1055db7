"""The card as PDF: WeasyPrint prints the same HTML with the stylesheet's A4 @page rules.

The card is self-contained, so printing it loads nothing: any attempt to fetch a resource (an
image, a stylesheet, a font; remote or local) stops the rendering with an error.
"""

from __future__ import annotations

__all__ = ["html_to_pdf", "ExternalResourceRefused"]


class ExternalResourceRefused(ValueError):
    """The card tried to load something; a card is self-contained and may not."""


def _refuse(url: str, *args, **kwargs):
    raise ExternalResourceRefused(f"the card may not load external resources ({url[:80]})")


def _refusing_fetcher():
    """A URL fetcher that loads nothing (WeasyPrint >= 68 wants a URLFetcher, older ones a function)."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # pragma: no cover - older WeasyPrint
        return _refuse

    class RefusingFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            _refuse(url)

    return RefusingFetcher(fail_on_errors=True)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes for a self-contained card page."""
    from weasyprint import HTML  # slow to import; only when a PDF is wanted

    try:
        return HTML(string=html, url_fetcher=_refusing_fetcher()).write_pdf()
    except BaseException as exc:  # WeasyPrint's fatal fetch error is a BaseException
        if isinstance(exc.__cause__, ExternalResourceRefused):
            raise exc.__cause__ from None
        raise

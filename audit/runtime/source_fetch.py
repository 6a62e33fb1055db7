"""Fetch one public page for the archive, with timeouts, a size cap and an on-site redirect policy.

Like the model transport (audit/providers/transport.py) this uses httpx2 with redirects off; here
they are followed by hand so each hop can be judged:
- a redirect may stay on the same site only: the same host, or the host with or without a leading
  `www.`; http may upgrade to https but https never downgrades. Anything else is refused with the
  URL it pointed to, so an archived page is always the one its URL names;
- at most `max_redirects` hops;
- the body is read in chunks and the fetch stops as soon as it passes `max_bytes` (a declared
  Content-Length over the cap is refused before reading);
- connect and read timeouts per operation, and a deadline for the whole fetch, so a server that
  drips bytes cannot hold it open.
Every failure is a FetchError naming the URL; nothing is archived unless the whole body arrived.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx2

from audit import __version__
from audit.core.errors import AuditError

__all__ = ["FetchError", "FetchLimits", "FetchedPage", "fetch_page", "same_site"]

_REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = f"model-integrity-audit/{__version__} (source archiver)"


class FetchError(AuditError):
    """A page could not be fetched for the archive (the message names the URL)."""


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0  # seconds for the whole fetch, redirects included
    max_bytes: int = 10_000_000
    max_redirects: int = 5


@dataclass(frozen=True)
class FetchedPage:
    url: str
    final_url: str
    status: int
    content_type: str | None
    body: bytes
    retrieved_at: dt.datetime


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def same_site(origin: str, target: str) -> bool:
    """Whether a redirect from `origin` to `target` stays on the same site (see the module docstring)."""
    a, b = urlsplit(origin), urlsplit(target)
    if b.scheme not in ("http", "https") or (a.scheme == "https" and b.scheme == "http"):
        return False
    return _host(origin) == _host(target) and (a.port == b.port or a.scheme != b.scheme)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: not an http(s) URL")


def fetch_page(url: str, limits: FetchLimits = FetchLimits(),
               transport: httpx2.BaseTransport | None = None) -> FetchedPage:
    """GET `url` following on-site redirects; the whole body, or FetchError naming the URL."""
    _check_url(url)
    started = time.monotonic()
    timeout = httpx2.Timeout(limits.read_timeout, connect=limits.connect_timeout)
    current = url
    try:
        with httpx2.Client(follow_redirects=False, timeout=timeout, transport=transport,
                           headers={"user-agent": USER_AGENT, "accept": "text/html,*/*;q=0.8"}) as client:
            for _hop in range(limits.max_redirects + 1):
                with client.stream("GET", current) as response:
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"{url}: HTTP {response.status_code} redirect without a Location")
                        target = urljoin(current, location)
                        if not same_site(current, target):
                            raise FetchError(f"{url}: refused an off-site redirect to {target}")
                        current = target
                        continue
                    if not 200 <= response.status_code < 300:
                        raise FetchError(f"{url}: HTTP {response.status_code}"
                                         + (f" (at {current})" if current != url else ""))
                    body = _read_capped(response, url, limits, started)
                    return FetchedPage(url=url, final_url=current, status=response.status_code,
                                       content_type=response.headers.get("content-type"), body=body,
                                       retrieved_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
            raise FetchError(f"{url}: more than {limits.max_redirects} redirects")
    except httpx2.TimeoutException:
        raise FetchError(f"{url}: timed out") from None
    except httpx2.HTTPError as exc:
        detail = str(exc).strip() or type(exc).__name__
        raise FetchError(f"{url}: {detail}") from None


def _read_capped(response: httpx2.Response, url: str, limits: FetchLimits, started: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(f"{url}: body of {int(declared):,} bytes exceeds the cap of {limits.max_bytes:,}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(f"{url}: body exceeds the cap of {limits.max_bytes:,} bytes")
        if time.monotonic() - started > limits.deadline:
            raise FetchError(f"{url}: timed out (over {limits.deadline:g} s in all)")
        chunks.append(chunk)
    return b"".join(chunks)

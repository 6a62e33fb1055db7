"""A real HTTP server on 127.0.0.1 serving pages, redirects, big and slow bodies for the archiver."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PAGE = (b"<!doctype html><html><head><title>Model card</title><style>p{color:red}</style>"
        b"<script>var hidden = 'not text';</script></head><body><h1>Model card</h1>"
        b"<p>The model&#8217;s context window is 128K tokens &mdash; as documented.</p>"
        b"<ul><li>Knowledge cutoff: Aug 31, 2025</li></ul></body></html>")


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self._send(404, "text/plain", b"not found")
            return
        route(self)

    def _send(self, status: int, content_type: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


def _redirect(to: str):
    def handler(h: _Handler) -> None:
        h.send_response(302)
        h.send_header("location", to)
        h.send_header("content-length", "0")
        h.end_headers()
    return handler


def _big(h: _Handler) -> None:  # no content-length: the cap must stop the read itself
    h.send_response(200)
    h.send_header("content-type", "text/plain")
    h.end_headers()
    for _ in range(64):
        h.wfile.write(b"x" * 1024)


def _slow(h: _Handler) -> None:
    time.sleep(1.5)
    h._send(200, "text/plain", b"late")


def _drip(h: _Handler) -> None:
    h.send_response(200)
    h.send_header("content-type", "text/plain")
    h.end_headers()
    try:
        for _ in range(40):
            h.wfile.write(b"drip ")
            h.wfile.flush()
            time.sleep(0.1)
    except (BrokenPipeError, ConnectionResetError):
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # a client that hangs up early is expected
        pass


class PageServer:
    def __init__(self) -> None:
        self.server = _QuietServer(("127.0.0.1", 0), type("H", (_Handler,), {"routes": {}}))
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, path: str, handler) -> None:
        self.server.RequestHandlerClass.routes[path] = handler

    def serve(self, path: str, content_type: str, body: bytes) -> None:
        self.route(path, lambda h: h._send(200, content_type, body))


@pytest.fixture
def pages():
    server = PageServer()
    server.serve("/card", "text/html; charset=utf-8", PAGE)
    server.serve("/notes.txt", "text/plain; charset=utf-8", "Plain notes — with a dash.\n".encode())
    server.serve("/report.pdf", "application/pdf", b"%PDF-1.4 not really a pdf\n")
    server.route("/moved", _redirect("/card"))
    server.route("/hop1", _redirect("/hop2"))
    server.route("/hop2", _redirect("/moved"))
    server.route("/loop", _redirect("/loop"))
    server.route("/big", _big)
    server.route("/slow", _slow)
    server.route("/drip", _drip)
    server.route("/gone", lambda h: h._send(410, "text/plain", b"gone"))
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()

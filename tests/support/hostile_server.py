"""A hostile model API on 127.0.0.1 for the tests and bench/fuzz.py: real sockets, scripted misbehaviour.

It answers Chat Completions (`POST .../chat/completions`) like a model would, unless a behaviour
is queued (`server.queue(...)`, one per request, in order) or set for every request
(`server.always = ...`):

    ok                   a normal reply (the echo of the last user message)
    trickle:<s>          a valid reply sent one byte every <s> seconds
    stall                headers, then nothing
    huge:<n>             a 200 reply of n bytes with its Content-Length
    huge-chunked:<n>     the same, chunked (no Content-Length: counted as it arrives)
    garbage              200 with bytes that are no JSON
    reset                half a body, then a TCP reset
    redirect             302 to another host
    echo:<enc>:<where>   the API key it was sent, echoed in encoding <enc> (see ENCODINGS) in
                         <where>: json-error (400 with {"error": {"message": ...}}), text (400
                         text/plain, the key after 485 characters so it crosses a 500-character cut),
                         html (400 text/html), reply (200, inside the answer), model (200, as the
                         served model name and fingerprint)

`key_fragments(data, key)` finds any 8 characters of a key in bytes a run wrote, in any case or
encoding the server could use; the tests and the fuzz benchmark both assert it finds none.
"""

from __future__ import annotations

import html
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["HostileServer", "ENCODINGS", "encode", "key_fragments", "FRAGMENT"]

FRAGMENT = 8  # this many characters of a key in a file count as a leak


def _percent(text: str) -> str:
    return "".join(f"%{b:02X}" for b in text.encode())


ENCODINGS = {
    "plain": lambda k: k,
    "upper": str.upper,
    "lower": str.lower,
    "percent": _percent,
    "percent-lower": lambda k: _percent(k).lower(),
    "quote": lambda k: urllib.parse.quote_plus(k),
    "html-dec": lambda k: "".join(f"&#{ord(c)};" for c in k),
    "html-hex": lambda k: "".join(f"&#x{ord(c):x};" for c in k),
    "json-u": lambda k: "".join(f"\\u{ord(c):04x}" for c in k),
    "mixed": lambda k: "".join((c.upper(), _percent(c), f"&#{ord(c)};", f"\\u{ord(c):04X}")[i % 4]
                               for i, c in enumerate(k)),
}


def encode(key: str, encoding: str) -> str:
    return ENCODINGS[encoding](key)


def _decodings(text: str) -> set[str]:
    """`text` with every encoding above undone, alone and in turn, lower-cased."""
    out = {text}
    for _ in range(2):
        for t in list(out):
            out.add(urllib.parse.unquote_plus(t))
            out.add(html.unescape(t))
            out.add(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), t))
    return {t.lower() for t in out}


def key_fragments(data: bytes | str, key: str, size: int = FRAGMENT) -> list[str]:
    """The pieces of `key` (each `size` characters) found in `data`, in any case or encoding."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    forms = _decodings(text)
    pieces = {key.lower()[i:i + size] for i in range(len(key) - size + 1)}
    return sorted(p for p in pieces if any(p in form for form in forms))


def _last_user_text(body) -> str:
    messages = body.get("messages", []) if isinstance(body, dict) else []
    users = [m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    text = users[-1] if users else ""
    return text if isinstance(text, str) else json.dumps(text)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up on a huge, trickling or reset reply is what these tests do: no report
        (socketserver would print a traceback to the stderr of the process under test)."""


class HostileServer:
    def __init__(self) -> None:
        self.always: str | None = None
        self.requests: list[dict] = []
        self._queue: list[str] = []
        self._lock = threading.Lock()
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def queue(self, *behaviours: str) -> None:
        with self._lock:
            self._queue.extend(behaviours)

    def __enter__(self) -> "HostileServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next(self) -> str:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
        return self.always or "ok"

    def _handler(self):
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("content-length", 0) or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                key = (self.headers.get("authorization", "").removeprefix("Bearer ")
                       or self.headers.get("x-api-key", ""))
                with hostile._lock:
                    hostile.requests.append({"path": self.path, "body": body})
                behaviour = hostile._next()
                name, _, arg = behaviour.partition(":")
                try:
                    getattr(self, "_" + name.replace("-", "_"))(body, arg, key)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            # --- well-formed ------------------------------------------------------------
            def _reply(self, body, text: str, model: str | None = None, fingerprint: str = "fp_hostile") -> bytes:
                model = model or (body or {}).get("model", "m")
                return json.dumps({
                    "id": "h1", "object": "chat.completion", "model": model, "system_fingerprint": fingerprint,
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": 5, "completion_tokens": max(1, len(text.split())),
                              "total_tokens": 5 + max(1, len(text.split()))}}).encode()

            def _send(self, status: int, data: bytes, content_type: str = "application/json",
                      length: bool = True, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if length:
                    self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _ok(self, body, arg, key):
                self._send(200, self._reply(body, "echo: " + _last_user_text(body)))

            # --- slow -----------------------------------------------------------------------
            def _trickle(self, body, arg, key):
                data = self._reply(body, "echo: " + _last_user_text(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    time.sleep(float(arg or 1))

            def _stall(self, body, arg, key):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.flush()
                time.sleep(float(arg or 3600))

            # --- large and broken -------------------------------------------------------------
            def _huge_body(self, size: int) -> bytes:
                head = b'{"id": "h1", "object": "chat.completion", "choices": [{"index": 0, "message": ' \
                       b'{"role": "assistant", "content": "'
                tail = b'"}}]}'
                return head + b"x" * max(0, size - len(head) - len(tail)) + tail

            def _huge(self, body, arg, key):
                self._send(200, self._huge_body(int(arg or 50_000_000)))

            def _huge_chunked(self, body, arg, key):
                data = self._huge_body(int(arg or 50_000_000))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                step = 1 << 16
                for i in range(0, len(data), step):
                    piece = data[i:i + step]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")

            def _garbage(self, body, arg, key):
                self._send(200, bytes(range(256)) * 4, "application/json")

            def _reset(self, body, arg, key):
                data = self._reply(body, "echo: " + _last_user_text(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()

            def _redirect(self, body, arg, key):
                self._send(302, b"", "text/plain", headers={"Location": "http://198.51.100.7/v1/chat/completions"})

            # --- the key echoed back ------------------------------------------------------------
            def _echo(self, body, arg, key):
                encoding, _, where = arg.partition(":")
                echoed = encode(key, encoding or "plain")
                if where == "text":
                    self._send(400, ("x" * 480 + " key=" + echoed + " rest").encode(), "text/plain")
                elif where == "html":
                    page = f"<html><body><h1>401</h1><p>Bad key <code>{echoed}</code></p></body></html>"
                    self._send(401, page.encode(), "text/html")
                elif where == "reply":
                    self._send(200, self._reply(body, f"your key is {echoed}, thanks"))
                elif where == "model":
                    self._send(200, self._reply(body, "hello", model=f"m-{echoed}", fingerprint=f"fp_{echoed}"))
                else:
                    self._send(400, json.dumps({"error": {"message": f"Incorrect API key provided: {echoed}",
                                                          "type": "invalid_request_error",
                                                          "key": echoed}}).encode())

        return Handler

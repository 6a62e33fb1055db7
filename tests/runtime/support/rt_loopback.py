"""A tiny loopback model API for the runtime tests: real sockets on 127.0.0.1, scripted faults.

It speaks just enough Chat Completions (plain and streamed) and Anthropic Messages (plain,
streamed, count_tokens) for the client and run-loop tests. Faults are queued per request:
"429" (Retry-After: 1 unless given as "429:<value>"), "500", "400", "401", "404", "drop"
(headers, then the connection closes mid-body), "badjson", "stream-drop", "slow:<s>".
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def last_user_text(body: dict) -> str:
    users = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
    return users[-1] if users else ""


class Loopback:
    def __init__(self, *, delay: float = 0.0, echo_auth: bool = False, served_model: str | None = None):
        self.delay = delay
        self.echo_auth = echo_auth
        self.served_model = served_model
        self.faults: list[str] = []
        self.requests: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "Loopback":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def prompts(self) -> Counter:
        """How many requests arrived per last user message."""
        return Counter(last_user_text(r["body"]) for r in self.requests if isinstance(r["body"], dict))

    def _next_fault(self) -> str | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def _handler_class(self):
        loop = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                with loop._lock:
                    loop.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    loop.in_flight += 1
                    loop.max_in_flight = max(loop.max_in_flight, loop.in_flight)
                try:
                    self._serve(body)
                finally:
                    with loop._lock:
                        loop.in_flight -= 1

            def _serve(self, body):
                fault = loop._next_fault()
                if loop.delay:
                    time.sleep(loop.delay)
                if fault and fault.startswith("slow:"):
                    time.sleep(float(fault[5:]))
                    fault = None
                if fault and fault.startswith("429"):
                    value = fault.partition(":")[2] or "1"
                    return self._json(429, {"error": {"message": "rate limited, slow down"}}, {"Retry-After": value})
                if fault in ("400", "401", "404", "500"):
                    return self._json(int(fault), {"error": {"message": f"server says {fault}: bad thing"}})
                if fault == "drop":
                    return self._drop()
                if fault == "badjson":
                    return self._bytes(200, b'{"choices": [ this is not json', "application/json")
                text = "echo: " + last_user_text(body or {})
                if self.path.endswith("/messages/count_tokens"):
                    return self._json(200, {"input_tokens": len(text.split()) + 3})
                if self.path.endswith("/messages"):
                    return self._anthropic(body, text, fault)
                return self._openai(body, text, fault)

            def _model(self, body):
                return loop.served_model or (body or {}).get("model", "unknown")

            def _openai(self, body, text, fault):
                if loop.echo_auth:
                    text += " auth=" + self.headers.get("authorization", "")
                usage = {"prompt_tokens": len(last_user_text(body).split()) + 5,
                         "completion_tokens": len(text.split()), "total_tokens": 0}
                usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
                if body.get("stream"):
                    chunks = [{"id": "c1", "object": "chat.completion.chunk", "model": self._model(body),
                               "system_fingerprint": "fp_loop",
                               "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                              for piece in (text[: len(text) // 2], text[len(text) // 2:])]
                    if (body.get("stream_options") or {}).get("include_usage"):
                        chunks.append({"id": "c1", "object": "chat.completion.chunk", "model": self._model(body),
                                       "choices": [], "usage": usage})
                    return self._sse([(None, json.dumps(c)) for c in chunks] + [(None, "[DONE]")],
                                     cut=fault == "stream-drop")
                return self._json(200, {"id": "c1", "object": "chat.completion", "model": self._model(body),
                                        "system_fingerprint": "fp_loop",
                                        "choices": [{"index": 0, "finish_reason": "stop",
                                                     "message": {"role": "assistant", "content": text}}],
                                        "usage": usage})

            def _anthropic(self, body, text, fault):
                if loop.echo_auth:
                    text += " key=" + self.headers.get("x-api-key", "")
                if body.get("system"):
                    text += " | system=" + body["system"]
                usage = {"input_tokens": len(last_user_text(body).split()) + 7, "output_tokens": len(text.split())}
                model = self._model(body)
                if body.get("stream"):
                    events = [
                        ("message_start", {"type": "message_start", "message": {
                            "id": "m1", "type": "message", "role": "assistant", "model": model, "content": [],
                            "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1}}}),
                        ("content_block_start", {"type": "content_block_start", "index": 0,
                                                 "content_block": {"type": "text", "text": ""}}),
                        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                 "delta": {"type": "text_delta", "text": text}}),
                        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                           "usage": {"output_tokens": usage["output_tokens"]}}),
                        ("message_stop", {"type": "message_stop"}),
                    ]
                    return self._sse([(name, json.dumps(data)) for name, data in events], cut=fault == "stream-drop")
                return self._json(200, {"id": "m1", "type": "message", "role": "assistant", "model": model,
                                        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                                        "usage": usage})

            def _json(self, status, payload, headers=None):
                self._bytes(status, json.dumps(payload).encode(), "application/json", headers)

            def _bytes(self, status, data, content_type, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _drop(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "500")
                self.end_headers()
                self.wfile.write(b'{"choices": [')
                self.wfile.flush()
                self._close()

            def _sse(self, events, cut=False):
                payload = b"".join((f"event: {name}\n" if name else "").encode() + f"data: {data}\n\n".encode()
                                   for name, data in events)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if cut:
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    return self._close()
                self.wfile.write(payload)

            def _close(self):
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        return Handler

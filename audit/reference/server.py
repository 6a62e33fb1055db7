"""The reference endpoint: a real HTTP server on loopback, driven by a `Profile`.

Built on the standard library's ThreadingHTTPServer (one thread per connection, HTTP/1.1
keep-alive), which gives the raw socket control that fault injection needs: a body cut off
mid-way, a stalled response, a malformed JSON body.

    with ReferenceServer("default") as server:
        httpx2.post(server.base_url + "/chat/completions", json={...})
        server.requests.count(path="/v1/chat/completions")
        server.set_version("b")

Endpoints: POST /v1/chat/completions (streaming with a usage chunk on request), POST /v1/responses
(streaming too), GET /v1/models,
POST /v1/messages and /v1/messages/count_tokens (Anthropic), and for tests and demos
GET|POST /admin/version, POST /admin/reload, GET /admin/stats.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from audit.core.errors import InputError, Problem
import dataclasses

from audit.reference.contract import Rejection, check_request, reasoning_tokens
from audit.reference.faults import FaultPlan, latency_seconds
from audit.reference.profile import Behaviour, Profile, load_profile
from audit.reference.replies import make_reply, prompt_tokens, seeded_rng, token_logprobs
from audit.reference.serving import (ContextRefused, anthropic_stream_faults, fit_context, recall_text,
                                     responses_stream_faults, sampled, tool_calls)
from audit.reference.tokenizer import CountingTokenizer, counting_tokenizer
from audit.reference.tool_wire import (anthropic_events_with_calls, anthropic_tools, anthropic_with_calls,
                                       responses_events_with_calls, responses_tools, responses_with_calls)
from audit.reference.wire import (BadRequest, anthropic_body, anthropic_error, anthropic_stream_events, openai_body,
                   openai_error, openai_stream_events, parse_anthropic, parse_openai, parse_responses,
                   responses_body, responses_stream_events, sse)

__all__ = ["ReferenceServer", "RequestRecord", "RequestLog", "is_loopback"]

CHAT_PATH = "/v1/chat/completions"
MESSAGES_PATH = "/v1/messages"
COUNT_PATH = "/v1/messages/count_tokens"
MODELS_PATH = "/v1/models"
RESPONSES_PATH = "/v1/responses"


@dataclass
class RequestRecord:
    """One request as the server saw it (never its headers: no key is kept)."""

    index: int
    method: str
    path: str
    status: int | None  # None when the connection was stalled or dropped before a status line
    fault: str | None
    version: str
    attempt: int
    body: Any
    authorized: bool  # whether an Authorization or x-api-key header was present
    served_model: str | None = None
    usage: dict | None = None
    elapsed_ms: float = 0.0


class RequestLog:
    """Thread-safe list of `RequestRecord`s with counters for assertions."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    @property
    def total(self) -> int:
        with self._lock:
            return len(self._records)

    def count(self, path: str | None = None, fault: str | None = None, status: int | None = None,
              ok: bool | None = None) -> int:
        """How many requests match every given criterion (ok = served a 200 without a fault)."""
        def matches(r: RequestRecord) -> bool:
            return ((path is None or r.path == path) and (fault is None or r.fault == fault)
                    and (status is None or r.status == status)
                    and (ok is None or ok == (r.status == 200 and r.fault is None)))
        return sum(1 for r in self.records if matches(r))

    def faults(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for record in self.records:
            if record.fault:
                out[record.fault] = out.get(record.fault, 0) + 1
        return out

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        return self.total


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address, handler, reference: "ReferenceServer"):
        self.reference = reference
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request_thread(self, request, client_address):
        with self.sockets_lock:
            self.open_sockets.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.sockets_lock:
                self.open_sockets.discard(request)

    def handle_error(self, request, client_address) -> None:
        """A client that went away mid-response is normal here (timeouts, drops): stay quiet."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, OSError)):
            super().handle_error(request, client_address)

    def close_open_sockets(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Dropped(Exception):
    """The handler closed the connection on purpose (a fault)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stall
    server_version = "ReferenceEndpoint/1"
    sys_version = ""
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the request log is the record
        pass

    # ----- plumbing -----------------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
              content_type: str = "application/json", cut_at: int | None = None) -> None:
        """Send a whole response; with `cut_at`, announce the full length but close after `cut_at` bytes."""
        self._mark(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body if cut_at is None else body[:cut_at])
        if cut_at is not None:
            self._drop()

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), headers)

    def _start_stream(self, headers: dict[str, str]) -> None:
        self._mark(200)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        """Close the connection now, whatever was sent so far."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True
        raise _Dropped()

    # ----- routing ------------------------------------------------------------------------

    def do_GET(self) -> None:
        ref = self.server.reference
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == MODELS_PATH:
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "reference"} for m in ref.profile.models]
            self._send_json(200, {"object": "list", "data": data})
        elif path == "/admin/version":
            self._send_json(200, {"version": ref.version, "versions": ref.profile.version_names()})
        elif path == "/admin/stats":
            self._send_json(200, {"requests": ref.requests.total, "faults": ref.requests.faults(),
                                  "version": ref.version, "profile": ref.profile.id})
        elif path in ("", "/health"):
            self._send_json(200, {"ok": True, "profile": ref.profile.id})
        else:
            self._send_json(404, openai_error(404, f"no route GET {path}"))

    def do_POST(self) -> None:
        ref = self.server.reference
        path = self.path.split("?", 1)[0].rstrip("/")
        body = self._read_body()
        if path == "/admin/version":
            self._admin_version(body)
        elif path == "/admin/reload":
            ref.reload()
            self._send_json(200, {"version": ref.version, "profile": ref.profile.id})
        elif path in (CHAT_PATH, MESSAGES_PATH, COUNT_PATH, RESPONSES_PATH):
            try:
                self._api(path, body)
            except _Dropped:
                pass
        else:
            self._send_json(404, openai_error(404, f"no route POST {path}"))

    def _admin_version(self, body: bytes) -> None:
        ref = self.server.reference
        try:
            version = json.loads(body or b"{}").get("version")
            ref.set_version(version)
        except (ValueError, AttributeError) as exc:
            self._send_json(400, {"error": {"message": str(exc)}})
            return
        self._send_json(200, {"version": ref.version})

    # ----- the model APIs -----------------------------------------------------------------

    def _api(self, path: str, body: bytes) -> None:
        ref = self.server.reference
        self._started = time.perf_counter()
        anthropic = path in (MESSAGES_PATH, COUNT_PATH)
        index, nonce = ref.next_request()
        version = ref.version
        behaviour = ref.behaviour(version)
        key = ref.fault_plan.request_key(path, body)
        fault, attempt = ref.fault_plan.draw(behaviour.faults, key)
        record = RequestRecord(index=index, method="POST", path=path, status=None, fault=fault, version=version,
                               attempt=attempt, body=_json_or_text(body),
                               authorized=bool(self.headers.get("Authorization") or self.headers.get("x-api-key")))
        self._record = record
        ref.requests.add(record)  # visible at once; status and timing are filled in before replying
        # The latency is time to first byte: the answer is prepared during it, and `_mark` waits out the rest.
        self._reply_at = self._started + latency_seconds(behaviour.latency, key, attempt)
        try:
            self._answer(path, body, anthropic, behaviour, version, fault, nonce, index, record)
        finally:
            self._record = None
            self._reply_at = 0.0

    def _mark(self, status: int) -> None:
        """Wait until the request's latency has passed, then note the status and time on the current
        record, just before the reply goes out."""
        self.server.reference.sleep(getattr(self, "_reply_at", 0.0) - time.perf_counter())
        record = getattr(self, "_record", None)
        if record is not None:
            record.status = status
            record.elapsed_ms = (time.perf_counter() - self._started) * 1000

    def _error(self, status: int, message: str, anthropic: bool, headers: dict[str, str] | None = None) -> None:
        body = anthropic_error(status, message) if anthropic else openai_error(status, message)
        self._send_json(status, body, headers)

    def _answer(self, path: str, body: bytes, anthropic: bool, behaviour: Behaviour, version: str,
                fault: str | None, nonce: int, index: int, record: RequestRecord) -> None:
        ref = self.server.reference
        faults = behaviour.faults
        if fault == "rate_limit":
            wait = faults.retry_after
            shown = str(int(wait)) if float(wait).is_integer() else f"{wait:g}"
            return self._error(429, "Rate limit reached (injected).", anthropic,
                               {"Retry-After": shown, "retry-after-ms": str(int(wait * 1000))})
        if fault == "server_error":
            return self._error(500, "Internal server error (injected).", anthropic)
        if fault == "timeout":
            ref.sleep(faults.timeout_seconds)
            record.elapsed_ms = (time.perf_counter() - self._started) * 1000
            self._drop()
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return self._error(400, "the request body is not valid JSON", anthropic)
        effort = None
        dialect = "anthropic" if anthropic else ("openai-responses" if path == RESPONSES_PATH else "openai")
        if path != COUNT_PATH and isinstance(data, dict):
            try:
                effort = check_request(behaviour.api, data, dialect)
            except Rejection as exc:
                return self._send_json(exc.status, exc.body)
        try:
            if path == CHAT_PATH:
                request, options = parse_openai(data, nonce)
            elif path == RESPONSES_PATH:
                request, options = parse_responses(data, nonce)
                options.update(responses_tools(data))
            else:
                request, options = parse_anthropic(data, nonce, for_count=path == COUNT_PATH)
                options.update(anthropic_tools(data))
        except BadRequest as exc:
            return self._error(400, str(exc), anthropic)
        if ref.profile.strict_models and request.model not in ref.profile.models:
            return self._error(404, f"The model '{request.model}' does not exist", anthropic)
        tokenizer = ref.tokenizer(version)
        if path == COUNT_PATH:
            count = prompt_tokens(behaviour, tokenizer, request.messages)
            record.usage = {"input_tokens": count}
            return self._deliver({"input_tokens": count}, fault, {})
        serving = behaviour.serving
        try:
            request = fit_context(serving, tokenizer, request, prompt_tokens(behaviour, tokenizer, request.messages),
                                  dialect)
        except ContextRefused as exc:
            return self._send_json(exc.status, exc.body)
        request = sampled(serving, request)
        reply = _reasoned_reply(behaviour, tokenizer, version, request, effort)
        reply = _served_reply(behaviour, tokenizer, version, request, options, reply)
        if options.get("logprobs") and not reply.extra.get("tool_calls"):
            reply = dataclasses.replace(reply, extra={**reply.extra, "logprobs": token_logprobs(
                behaviour, tokenizer, version, request, reply.text, options["top_logprobs"])})
        served = request.model if behaviour.served_model == "echo" else behaviour.served_model
        record.served_model = served
        record.usage = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens}
        request_id = f"{index:06d}{uuid.uuid4().hex[:12]}"
        if path == RESPONSES_PATH:
            if options["stream"]:
                events = [sse(e) for e in responses_stream_faults(serving, responses_events_with_calls(
                    responses_stream_events(reply, request_id, served), reply))]
                return self._stream(events, fault, self._id_header(False, request_id))
            return self._deliver(responses_with_calls(responses_body(reply, request_id, served), reply), fault,
                                 self._id_header(False, request_id))
        if options["stream"]:
            if anthropic:
                events = [sse(data, name) for name, data in anthropic_stream_faults(serving, anthropic_events_with_calls(
                    anthropic_stream_events(reply, request_id, served), reply))]
            else:
                events = [sse(e) for e in openai_stream_events(reply, request_id, served,
                                                               behaviour.system_fingerprint,
                                                               options["include_usage"] and serving.stream_usage,
                                                               serving.stream_terminator)]
            return self._stream(events, fault, self._id_header(anthropic, request_id))
        response = (anthropic_with_calls(anthropic_body(reply, request_id, served), reply) if anthropic
                    else openai_body(reply, request_id, served, behaviour.system_fingerprint))
        self._deliver(response, fault, self._id_header(anthropic, request_id))

    def _id_header(self, anthropic: bool, request_id: str) -> dict[str, str]:
        return {"request-id" if anthropic else "x-request-id": f"req_{request_id}"}

    def _deliver(self, data: dict, fault: str | None, headers: dict[str, str]) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        if fault == "malformed_json":
            self._send(200, body[: max(1, len(body) // 2)] + b'",,}', headers)
        elif fault == "drop":
            self._send(200, body, headers, cut_at=len(body) // 2)
        else:
            self._send(200, body, headers)

    def _stream(self, events: list[bytes], fault: str | None, headers: dict[str, str]) -> None:
        self._start_stream(headers)
        cut = max(1, len(events) // 2)
        for number, event in enumerate(events):
            if fault == "drop" and number == cut:
                self._drop()
            if fault == "malformed_json" and number == cut:
                event = event[: len(event) // 2] + b"\n\n"
            self._chunk(event)
        self._end_stream()


def _reasoned_reply(behaviour: Behaviour, tokenizer: CountingTokenizer, version: str, request, effort: str | None):
    """The reply when the model reasons first: hidden tokens come out of the cap and into the count."""
    if not behaviour.api.efforts:
        return make_reply(behaviour, tokenizer, version, request)
    spent, reported = reasoning_tokens(behaviour.api, effort, request.max_tokens)
    cap = request.max_tokens
    visible_cap = None if cap is None else cap - spent
    if visible_cap is not None and visible_cap <= 0:  # reasoning ate the cap: an empty answer, cut by length
        base = make_reply(behaviour, tokenizer, version, dataclasses.replace(request, max_tokens=1))
        return dataclasses.replace(base, text="", finish_reason="length", completion_tokens=reported,
                                   extra={"reasoning_tokens": reported})
    reply = make_reply(behaviour, tokenizer, version, dataclasses.replace(request, max_tokens=visible_cap))
    return dataclasses.replace(reply, completion_tokens=reply.completion_tokens + reported,
                               extra={"reasoning_tokens": reported})


def _served_reply(behaviour: Behaviour, tokenizer: CountingTokenizer, version: str, request, options: dict, reply):
    """The reply after the serving behaviour: canary codes recalled when asked, or a tool call."""
    serving = behaviour.serving
    recalled = recall_text(serving, request)
    if recalled is not None:
        ids, finish = tokenizer.encode(recalled), "stop"
        if request.max_tokens is not None and len(ids) > request.max_tokens:
            recalled, finish = tokenizer.decode(ids[:request.max_tokens]), "length"
        reply = dataclasses.replace(reply, text=recalled, finish_reason=finish,
                                    completion_tokens=round(tokenizer.count(recalled)
                                                            * behaviour.billing.completion_factor))
    calls = tool_calls(serving, request, options.get("tools") or [], options.get("tool_choice"),
                       lambda *parts: seeded_rng(version, *parts))
    if calls:
        spent = sum(tokenizer.count(c["name"]) + tokenizer.count(c["arguments"]) for c in calls)
        reply = dataclasses.replace(reply, text="", finish_reason="tool_calls", completion_tokens=spent,
                                    extra={**reply.extra, "tool_calls": calls})
    return reply


def _json_or_text(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", "replace")


class ReferenceServer:
    """A reference endpoint running in a background thread; use it as a context manager.

    `profile` is a shipped profile name, a YAML path or a `Profile`; keyword overrides are
    merged into it (see `load_profile`). `port=0` picks a free port.
    """

    def __init__(self, profile: str | Path | Profile = "default", host: str = "127.0.0.1", port: int = 0,
                 allow_remote: bool = False, **overrides: Any):
        if not allow_remote and not is_loopback(host):
            raise InputError([Problem("--host", f"{host!r} is not a loopback address; the reference endpoint "
                                                "listens on loopback only unless remote access is allowed")])
        self._profile_arg = profile
        self._overrides = overrides
        self.profile = load_profile(profile, **overrides)
        self.requests = RequestLog()
        self.fault_plan = FaultPlan()
        self._version_override: str | None = None
        self._counter = 0
        self._counter_lock = threading.Lock()
        self._stopping = threading.Event()
        self._host, self._port = host, port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----- lifecycle ----------------------------------------------------------------------

    def start(self) -> "ReferenceServer":
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer((self._host, self._port), _Handler, self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"reference-endpoint-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake stalled handlers and close every open connection."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.close_open_sockets()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (used by the CLI)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> "ReferenceServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- addresses ----------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """The server's root, e.g. http://127.0.0.1:PORT."""
        host = self._host if ":" not in self._host else f"[{self._host}]"
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base, e.g. http://127.0.0.1:PORT/v1 (what OpenAI and Anthropic clients take)."""
        return self.url + "/v1"

    # ----- behaviour ----------------------------------------------------------------------

    @property
    def version(self) -> str:
        """The active version: the version file's content, else one set at run time, else the profile's."""
        from_file = self._version_from_file()
        return from_file or self._version_override or self.profile.version

    def _version_from_file(self) -> str | None:
        if not self.profile.version_file:
            return None
        path = Path(self.profile.version_file)
        if not path.is_absolute() and self.profile.source:
            path = Path(self.profile.source).parent / path
        try:
            name = path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return name if name in self.profile.version_names() else None

    def set_version(self, version: str) -> None:
        """Switch the served version while running (what a silent model update looks like)."""
        if version not in self.profile.version_names():
            raise ValueError(f"unknown version {version!r}; known: {', '.join(self.profile.version_names())}")
        self._version_override = version

    def reload(self) -> None:
        """Read the profile file again (forgetting a version set at run time)."""
        self.profile = load_profile(self._profile_arg, **self._overrides)
        self._version_override = None

    def behaviour(self, version: str | None = None) -> Behaviour:
        return self.profile.behaviour(version or self.version)

    def tokenizer(self, version: str | None = None) -> CountingTokenizer:
        """The tokenizer that counts usage for `version` (the active one by default)."""
        return counting_tokenizer(self.behaviour(version).tokenizer)

    def count_prompt(self, messages: list[tuple[str, str]], version: str | None = None) -> int:
        """The prompt_tokens the server reports for these (role, text) messages."""
        behaviour = self.behaviour(version)
        return prompt_tokens(behaviour, counting_tokenizer(behaviour.tokenizer), tuple(messages))

    def next_request(self) -> tuple[int, int]:
        """(request index, nonce): the nonce comes from the profile seed's own sequence."""
        with self._counter_lock:
            self._counter += 1
            index = self._counter
        return index, seeded_rng("nonce", self.profile.seed, index).getrandbits(48)

    def sleep(self, seconds: float) -> None:
        """Wait, but wake at once when the server stops."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests.total, "faults": self.requests.faults(), "version": self.version}


"""Collect: the only module that talks to the network.

Each probe is driven in rounds (`next_calls` → send what has no recorded response → record →
ask again) and all probes run concurrently; the endpoint's transport bounds how many calls are
in flight. Every exchange is appended to the evidence file the moment it completes, with the
API key scrubbed from anything the server echoed. A probe that raises is stopped and reported;
the others go on. A budget cap stops new calls everywhere; calls in flight finish.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.core.errors import OutputError
from audit.runtime.budget import Budget, estimate_call
from audit.runtime.evidence import EvidenceLog, scrub
from audit.runtime.rejections import Rejections, signature
from audit.probes.base import PlannedCall, ProbeKind, TargetContext, exchanges_of
from audit.providers import ChatProvider, ProviderError, RetryPolicy, Timeouts, Transport, Unsupported, WireCall
from audit.schema.evidence import Exchange
from audit.schema.request_profile import RequestRules

__all__ = ["Collector", "ProbeProgress", "MAX_ROUNDS", "collect_into"]

MAX_ROUNDS = 10_000
MAX_ERROR_CHARS = 2000
MAX_OVERDUE_IN_A_ROW = 3
DEADLINE_MARK = "call deadline"
# The Exchange fields that hold what the server sent (or what went wrong with it).
SERVER_FIELDS = ("response", "text", "error", "served_model", "system_fingerprint", "reasoning_text", "adaptation",
                 "finish_reason", "usage", "tool_calls")


@dataclass
class ProbeProgress:
    """One probe's state during collection."""

    probe: ProbeKind
    done: dict[str, Exchange]
    sent: int = 0
    failed: int = 0
    error: str | None = None
    finished: bool = False


@dataclass
class Collector:
    provider: ChatProvider
    run_id: str
    endpoint: str
    log: EvidenceLog
    budget: Budget = field(default_factory=Budget)
    secrets: tuple[str, ...] = ()
    progress: Any = None  # a rich.progress.Progress, or None off a terminal
    rejections: Rejections = field(default_factory=Rejections)
    overdue: int = 0  # calls in a row that ran out their deadline
    write_error: OutputError | None = None  # the evidence file could not be written (a full disk)

    async def collect(self, probes: Iterable[ProbeKind], target: TargetContext,
                      recorded: Mapping[str, Exchange]) -> list[ProbeProgress]:
        """Drive every probe to completion (or to a cap); `recorded` holds the calls not to resend, by id."""
        states = [ProbeProgress(p, exchanges_of(p.id, recorded.values()))
                  for p in probes]
        tasks = {}
        for state in states:
            if self.progress is not None:
                total = max(state.probe.max_calls(), len(state.done)) or None
                tasks[state.probe.id] = self.progress.add_task(state.probe.id, total=total,
                                                               completed=len(state.done))
        await asyncio.gather(*(self._drive(state, target, tasks.get(state.probe.id)) for state in states))
        if self.write_error is not None:
            raise self.write_error
        return states

    async def _drive(self, state: ProbeProgress, target: TargetContext, task: Any) -> None:
        for _ in range(MAX_ROUNDS):
            if self.budget.stopped:
                return
            try:
                planned = state.probe.next_calls(target, state.done)
            except Exception as exc:  # one probe's bug must not stop the others
                state.error = f"{type(exc).__name__}: {exc}"
                return
            fresh = list({c.key: c for c in planned if c.key not in state.done}.values())
            if not fresh:
                state.finished = True
                if task is not None:
                    self.progress.update(task, total=len(state.done), completed=len(state.done))
                return
            # One call of each kind not yet answered goes first, so a 400 naming a field is paid once.
            scouts = list({signature(c.request): c for c in reversed(fresh)
                           if signature(c.request) not in self.rejections.answered}.values())
            if scouts and not self.rejections.answered:  # nothing known of the endpoint yet: one call alone
                await self._call(state, scouts[0], task)
            await asyncio.gather(*(self._call(state, call, task) for call in scouts[1:]))
            await asyncio.gather(*(self._call(state, call, task) for call in fresh
                                   if call.key not in state.done))
        state.error = f"still planning calls after {MAX_ROUNDS} rounds"

    async def _call(self, state: ProbeProgress, call: PlannedCall, task: Any) -> None:
        estimate = estimate_call(call)
        if not self.budget.reserve(estimate):
            return
        exchange = await self._exchange(state.probe.id, call)
        if exchange.ok:
            self.rejections.answered.add(signature(call.request))
        self._watch_deadlines(exchange)
        self.budget.settle(estimate, exchange.usage if call.request.op == "chat" else None, answered=exchange.ok)
        try:
            await asyncio.to_thread(self.log.append, exchange)  # fsync off the event loop
        except OutputError as exc:  # a full disk: stop sending, let the calls in flight end, report once
            self.write_error = self.write_error or exc
            self.budget.stopped = self.budget.stopped or f"evidence not written: {exc}"
            return
        state.done[call.key] = exchange
        state.sent += 1
        state.failed += not exchange.ok
        if task is not None:
            self.progress.advance(task)

    def _watch_deadlines(self, exchange: Exchange) -> None:
        """Stop sending once calls in a row each ran out their deadline: a server that stalls or trickles
        would otherwise hold an unattended run for a deadline per call."""
        self.overdue = self.overdue + 1 if exchange.error and DEADLINE_MARK in exchange.error else 0
        if self.overdue >= MAX_OVERDUE_IN_A_ROW and not self.budget.stopped:
            self.budget.stopped = f"{self.overdue} calls in a row got no complete response within their deadline"

    async def _exchange(self, probe_id: str, call: PlannedCall) -> Exchange:
        provider = self.provider
        record: dict[str, Any] = {
            "id": f"{probe_id}/{call.key}", "run_id": self.run_id, "probe_id": probe_id, "key": call.key,
            "provider": provider.name, "endpoint": self.endpoint, "model": provider.model,
            "request": call.request.model_dump(mode="json"), "wire_request": {},
        }
        started, t0 = dt.datetime.now(dt.timezone.utc), time.perf_counter()
        try:
            wire = provider.wire_call(call.request)
            body, notes = self.rejections.apply(wire.body)
            body, dropped = self.rejections.drop(body, call.droppable)
            notes += dropped
            record["wire_request"] = body
            if notes:
                record["adaptation"] = "; ".join(notes)
            blocked = self.rejections.blocked(body)
            if blocked:
                raise Unsupported(blocked, attempts=0)
            reply = await self._send(WireCall(wire.path, body, wire.stream), call, record)
            record.update(status=reply.status, response=reply.body, text=reply.text, ok=True,
                          attempts=reply.attempts, started_at=reply.started_at, elapsed_ms=reply.elapsed_ms,
                          served_model=reply.served_model, system_fingerprint=reply.system_fingerprint,
                          usage=reply.usage.model_dump() if reply.usage is not None else None,
                          reasoning_text=reply.reasoning_text, finish_reason=reply.finish_reason,
                          tool_calls=[c.model_dump() for c in reply.tool_calls] if reply.tool_calls else None,
                          logprobs=[t.model_dump() for t in reply.logprobs] if reply.logprobs else None)
        except ProviderError as exc:
            record.update(status=exc.status, response=exc.body, error=exc.message, attempts=exc.attempts,
                          started_at=started, elapsed_ms=(time.perf_counter() - t0) * 1000)
        except Exception as exc:  # an unreadable reply: recorded, and resent on resume
            record.update(error=f"unreadable reply: {type(exc).__name__}: {exc}", status=None,
                          started_at=started, elapsed_ms=(time.perf_counter() - t0) * 1000)
        record["started_at"] = record["started_at"].isoformat()
        # Only what the server sent is scrubbed: a key that is also a common word ("chat") must not
        # rewrite the request we built, and the error text is cut only once the key is out of it.
        for name in SERVER_FIELDS:
            if record.get(name) is not None:
                record[name] = scrub(record[name], self.secrets)
        if record.get("error") and len(record["error"]) > MAX_ERROR_CHARS:
            record["error"] = record["error"][:MAX_ERROR_CHARS] + "..."
        return Exchange.model_validate(record)

    async def _send(self, wire: WireCall, call: PlannedCall, record: dict[str, Any]):
        """Send; after a 400 naming the cap field (with its replacement) or a field the call may go
        without, resend once adapted, the adaptation recorded."""
        try:
            return await self.provider.send(wire, call.request)
        except ProviderError as exc:
            if exc.status != 400:
                raise
            instead = self.rejections.learn(exc.body, wire.body, record["id"])
            body, notes = self.rejections.apply(wire.body)
            body, dropped = self.rejections.drop(body, call.droppable)
            if instead is None and not dropped:
                raise
        earlier = record.get("adaptation")
        record["wire_request"] = body
        parts = [p for n in ([earlier] if earlier else []) + notes + dropped for p in n.split("; ")]
        record["adaptation"] = "; ".join(dict.fromkeys(parts))
        return await self._send(WireCall(wire.path, body, wire.stream), call, record)


def collect_into(evidence: Path, provider: type[ChatProvider], base_url: str, model: str,
                 probes: Iterable[ProbeKind], target: TargetContext, *, run_id: str, endpoint: str | None = None,
                 recorded: Mapping[str, Exchange] | None = None, api_key: str | None = None, concurrency: int = 8,
                 retry: RetryPolicy | None = None, timeouts: Timeouts | None = None, budget: Budget | None = None,
                 progress: Any = None, rules: RequestRules | None = None) -> tuple[list[ProbeProgress], int]:
    """Drive `probes` against one endpoint, appending every exchange to `evidence` (JSONL).

    The one place that wires a transport, the evidence log and a collector together; returns the
    probes' states and how many attempts the transport retried. `endpoint` is what the evidence records
    as the target (the public base URL), `base_url` where calls go.
    """
    async def go() -> tuple[list[ProbeProgress], int]:
        transport = Transport(provider.base_url(base_url), headers=provider.auth_headers(api_key),
                              secrets=tuple(s for s in (api_key,) if s), concurrency=concurrency, retry=retry or RetryPolicy(), timeouts=timeouts or Timeouts())
        async with transport:
            with EvidenceLog(evidence) as log:
                collector = Collector(provider(transport, model, rules), run_id, endpoint or base_url, log,
                                      budget if budget is not None else Budget(),
                                      tuple(s for s in (api_key,) if s), progress)
                states = await collector.collect(probes, target, recorded or {})
        return states, transport.retries

    return asyncio.run(go())

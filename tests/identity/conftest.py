"""Fixtures: the shipped identity probe, a declared target, and an offline driver for synthetic answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tests.support.identity_sim import reference_target
from audit.probes.registry import find_probe
from audit.schema.evidence import Exchange

Responder = Callable[[str, object], tuple[str, str | None]]  # (key, request) -> (text, served model)


def make_exchange(probe_id: str, key: str, request, text: str | None, served: str | None = "reference-model",
                  ok: bool = True, fingerprint: str | None = "fp_test", model: str = "reference-model") -> Exchange:
    return Exchange(id=f"{probe_id}/{key}", run_id="test", probe_id=probe_id, key=key, provider="openai",
                    endpoint="http://127.0.0.1:1", model=model, request=request, wire_request={},
                    status=200 if ok else 500, response={"model": served} if ok else None, text=text, ok=ok,
                    started_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), elapsed_ms=1.0,
                    served_model=served if ok else None, system_fingerprint=fingerprint if ok else None)


@pytest.fixture
def probe():
    return find_probe("identity-consistency")


@pytest.fixture
def target():
    return reference_target()


@pytest.fixture
def drive():
    """Run a probe to completion offline; `respond(key, request)` gives (text, served model)."""

    def run(probe, target, respond: Responder, done: dict | None = None) -> dict[str, Exchange]:
        done = dict(done or {})
        for _ in range(100):
            calls = probe.next_calls(target, done)
            if not calls:
                return done
            for call in calls:
                text, served = respond(call.key, call.request)
                done[call.key] = make_exchange(probe.id, call.key, call.request, text, served, model=target.model)
        raise AssertionError("the probe never stopped planning")

    return run


@pytest.fixture
def exchange():
    """The factory of synthetic exchanges."""
    return make_exchange

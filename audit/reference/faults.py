"""Deterministic fault and latency draws.

A fault is drawn from (fault seed, the request's path and body, how many times that same request
was seen before). The outcome does not depend on the order concurrent requests arrive in, so a
benchmark with injected faults is repeatable, and a retry of a faulted request draws afresh. After
``max_per_request`` faults for one body the next attempt always succeeds, so a client with enough
retries always gets through.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter

from audit.reference.profile import FAULT_KINDS, Faults, Latency
from audit.reference.replies import seeded_rng

__all__ = ["FaultPlan", "latency_seconds"]


class FaultPlan:
    """Counts attempts per request body and decides which attempt fails, and how."""

    def __init__(self) -> None:
        self._attempts: Counter[str] = Counter()
        self._faulted: Counter[str] = Counter()
        self._lock = threading.Lock()

    @staticmethod
    def request_key(path: str, body: bytes) -> str:
        return hashlib.sha256(path.encode() + b"\0" + body).hexdigest()

    def draw(self, faults: Faults, key: str) -> tuple[str | None, int]:
        """The fault kind for this attempt (None = serve normally) and the attempt's number (1-based)."""
        with self._lock:
            self._attempts[key] += 1
            attempt = self._attempts[key]
            if faults.total_rate() == 0 or self._faulted[key] >= faults.max_per_request:
                return None, attempt
            u = seeded_rng("fault", faults.seed, key, attempt).random()
            edge = 0.0
            for kind in FAULT_KINDS:
                edge += getattr(faults, kind)
                if u < edge:
                    self._faulted[key] += 1
                    return kind, attempt
            return None, attempt


def latency_seconds(latency: Latency, key: str, attempt: int) -> float:
    """Fixed delay plus a deterministic jitter in [0, jitter_ms]."""
    jitter = seeded_rng("latency", key, attempt).random() * latency.jitter_ms if latency.jitter_ms else 0.0
    return (latency.fixed_ms + jitter) / 1000.0

"""Run the identity probe against an OpenAI-compatible endpoint with the runtime's collect loop.

Used by the tests and the power benchmark to audit reference-endpoint personas over a real
socket, without a disclosure record or a run folder: the evidence goes to a JSONL file the
caller names (a temporary one by default).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from audit.runtime.collect import collect_into
from audit.probes.base import TargetContext
from audit.providers import OpenAIChat, RetryPolicy
from audit.schema.disclosure import DeclaredFacts, ModelIdentity
from audit.schema.evidence import Exchange
from audit.schema.finding import Finding
from audit.probes.identity.kind import IdentityProbe
from tests.support.personas import DECLARED_CONTEXT, DECLARED_CUTOFF, DECLARED_NAME, DECLARED_VENDOR

__all__ = ["AuditOutcome", "reference_target", "audit_endpoint"]


@dataclass
class AuditOutcome:
    findings: dict[str, Finding]
    exchanges: dict[str, Exchange]
    calls: int


def reference_target(model: str = "reference-model", **declared) -> TargetContext:
    """The target the personas declare: Reference Labs' Reference Model 1.0."""
    facts = {"knowledge_cutoff": DECLARED_CUTOFF, "context_window": DECLARED_CONTEXT, **declared}
    return TargetContext(provider="openai", model=model,
                         identity=ModelIdentity(vendor=DECLARED_VENDOR, name=DECLARED_NAME),
                         declared=DeclaredFacts(**facts))


def _collect(probe: IdentityProbe, target: TargetContext, base_url: str, log_path: Path,
             concurrency: int, recorded: dict[str, Exchange]) -> dict[str, Exchange]:
    (state,), _ = collect_into(log_path, OpenAIChat, base_url, target.model, [probe], target, run_id="identity-sim",
                               recorded=recorded, concurrency=concurrency, retry=RetryPolicy(max_attempts=4))
    if state.error:
        raise RuntimeError(f"identity probe failed: {state.error}")
    return state.done


def audit_endpoint(probe: IdentityProbe, base_url: str, target: TargetContext | None = None, *,
                   log_path: str | Path | None = None, concurrency: int = 8,
                   recorded: dict[str, Exchange] | None = None) -> AuditOutcome:
    """Collect the probe's calls from `base_url` and evaluate them."""
    target = target or reference_target()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(log_path) if log_path else Path(tmp) / "evidence.jsonl"
        done = _collect(probe, target, base_url, path, concurrency, dict(recorded or {}))
    findings = {f.check: f for f in probe.evaluate(target, done)}
    return AuditOutcome(findings, done, len(done))

"""Run the tokenizer probe against one endpoint outside `audit run` (benchmark, real-server tests)."""

from __future__ import annotations

from pathlib import Path

from audit.runtime.collect import collect_into
from audit.probes.base import ProbeKind, TargetContext
from audit.providers import PROVIDERS
from audit.schema.disclosure import DeclaredFacts, ModelIdentity
from audit.schema.evidence import Exchange
from audit.schema.finding import Finding

__all__ = ["probe_endpoint"]


def probe_endpoint(probe: ProbeKind, base_url: str, model: str, evidence: Path, *, provider: str = "openai",
                   declared: DeclaredFacts | None = None, api_key: str | None = None
                   ) -> tuple[list[Finding], dict[str, Exchange]]:
    """Collect the probe's calls into `evidence` (JSONL), then evaluate them."""
    cls = PROVIDERS[provider]
    target = TargetContext(provider=provider, model=model, identity=ModelIdentity(vendor="unknown", name=model),
                           declared=declared or DeclaredFacts())

    (state,), _ = collect_into(evidence, cls, base_url, model, [probe], target, run_id="tokenizer-check",
                               api_key=api_key, concurrency=4)
    if state.error:
        raise RuntimeError(state.error)
    return probe.evaluate(target, state.done), state.done

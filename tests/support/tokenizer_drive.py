"""Run the tokenizer probe against one endpoint outside `audit run` (benchmark, real-server tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from audit.runtime.collect import Collector
from audit.runtime.evidence import EvidenceLog
from audit.probes.base import ProbeKind, TargetContext
from audit.providers import PROVIDERS, Transport
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

    async def go():
        async with Transport(cls.base_url(base_url), headers=cls.auth_headers(api_key), concurrency=4) as transport:
            with EvidenceLog(evidence) as log:
                collector = Collector(cls(transport, model), "tokenizer-check", base_url, log)
                (state,) = await collector.collect([probe], target, {})
        return state

    state = asyncio.run(go())
    if state.error:
        raise RuntimeError(state.error)
    return probe.evaluate(target, state.done), state.done

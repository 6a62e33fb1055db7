"""Drive the serving probe against an endpoint over HTTP (the reference endpoint or a real server) and
collect its findings: shared by tests/serving, the realserver tests and bench/serving.py."""

from __future__ import annotations

from pathlib import Path

from audit.probes.base import ProbeKind, TargetContext
from audit.probes.registry import build_probe, find_probe
from audit.probes.base import ProbeDefinition
from audit.providers import PROVIDERS, RetryPolicy
from audit.runtime.collect import collect_into
from audit.runtime.request_profiles import resolve_rules
from audit.schema.disclosure import DeclaredFacts, ModelIdentity
from audit.schema.evidence import Exchange
from audit.schema.finding import Finding

__all__ = ["serving_target", "serving_probe", "run_serving", "outcomes"]


def serving_target(window: int | None = 8192, model: str = "reference-model", profile: str | None = None,
                   effort: str | None = None, provider: str = "openai") -> TargetContext:
    """A target of `provider`'s dialect (Chat Completions by default) declaring `window`, following the
    request profile the model matches."""
    rules = resolve_rules(model, provider, profile, effort)
    return TargetContext(provider=provider, model=model, identity=ModelIdentity(vendor="Reference Labs",
                                                                                 name="Reference Model"),
                         declared=DeclaredFacts(context_window=window), request=rules)


def serving_probe(**overrides) -> ProbeKind:
    """The shipped serving-integrity probe, its parameters deep-merged with `overrides`."""
    shipped = find_probe("serving-integrity")
    params = shipped.definition.parameters
    for key, value in overrides.items():
        params = {**params, key: {**params.get(key, {}), **value} if isinstance(value, dict) else value}
    return build_probe(ProbeDefinition(id=shipped.id, kind="serving", description=shipped.definition.description,
                                       parameters=params))


def run_serving(base_url: str, target: TargetContext, evidence: Path, probe: ProbeKind | None = None,
                attempts: int = 2, concurrency: int = 4,
                api_key: str | None = None) -> tuple[ProbeKind, dict[str, Exchange], list[Finding]]:
    """Collect the probe's calls into `evidence` and evaluate them: (probe, exchanges by key, findings)."""
    probe = probe or serving_probe()
    (state,), _ = collect_into(evidence, PROVIDERS[target.provider], base_url, target.model, [probe], target,
                               run_id=evidence.stem, concurrency=concurrency, api_key=api_key, retry=RetryPolicy(max_attempts=attempts), rules=target.request)
    assert state.error is None, state.error
    return probe, state.done, probe.evaluate(target, state.done)


def outcomes(findings: list[Finding]) -> dict[str, str]:
    return {f.check: f.outcome for f in findings}

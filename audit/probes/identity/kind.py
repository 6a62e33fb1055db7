"""The identity probe kind: does the model say what it is, consistently, and never another vendor's model?

Plans a seeded battery of identity and fact questions in several languages, each with no system
prompt, a neutral one and a spoofing one (audit.probes.identity.battery), and reads the answers with the
vendor catalog (audit.probes.identity.claims, .facts). Calls go out in batches (looks); before each new
batch the checks are assessed on the completed batches, and when every check is decided the
probe asks for nothing more (audit.probes.identity.stats states the rules and their error bounds). The
findings say how many calls that saved against the full plan.
"""

from __future__ import annotations

from collections.abc import Mapping

from audit.probes.identity.assess import assess, read_answers
from audit.probes.identity.battery import IdentityParams, Slot, build_plan
from audit.probes.identity.catalog import CompiledCatalog, default_catalog
from audit.probes.identity.claims import IdentityReader
from audit.schema.evidence import Exchange
from audit.schema.finding import Finding
from audit.probes.base import PlannedCall, ProbeKind, TargetContext
from audit.probes.registry import declared_checks, register

__all__ = ["IdentityProbe"]


@register
class IdentityProbe(ProbeKind):
    kind = "identity"
    Params = IdentityParams

    catalog: CompiledCatalog | None = None  # tests may set another catalog

    def _setup(self, target: TargetContext) -> tuple[CompiledCatalog, IdentityReader, list[Slot]]:
        """Catalog, answer reader and plan for a target (kept: next_calls asks again every round)."""
        catalog = self.catalog or default_catalog()
        key = (id(catalog), target.model, target.identity.model_dump_json())
        cache = self.__dict__.setdefault("_setups", {})
        if key not in cache:
            reader = IdentityReader(catalog, target.identity, target.model)
            cache.clear()
            cache[key] = (catalog, reader, build_plan(self.params, catalog, reader.declared.vendor))
        return cache[key]

    def _complete_looks(self, plan: list[Slot], done: Mapping[str, Exchange]) -> int:
        """How many whole batches at the start of the plan have a recorded exchange for every call."""
        size = self.params.batch_size
        looks = 0
        while looks * size < len(plan) and all(s.key in done for s in plan[looks * size:(looks + 1) * size]):
            looks += 1
        return looks

    def _all_decided(self, target, done, catalog, reader, plan, looks: int) -> bool:
        upto = plan[: looks * self.params.batch_size]
        answers = read_answers(upto, done, reader, catalog)
        exchanges = [done[s.key] for s in upto if s.key in done and done[s.key].ok]
        results = assess(answers, exchanges, target, self.params, reader, catalog)
        return all(r.decided is not None for r in results.values())

    def next_calls(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[PlannedCall]:
        catalog, reader, plan = self._setup(target)
        looks = self._complete_looks(plan, done)
        if looks * self.params.batch_size >= len(plan):
            return []
        if looks and self._all_decided(target, done, catalog, reader, plan, looks):
            return []
        batch = plan[: (looks + 1) * self.params.batch_size]
        return [PlannedCall(s.key, target.fit(s.request), _estimate_tokens(s), self.params.max_tokens)
                for s in batch if s.key not in done]

    def evaluate(self, target: TargetContext, done: Mapping[str, Exchange]) -> list[Finding]:
        catalog, reader, plan = self._setup(target)
        in_plan = [s for s in plan if s.key in done]
        answers = read_answers(plan, done, reader, catalog)
        exchanges = [done[s.key] for s in in_plan if done[s.key].ok]
        results = assess(answers, exchanges, target, self.params, reader, catalog)
        looks = self._complete_looks(plan, done)
        stopped_early = 0 < looks * self.params.batch_size < len(plan) and \
            self._all_decided(target, done, catalog, reader, plan, looks)
        budget = {"calls_used": len(in_plan), "calls_planned": len(plan),
                  "calls_saved": len(plan) - len(in_plan), "failed_calls": len(in_plan) - len(exchanges),
                  "stopped_early": stopped_early, "looks": looks, "batch_size": self.params.batch_size,
                  "catalog_version": catalog.catalog.version, "confidence": self.params.confidence}
        findings = []
        for check in declared_checks(self.kind):
            r = results[check]
            findings.append(Finding(probe_id=self.id, kind=self.kind, check=check, outcome=r.outcome,
                                    message=r.message, values={**r.values, "decided": r.decided is not None,
                                                               **budget},
                                    exchanges=r.exchanges))
        return findings

    def max_calls(self) -> int:
        return self.params.max_calls


def _estimate_tokens(slot: Slot) -> int:
    """A rough input estimate (about 4 characters a token, CJK about 1), for budgets."""
    text = "".join(m.content for m in slot.request.messages)
    return 8 + sum(1 if ord(ch) > 0x2E80 else 0.25 for ch in text).__int__()

"""The outcome of one drift comparison, as stored in history and shown in summaries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.schema.base import Strict

__all__ = ["DriftReport", "TestResult", "FingerprintCheck", "Verdict", "TEST_TITLES"]

Verdict = Literal["stable", "drift", "inconclusive"]

TEST_TITLES = {
    "open_mmd": "Sampled completions (MMD, string kernel)",
    "fixed_agreement": "Temperature-0 answers",
    "length": "Output length",
    "refusal": "Refusal rate",
    "overhead": "Prompt-token overhead",
    "outliers": "Calls unlike the reference (mixed routing)",
    "logprob": "First-token log-probabilities (top-k)",
}


class TestResult(Strict):
    """One component test: its permutation p-value and an effect size with a 95% interval."""

    __test__ = False  # not a pytest class

    name: str
    p_value: float = Field(description="raw permutation p-value of this component")
    statistic: float
    effect: float | None = None
    effect_label: str = ""
    ci_low: float | None = None
    ci_high: float | None = None
    prompts: int = Field(description="prompts that entered the test")


class FingerprintCheck(Strict):
    baseline_models: list[str]
    current_models: list[str]
    baseline_fingerprints: list[str]
    current_fingerprints: list[str]
    model_changed: bool
    fingerprint_changed: bool

    @property
    def changed(self) -> bool:
        return self.model_changed or self.fingerprint_changed

    @property
    def observed(self) -> bool:
        return bool(self.current_models or self.current_fingerprints)


class DriftReport(Strict):
    verdict: Verdict
    alpha: float = Field(description="the false-alarm rate the alarm rule holds")
    level: float = Field(description="the level this audit's combined p-value is compared with")
    rule: str = Field(description="how `level` follows from `alpha`")
    p_value: float = Field(description="combined p-value (permutation min-p over the tests)")
    method: str
    permutations: int
    seed: int
    tests: list[TestResult]
    fingerprint: FingerprintCheck
    baseline_samples: int
    current_samples: int
    current_calls: int
    current_output_tokens: int
    correct_baseline: float | None = None
    correct_current: float | None = None
    detectable_fraction: float | None = Field(default=None, description=(
        "mixed routing (audit verify): the smallest share of calls routed to another model this audit "
        "detects with 80% power (audit/probes/drift/mixture.py)"))

    def test(self, name: str) -> TestResult | None:
        return next((t for t in self.tests if t.name == name), None)

    @property
    def strongest(self) -> TestResult | None:
        return min(self.tests, key=lambda t: t.p_value, default=None)

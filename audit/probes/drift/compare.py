"""Compare a current run's drift samples with a baseline's: tests, effect sizes and a verdict.

Five component tests share one set of within-prompt label shuffles (see permutation.py):

    open_mmd         squared MMD between sampled completions of each open prompt (Hamming string
                     kernel), averaged over prompts: any change in the output distribution
    fixed_agreement  the same with an exact-match kernel on temperature-0 answers: changed answers
    length           |mean shift| of output length (completion tokens)
    refusal          |mean shift| of the refusal rate
    overhead         mean |shift| of prompt tokens for identical requests (template, hidden prompt,
                     tokenizer)
    logprob          (log-prob mode) MMD on temperature-0 calls with a kernel that is 1 where two calls'
                     first-token top-k log-probabilities agree within `logprob_tolerance` nats (the same
                     most likely token, every token both list within the tolerance), averaged over
                     prompts: a shift of the next-token distribution too small to flip the greedy answer.
                     Serving engines do not repeat log-probabilities exactly (llama-server: up to ~0.015
                     nats between calls, by batching and its prompt cache, which also makes one side's
                     repeats identical and so not exchangeable with the other's); the tolerance absorbs
                     that noise, and the shuffles are exact when the noise stays within it.

The verdict's p-value is their min-p combination, so one verdict's false-alarm rate is at most
its level whichever component fires. Served model names and system fingerprints are compared
separately (they are metadata, not behaviour) and reported in `fingerprint`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from audit.probes.drift.effects import stratified_bootstrap
from audit.probes.drift.kernels import exact_kernel, hamming_kernel
from audit.probes.drift.mixture import detectable_fraction, outlier_rows
from audit.probes.drift.permutation import Stratum, contrast, min_p, mmd_rows, paired_labels, shuffled_labels
from audit.probes.drift.report import DriftReport, FingerprintCheck, TestResult
from audit.probes.drift.samples import DriftSample, normalise_answer
from audit.probes.stats import wilson

__all__ = ["DriftSettings", "compare", "fingerprint_check"]

METHOD = ("prompt-stratified permutation test; components: MMD with a positional Hamming string kernel "
          "on sampled completions, exact-match MMD on temperature-0 answers, output length, refusal "
          "rate, prompt-token overhead; combined by Westfall-Young min-p")

PAIRED_TEST = "paired permutation test (labels swapped within same-seed call pairs of each prompt)"


@dataclass(frozen=True)
class DriftSettings:
    alpha: float = 0.05
    level: float | None = None  # per-audit level; alpha when None
    rule: str = "single audit: level = alpha"
    permutations: int = 2000
    bootstrap: int = 400
    seed: int = 0
    kernel_length: int = 24
    kernel_decay: float = 0.85
    paired: bool = False  # audit verify: calls of the same key (same seed) are pairs; shuffles swap within pairs
    mixture: bool = False  # audit verify: add the mixed-routing test (target calls unlike the reference's usual answer)
    logprob_tolerance: float = 0.05  # nats within which two calls' log-probabilities count as the same


@dataclass
class _Prompt:
    prompt_id: str
    mode: str
    samples: list[DriftSample]
    current: np.ndarray

    @property
    def stratum(self) -> Stratum:
        return Stratum(self.prompt_id, self.current)

    def labels(self, settings: "DriftSettings", rng: np.random.Generator) -> np.ndarray:
        if settings.paired:
            repeats = np.array([s.repeat for s in self.samples])
            return paired_labels(self.stratum, repeats, settings.permutations, rng)
        return shuffled_labels(self.stratum, settings.permutations, rng)

    def groups(self) -> tuple[np.ndarray, np.ndarray]:
        idx = np.arange(len(self.samples))
        return idx[~self.current], idx[self.current]

    def values(self, name: str) -> np.ndarray | None:
        if name == "length":
            return np.array([s.length for s in self.samples], dtype=float)
        if name == "refusal":
            return np.array([s.refused for s in self.samples], dtype=float)
        if name == "overhead":
            tokens = [s.prompt_tokens for s in self.samples]
            return None if any(t is None for t in tokens) else np.array(tokens, dtype=float)
        raise KeyError(name)


def _prompts(baseline: Sequence[DriftSample], current: Sequence[DriftSample]) -> list[_Prompt]:
    pooled: dict[tuple[str, str], list[tuple[DriftSample, bool]]] = defaultdict(list)
    for s in baseline:
        pooled[(s.mode, s.prompt_id)].append((s, False))
    for s in current:
        pooled[(s.mode, s.prompt_id)].append((s, True))
    out = []
    for (mode, pid), items in sorted(pooled.items()):
        prompt = _Prompt(pid, mode, [s for s, _ in items], np.array([c for _, c in items], dtype=bool))
        if prompt.stratum.testable:
            out.append(prompt)
    return out


def _gram(prompt: _Prompt, settings: DriftSettings) -> np.ndarray:
    if prompt.mode == "fixed":
        return exact_kernel([s.answer for s in prompt.samples])
    return hamming_kernel([s.text for s in prompt.samples], settings.kernel_length, settings.kernel_decay)


def logprob_distance(a: tuple[tuple[str, float], ...], b: tuple[tuple[str, float], ...]) -> float:
    """How far two calls' first-token log-probabilities are apart: the largest difference over the tokens
    both list (infinite when their most likely tokens differ). Tokens only one lists are left out: engine
    noise reorders the tail of a top-k list without any change of the weights."""
    if a[0][0] != b[0][0]:
        return float("inf")
    other = dict(b)
    return max(abs(v - other[t]) for t, v in a if t in other)


def logprob_gram(samples: Sequence[DriftSample], tolerance: float) -> np.ndarray | None:
    """1 where two calls' log-probabilities agree within `tolerance`, else 0; None unless every sample
    carries log-probabilities."""
    if not samples or any(not s.top_logprobs for s in samples):
        return None
    tops = [s.top_logprobs or () for s in samples]
    return np.array([[float(logprob_distance(x, y) <= tolerance) for y in tops] for x in tops])


def _spread(samples: Sequence[DriftSample], current: np.ndarray) -> float:
    """The largest log-prob distance between two baseline (reference) calls of one prompt: its engine noise."""
    base = [s.top_logprobs for s, c in zip(samples, current) if not c and s.top_logprobs]
    gaps = [logprob_distance(x, y) for i, x in enumerate(base) for y in base[i + 1:]]
    finite = [g for g in gaps if g != float("inf")]
    return max(finite) if finite else 0.0


def _shift_bootstrap(values: list[np.ndarray]):
    def stat(draws):
        total = 0.0
        for v, (b, c) in zip(values, draws):
            total = total + v[c].mean(axis=1) - v[b].mean(axis=1)
        return total / len(values)
    return stat


def _mode_answer(samples: Sequence[DriftSample]) -> str:
    return Counter(s.answer for s in samples).most_common(1)[0][0]


def _agreement_effect(prompts: list[_Prompt]) -> tuple[float, float, float]:
    """Share of temperature-0 prompts whose most common answer changed, with its Wilson interval."""
    changed = 0
    for p in prompts:
        base = [s for s, c in zip(p.samples, p.current) if not c]
        cur = [s for s, c in zip(p.samples, p.current) if c]
        changed += _mode_answer(base) != _mode_answer(cur)
    ci = wilson(changed, len(prompts))
    return changed / len(prompts), ci.low, ci.high


def _component_tests(prompts: list[_Prompt], settings: DriftSettings, rng: np.random.Generator
                     ) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
    labels = {p.prompt_id + "@" + p.mode: p.labels(settings, rng) for p in prompts}
    weights = {k: contrast(v) for k, v in labels.items()}
    stats: dict[str, np.ndarray] = {}
    extra: dict[str, dict] = {}

    for name, mode in (("open_mmd", "open"), ("fixed_agreement", "fixed")):
        chosen = [p for p in prompts if p.mode == mode]
        if not chosen:
            continue
        per_prompt = np.array([mmd_rows(weights[p.prompt_id + "@" + p.mode], _gram(p, settings))
                               for p in chosen])
        stats[name] = per_prompt.mean(axis=0)
        excess = per_prompt[:, 0] - per_prompt[:, 1:].mean(axis=1)
        extra[name] = {"prompts": chosen, "excess": excess}

    fixed = [p for p in prompts if p.mode == "fixed"]
    grams = [(p, logprob_gram(p.samples, settings.logprob_tolerance)) for p in fixed]
    grams = [(p, g) for p, g in grams if g is not None]
    if grams:
        per_prompt = np.array([mmd_rows(weights[p.prompt_id + "@" + p.mode], g) for p, g in grams])
        stats["logprob"] = per_prompt.mean(axis=0)
        extra["logprob"] = {"prompts": [p for p, _ in grams],
                            "excess": per_prompt[:, 0] - per_prompt[:, 1:].mean(axis=1),
                            "spread": max(_spread(p.samples, p.current) for p, _ in grams)}
    if settings.mixture and fixed:
        per_prompt = []
        for p in fixed:
            codes = np.unique([s.answer for s in p.samples], return_inverse=True)[1]
            per_prompt.append(outlier_rows(codes, labels[p.prompt_id + "@" + p.mode]))
        current = sum(int(p.current.sum()) for p in fixed)
        stats["outliers"] = np.sum(per_prompt, axis=0) / current
        extra["outliers"] = {"prompts": fixed, "count": int(np.sum(per_prompt, axis=0)[0]), "current": current}

    for name in ("length", "refusal", "overhead"):
        chosen = [(p, p.values(name)) for p in prompts]
        chosen = [(p, v) for p, v in chosen if v is not None]
        if not chosen:
            continue
        shifts = [weights[p.prompt_id + "@" + p.mode] @ v for p, v in chosen]
        if name == "overhead":
            rows = sum(np.abs(s) for s in shifts) / len(chosen)
        else:
            rows = np.abs(sum(shifts) / len(chosen))
        stats[name] = rows
        extra[name] = {"prompts": [p for p, _ in chosen], "values": [v for _, v in chosen]}
    return stats, extra


def _effect(name: str, info: dict, stat: np.ndarray, settings: DriftSettings, rng: np.random.Generator
            ) -> tuple[float, str, float, float]:
    prompts = info["prompts"]
    groups = [p.groups() for p in prompts]
    if name == "fixed_agreement":
        value, low, high = _agreement_effect(prompts)
        return value, "share of temperature-0 prompts whose answer changed", low, high
    if name == "outliers":
        ci = wilson(info["count"], info["current"])
        return (info["count"] / info["current"], "share of target calls whose temperature-0 answer differs "
                "from the reference's usual one", ci.low, ci.high)
    if name in ("open_mmd", "logprob"):
        # The V-statistic is biased upwards by about its mean under shuffling; the effect is the
        # excess over that mean, per prompt, with a bootstrap over prompts for its interval.
        excess = info["excess"]
        picks = rng.integers(0, len(excess), size=(settings.bootstrap, len(excess)))
        low, high = np.quantile(excess[picks].mean(axis=1), [0.025, 0.975])
        label = "squared MMD above its value under shuffling (0 = no change)" if name == "open_mmd" else (
            f"MMD of log-prob agreement (calls agree within {settings.logprob_tolerance:g} nats) above its value "
            f"under shuffling; the reference's own repeats differed by up to {info['spread']:.3g}")
        return float(excess.mean()), label, float(low), float(high)
    values = info["values"]
    signed = float(np.mean([v[c].mean() - v[~c].mean() for p, v in zip(prompts, values)
                            for c in [p.current]]))
    low, high = stratified_bootstrap(groups, _shift_bootstrap(values), settings.bootstrap, rng)
    label = {"length": "mean change in output tokens", "refusal": "change in refusal rate",
             "overhead": "mean change in prompt tokens"}[name]
    return signed, label, low, high


def fingerprint_check(baseline: Sequence[DriftSample], current: Sequence[DriftSample]) -> FingerprintCheck:
    """Served model names and system fingerprints: changed when the current run shows one the baseline never did."""
    def values(samples, attr):
        return sorted({getattr(s, attr) for s in samples if getattr(s, attr)})
    bm, cm = values(baseline, "served_model"), values(current, "served_model")
    bf, cf = values(baseline, "fingerprint"), values(current, "fingerprint")
    return FingerprintCheck(baseline_models=bm, current_models=cm, baseline_fingerprints=bf,
                            current_fingerprints=cf, model_changed=bool(set(cm) - set(bm)),
                            fingerprint_changed=bool(set(cf) - set(bf)))


def _correct_share(samples: Sequence[DriftSample], expected: Mapping[str, str]) -> float | None:
    scored = [normalise_answer(expected[s.prompt_id]) == s.answer
              for s in samples if s.mode == "fixed" and s.prompt_id in expected]
    return sum(scored) / len(scored) if scored else None


def compare(baseline: Sequence[DriftSample], current: Sequence[DriftSample],
            settings: DriftSettings = DriftSettings(), expected: Mapping[str, str] | None = None) -> DriftReport:
    """The drift report of `current` against `baseline` (no network; deterministic given the seed)."""
    rng = np.random.default_rng(settings.seed)
    prompts = _prompts(baseline, current)
    stats, extra = _component_tests(prompts, settings, rng)
    combined, raw = min_p(stats)
    tests = []
    for name, stat in stats.items():
        effect, label, low, high = _effect(name, extra[name], stat, settings, rng)
        tests.append(TestResult(name=name, p_value=raw[name], statistic=float(stat[0]), effect=effect,
                                effect_label=label, ci_low=low, ci_high=high, prompts=len(extra[name]["prompts"])))
    level = settings.alpha if settings.level is None else settings.level
    detectable = None
    if "outliers" in extra:
        groups = [(int((~p.current).sum()), int(p.current.sum())) for p in extra["outliers"]["prompts"]]
        detectable = detectable_fraction(groups, level, tests=len(stats))
    verdict = "inconclusive" if not stats else ("drift" if combined <= level else "stable")
    expected = expected or {}
    return DriftReport(
        verdict=verdict, alpha=settings.alpha, level=level, rule=settings.rule, p_value=combined,
        method=METHOD.replace("prompt-stratified permutation test", PAIRED_TEST) if settings.paired else METHOD,
        permutations=settings.permutations, seed=settings.seed, tests=tests,
        fingerprint=fingerprint_check(baseline, current), baseline_samples=len(baseline),
        current_samples=len(current), current_calls=len(current),
        current_output_tokens=sum(s.completion_tokens or 0 for s in current),
        correct_baseline=_correct_share(baseline, expected), correct_current=_correct_share(current, expected),
        detectable_fraction=detectable)

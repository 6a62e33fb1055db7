"""Cost, detection and false-fail benchmark of the serving probe (probes/serving/serving-integrity.yaml).

Method. Each run starts a fresh reference endpoint (audit.reference.ReferenceServer, 127.0.0.1) with its
own seed, serving one profile of data/reference/, and drives the shipped serving probe against it over a
real socket through the runtime's collect loop (tests.support.serving.run_serving), from the first call
until the probe asks for nothing more; its findings come from the recorded exchanges alone.

- **Detection**: for each fault profile, the share of runs in which the check built for it fails
  (serving-middle-out: context-window and silent-truncation; serving-ignored-temperature: temperature-
  honoured; ... as in tests/serving/test_reference_profiles.py). Target: at least 95%.
- **False fails**: on the honest profiles (`serving`, and `gpt-5.4` for the reasoning-effort check, which
  needs a request profile with efforts), the share of (run, check) decisions that are `fail`. Target: at
  most 2%.
- **Cost per check**: the calls each finding cites and the input and output tokens those calls reported
  (calls shared by several checks count for each), and for the whole audit the calls and tokens split into
  short calls and the long-context prompts (`ctx.*`: the near-window and just-past prompts, the
  calibration and the bisection). Target: under 100 short calls.

    python bench/serving.py [--runs 50] [--honest-runs 150]

Writes bench/results/serving_cost.json and bench/results/serving_cost.md (bench/serving_detection.py writes
bench/results/serving.md: detection over 60 runs per profile).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from audit.core.atomic import write_text_atomic
from audit.probes.registry import declared_checks
from audit.probes.stats import wilson
from audit.reference import ReferenceServer
from tests.support.serving import run_serving, serving_target

RESULTS = Path(__file__).resolve().parent / "results"
WINDOW = 8192
EFFORT_MODEL = "gpt-5.4-mini"  # matches a request profile with reasoning efforts (low .. xhigh)

# fault profile -> (the checks built to catch it, the target's model)
FAULTS = {
    "serving-middle-out": (["context-window", "silent-truncation"], "reference-model"),
    "serving-ignored-temperature": (["temperature-honoured"], "reference-model"),
    "serving-ignored-output-cap": (["output-cap"], "reference-model"),
    "serving-malformed-tool-arguments": (["tool-arguments-parse"], "reference-model"),
    "serving-wrong-tool-name": (["tool-name-offered"], "reference-model"),
    "serving-stream-cut": (["stream-terminator"], "reference-model"),
    "serving-missing-usage": (["stream-usage"], "reference-model"),
    "serving-ignored-effort": (["reasoning-effort-honoured"], EFFORT_MODEL),
}
HONEST = {"serving": "reference-model", "gpt-5.4": EFFORT_MODEL}


def one_run(profile: str, model: str, seed: int, folder: Path) -> dict:
    """One audit of `profile` (fresh server, seed `seed`): outcomes, and calls and tokens per check."""
    target = serving_target(WINDOW, model=model)
    started = time.perf_counter()
    with ReferenceServer(profile, seed=seed) as server:
        _, done, findings = run_serving(server.base_url, target, folder / f"{profile}-{seed}.jsonl")
    by_id = {ex.id: ex for ex in done.values()}

    def tokens(exchanges) -> tuple[int, int]:
        used = [ex.usage for ex in exchanges if ex.usage is not None]
        return sum(u.input_tokens or 0 for u in used), sum(u.output_tokens or 0 for u in used)

    checks = {}
    for f in findings:
        cited = [by_id[ref] for ref in f.exchanges if ref in by_id]
        tin, tout = tokens(cited)
        checks[f.check] = {"outcome": f.outcome, "calls": len(cited), "input_tokens": tin, "output_tokens": tout}
    sent = [ex for ex in done.values() if ex.attempts > 0]
    long = [ex for ex in sent if ex.key.startswith("ctx.")]
    short = [ex for ex in sent if not ex.key.startswith("ctx.")]
    return {"profile": profile, "seed": seed, "seconds": round(time.perf_counter() - started, 3), "checks": checks,
            "short_calls": len(short), "short_tokens": sum(tokens(short)),
            "long_calls": len(long), "long_input_tokens": tokens(long)[0], "long_output_tokens": tokens(long)[1]}


def rate(k: int, n: int) -> dict:
    interval = wilson(k, n, 0.95)
    return {"k": k, "n": n, "rate": round(k / n, 4) if n else None,
            "ci95": [round(interval.low, 4), round(interval.high, 4)]}


def summarise(runs_by_profile: dict[str, list[dict]]) -> dict:
    detection = {}
    for profile, (checks, _) in FAULTS.items():
        runs = runs_by_profile[profile]
        detection[profile] = {
            "checks": checks,
            "detected": rate(sum(all(r["checks"][c]["outcome"] == "fail" for c in checks) for r in runs), len(runs)),
            "other_fails": dict(Counter(c for r in runs for c, v in r["checks"].items()
                                        if v["outcome"] == "fail" and c not in checks)),
            "long_calls": statistics.mean(r["long_calls"] for r in runs),
            "long_input_tokens": statistics.mean(r["long_input_tokens"] for r in runs),
            "short_calls": statistics.mean(r["short_calls"] for r in runs),
        }
    false_fails = {}
    for profile, model in HONEST.items():
        runs = runs_by_profile[profile]
        decided = [(c, v["outcome"]) for r in runs for c, v in r["checks"].items()
                   if v["outcome"] in ("pass", "partial", "fail")]
        if profile != "serving":  # the second honest profile is there for the reasoning-effort check only
            decided = [(c, o) for c, o in decided if c == "reasoning-effort-honoured"]
        false_fails[profile] = {"decisions": rate(sum(o == "fail" for _, o in decided), len(decided)),
                                "failing_checks": dict(Counter(c for c, o in decided if o == "fail")),
                                "not_decided": dict(Counter(c for r in runs for c, v in r["checks"].items()
                                                            if v["outcome"] not in ("pass", "partial", "fail")))}
    honest = runs_by_profile["serving"]
    per_check = {}
    for check in declared_checks("serving"):
        cells = [r["checks"][check] for r in honest]
        per_check[check] = {key: statistics.mean(c[key] for c in cells)
                            for key in ("calls", "input_tokens", "output_tokens")}
    audit = {key: {"mean": statistics.mean(r[key] for r in honest), "max": max(r[key] for r in honest)}
             for key in ("short_calls", "short_tokens", "long_calls", "long_input_tokens", "long_output_tokens",
                         "seconds")}
    return {"detection": detection, "false_fails": false_fails, "per_check_honest": per_check, "audit": audit}


def render_markdown(report: dict) -> str:
    s = report["summary"]
    lines = ["# Serving probe: cost, detection, false fails", "",
             f"Generated {report['generated']} by `python bench/serving.py --runs {report['runs']} "
             f"--honest-runs {report['honest_runs']}` ({report['seconds']:.0f} s). Every run: a fresh reference "
             f"endpoint on 127.0.0.1 with its own seed, the shipped `serving-integrity` probe over HTTP, a declared "
             f"{WINDOW:,}-token window. Method: the docstring of bench/serving.py.", "",
             "Each reference fault profile applies its fault to every call it concerns, so these rates say that each "
             "check catches its fault and does not misfire on honest serving across the endpoint's sampling seeds; "
             "an intermittent fault (one call in ten) on a real provider is a harder case the rates of the tool "
             "checks (Wilson intervals, pass at 95%, fail below 80%) are there for.", "",
             "## Detection (target ≥ 95%)", "", "| fault profile | check(s) that must fail | detected | 95% CI | "
             "other checks failing | short calls | long prompts (input tokens reported) |", "|---|---|---:|---|---|---:|---:|"]
    for profile, d in s["detection"].items():
        r = d["detected"]
        others = ", ".join(f"{c} ×{n}" for c, n in d["other_fails"].items()) or "none"
        lines.append(f"| `{profile}` | {', '.join(d['checks'])} | {r['k']}/{r['n']} ({r['rate']:.0%}) | "
                     f"{r['ci95'][0]:.0%}–{r['ci95'][1]:.0%} | {others} | {d['short_calls']:.0f} | "
                     f"{d['long_calls']:.1f} ({d['long_input_tokens']:,.0f}) |")
    lines += ["", "## False fails on the honest profiles (target ≤ 2%)", "",
              "| profile | fails / decisions | rate | 95% CI | failing checks | not decided |", "|---|---:|---:|---|---|---|"]
    for profile, f in s["false_fails"].items():
        r = f["decisions"]
        failing = ", ".join(f"{c} ×{n}" for c, n in f["failing_checks"].items()) or "none"
        undecided = ", ".join(f"{c} ×{n}" for c, n in f["not_decided"].items()) or "none"
        lines.append(f"| `{profile}` | {r['k']}/{r['n']} | {r['rate']:.1%} | {r['ci95'][0]:.1%}–{r['ci95'][1]:.1%} "
                     f"| {failing} | {undecided} |")
    a = s["audit"]
    lines += ["", "(`gpt-5.4` counts only the reasoning-effort decisions: it is there because that check needs a "
              "request profile with efforts; on `serving` the check is not available.)", "",
              "## Cost of one audit (honest `serving` profile)", "",
              "| part | mean | max |", "|---|---:|---:|",
              f"| short calls (target < 100) | {a['short_calls']['mean']:.1f} | {a['short_calls']['max']} |",
              f"| short calls' tokens (in + out) | {a['short_tokens']['mean']:,.0f} | {a['short_tokens']['max']:,} |",
              f"| long-context prompts (calibration, 95%, just past, search) | {a['long_calls']['mean']:.1f} | "
              f"{a['long_calls']['max']} |",
              f"| their input tokens (as reported: a refused prompt reports none) | "
              f"{a['long_input_tokens']['mean']:,.0f} | {a['long_input_tokens']['max']:,} |",
              f"| their output tokens | {a['long_output_tokens']['mean']:,.0f} | {a['long_output_tokens']['max']:,} |",
              f"| wall time, s | {a['seconds']['mean']:.2f} | {a['seconds']['max']:.2f} |", "",
              "## Per check (honest `serving` profile, mean per audit)", "",
              "Calls a finding cites and the tokens they reported; a call several checks rest on counts for each "
              "(the temperature-0 repeats serve temperature and stream agreement, every streamed call the stream "
              "checks).", "", "| check | calls | input tokens | output tokens |", "|---|---:|---:|---:|"]
    for check, c in s["per_check_honest"].items():
        lines.append(f"| {check} | {c['calls']:.1f} | {c['input_tokens']:,.0f} | {c['output_tokens']:,.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="runs per fault profile")
    parser.add_argument("--honest-runs", type=int, default=150, help="runs per honest profile")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    runs: dict[str, list[dict]] = defaultdict(list)
    plan = [(p, m, args.runs) for p, (_, m) in FAULTS.items()] + [(p, m, args.honest_runs) for p, m in HONEST.items()]
    with tempfile.TemporaryDirectory() as tmp:
        for profile, model, n in plan:
            for seed in range(n):
                runs[profile].append(one_run(profile, model, seed, Path(tmp)))
            print(f"{profile}: {n} runs", file=sys.stderr)
    report = {"generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "runs": args.runs, "honest_runs": args.honest_runs, "seconds": time.perf_counter() - started,
              "summary": summarise(runs)}  # the runs' findings are not kept: each run is repeatable by its seed
    RESULTS.mkdir(exist_ok=True)
    write_text_atomic(RESULTS / "serving_cost.json", json.dumps(report, indent=2) + "\n")
    write_text_atomic(RESULTS / "serving_cost.md", render_markdown(report))
    print((RESULTS / "serving_cost.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

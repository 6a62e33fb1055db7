"""Detection, false-fail and cost benchmark of the serving probe (probes/serving/serving-integrity.yaml).

Method. Each run starts a fresh reference endpoint (audit.reference.ReferenceServer, 127.0.0.1) with its
own seed, serving one profile of data/reference/, and drives the shipped serving probe (its `plan_seed` set
to the run's seed, so the canaries differ from run to run) against it over a real socket through the
runtime's collect loop (tests.support.serving.run_serving), from the first call until the probe asks for
nothing more; its findings come from the recorded exchanges alone. Runs are on Chat Completions; the
tool and stream checks also run on the Responses and Messages dialects (honest profile, the two tool-fault
and the two stream-fault profiles, `--dialect-runs` each), where the reference endpoint serves
function_call items and tool_use blocks, and cuts or strips those dialects' own streams.

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

    python bench/serving.py [--runs 50] [--honest-runs 150] [--dialect-runs 30]

Writes bench/results/serving.json and bench/results/serving.md.
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.support, when run as a script

from audit.core.atomic import write_text_atomic  # noqa: E402
from audit.probes.registry import declared_checks  # noqa: E402
from audit.probes.stats import wilson  # noqa: E402
from audit.reference import ReferenceServer  # noqa: E402
from tests.support.serving import run_serving, serving_probe, serving_target  # noqa: E402

RESULTS = REPO / "bench" / "results"
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
# the other dialects: the tool faults, and the honest profile (all its decisions counted), on each
DIALECTS = ("openai-responses", "anthropic")
DIALECT_FAULTS = ("serving-malformed-tool-arguments", "serving-wrong-tool-name", "serving-stream-cut",
                  "serving-missing-usage")
TOOL_PREFIX = "tool-"


def label(profile: str, dialect: str) -> str:
    return profile if dialect == "openai" else f"{profile}@{dialect}"


def one_run(profile: str, model: str, seed: int, folder: Path, dialect: str = "openai") -> dict:
    """One audit of `profile` over `dialect` (fresh server, seed `seed`): outcomes, calls and tokens per check."""
    target = serving_target(WINDOW, model=model, provider=dialect)
    started = time.perf_counter()
    with ReferenceServer(profile, seed=seed) as server:
        _, done, findings = run_serving(server.base_url, target, folder / f"{label(profile, dialect)}-{seed}.jsonl",
                                        serving_probe(plan_seed=seed))
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
    return {"profile": profile, "dialect": dialect, "seed": seed, "seconds": round(time.perf_counter() - started, 3), "checks": checks,
            "short_calls": len(short), "short_tokens": sum(tokens(short)),
            "long_calls": len(long), "long_input_tokens": tokens(long)[0], "long_output_tokens": tokens(long)[1]}


def rate(k: int, n: int) -> dict:
    interval = wilson(k, n, 0.95)
    return {"k": k, "n": n, "rate": round(k / n, 4) if n else None,
            "ci95": [round(interval.low, 4), round(interval.high, 4)]}


def _fault_cases() -> list[tuple[str, list[str]]]:
    """(run label, the checks that must fail) of every fault case: each profile on Chat, the tool faults on
    the other dialects too."""
    return [(p, checks) for p, (checks, _) in FAULTS.items()] + \
        [(label(p, d), FAULTS[p][0]) for d in DIALECTS for p in DIALECT_FAULTS]


def _false_fails(runs: list[dict], only: str | None = None) -> dict:
    """Fails among the (run, check) decisions, those of check `only` alone when given."""
    decided = [(c, v["outcome"]) for r in runs for c, v in r["checks"].items()
               if v["outcome"] in ("pass", "partial", "fail") and (only is None or c == only)]
    return {"decisions": rate(sum(o == "fail" for _, o in decided), len(decided)),
            "failing_checks": dict(Counter(c for c, o in decided if o == "fail")),
            "not_decided": dict(Counter(c for r in runs for c, v in r["checks"].items()
                                        if v["outcome"] not in ("pass", "partial", "fail")))}


def summarise(runs_by_profile: dict[str, list[dict]]) -> dict:
    detection = {}
    for case, checks in _fault_cases():
        runs = runs_by_profile[case]
        detection[case] = {
            "checks": checks,
            "detected": rate(sum(all(r["checks"][c]["outcome"] == "fail" for c in checks) for r in runs), len(runs)),
            "other_fails": dict(Counter(c for r in runs for c, v in r["checks"].items()
                                        if v["outcome"] == "fail" and c not in checks)),
            "long_calls": statistics.mean(r["long_calls"] for r in runs),
            "long_input_tokens": statistics.mean(r["long_input_tokens"] for r in runs),
            "short_calls": statistics.mean(r["short_calls"] for r in runs),
        }
    # the second Chat honest profile is there for the reasoning-effort check only
    false_fails = {"serving": _false_fails(runs_by_profile["serving"]),
                   "gpt-5.4": _false_fails(runs_by_profile["gpt-5.4"], "reasoning-effort-honoured")}
    false_fails.update({label("serving", d): _false_fails(runs_by_profile[label("serving", d)]) for d in DIALECTS})
    honest = runs_by_profile["serving"]
    per_check = {}
    for check in declared_checks("serving"):
        cells = [r["checks"][check] for r in honest]
        per_check[check] = {key: statistics.mean(c[key] for c in cells)
                            for key in ("calls", "input_tokens", "output_tokens")}
    audit = {key: {"mean": statistics.mean(r[key] for r in honest), "max": max(r[key] for r in honest)}
             for key in ("short_calls", "short_tokens", "long_calls", "long_input_tokens", "long_output_tokens",
                         "seconds")}
    tools_by_dialect = {d: {check: statistics.mean(r["checks"][check]["calls"] for r in runs_by_profile[label("serving", d)])
                            for check in declared_checks("serving") if check.startswith(TOOL_PREFIX)}
                        for d in ("openai", *DIALECTS)}
    return {"detection": detection, "false_fails": false_fails, "per_check_honest": per_check, "audit": audit,
            "tool_calls_by_dialect": tools_by_dialect}


def render_markdown(report: dict) -> str:
    s = report["summary"]
    lines = ["# Serving probe: cost, detection, false fails", "",
             f"Generated {report['generated']} by `python bench/serving.py --runs {report['runs']} "
             f"--honest-runs {report['honest_runs']} --dialect-runs {report['dialect_runs']}` ({report['seconds']:.0f} s). Every run: a fresh reference "
             f"endpoint on 127.0.0.1 with its own seed, the shipped `serving-integrity` probe over HTTP, a declared "
             f"{WINDOW:,}-token window, the canaries varied by the run's seed; Chat Completions unless the profile "
             f"is marked `@openai-responses` or `@anthropic` (the tool faults and the honest profile, run on those "
             f"dialects too). Method: the docstring of bench/serving.py.", "",
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
              "request profile with efforts; on `serving` the check is not available. On Responses and Messages "
              "`seed-honoured` is not available: those APIs take no seed.)", "",
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
    by_dialect = s["tool_calls_by_dialect"]
    dialects = list(by_dialect)
    lines += ["", "## Tool checks by dialect (honest `serving` profile, calls each check rests on, mean per audit)", "",
              "| check | " + " | ".join(dialects) + " |", "|---|" + "---:|" * len(dialects)]
    for check in next(iter(by_dialect.values())):
        lines.append(f"| {check} | " + " | ".join(f"{by_dialect[d][check]:.1f}" for d in dialects) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="runs per fault profile")
    parser.add_argument("--honest-runs", type=int, default=150, help="runs per honest Chat profile")
    parser.add_argument("--dialect-runs", type=int, default=30,
                        help="runs per profile on the Responses and Messages dialects")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    runs: dict[str, list[dict]] = defaultdict(list)
    plan = [(p, m, "openai", args.runs) for p, (_, m) in FAULTS.items()] + \
        [(p, m, "openai", args.honest_runs) for p, m in HONEST.items()] + \
        [(p, "reference-model", d, args.dialect_runs) for d in DIALECTS for p in (*DIALECT_FAULTS, "serving")]
    with tempfile.TemporaryDirectory() as tmp:
        for profile, model, dialect, n in plan:
            for seed in range(n):
                runs[label(profile, dialect)].append(one_run(profile, model, seed, Path(tmp), dialect))
            print(f"{label(profile, dialect)}: {n} runs", file=sys.stderr)
    report = {"generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "runs": args.runs, "honest_runs": args.honest_runs, "dialect_runs": args.dialect_runs,
              "seconds": time.perf_counter() - started,
              "summary": summarise(runs)}  # the runs' findings are not kept: each run is repeatable by its seed
    RESULTS.mkdir(exist_ok=True)
    write_text_atomic(RESULTS / "serving.json", json.dumps(report, indent=2) + "\n")
    write_text_atomic(RESULTS / "serving.md", render_markdown(report))
    print((RESULTS / "serving.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Detection and false-fail benchmark of the serving probe, over HTTP against the reference endpoint.

Method. For each reference profile (data/reference/serving*.yaml) the shipped probe
(probes/serving/serving-integrity.yaml) is run `--runs` times end to end through the runtime's collect loop
(audit.runtime.collect) against a fresh ReferenceServer on 127.0.0.1. Runs differ by the server's seed (its
own sampling draws) and the probe's `plan_seed` (other canary codes). A fault profile is *detected* in a run
when the check built for it fails; the honest profile's *false fails* are runs with any failing check. Per
check, the calls and tokens it rests on (the exchanges its finding cites, input + output tokens as reported)
are averaged over the honest runs, and the whole audit's calls, long-context prompts and tokens are given.

    python bench/serving_detection.py [--runs 20]

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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from audit.core.atomic import write_text_atomic  # noqa: E402
from audit.probes.registry import declared_checks  # noqa: E402
from audit.probes.stats import wilson  # noqa: E402
from audit.reference import ReferenceServer  # noqa: E402
from tests.support.serving import run_serving, serving_probe, serving_target  # noqa: E402

# profile -> (model the target asks for, the check built to catch it); None: the honest profiles
PROFILES = {
    "serving": ("reference-model", None),
    "serving-middle-out": ("reference-model", "silent-truncation"),
    "serving-ignored-temperature": ("reference-model", "temperature-honoured"),
    "serving-ignored-output-cap": ("reference-model", "output-cap"),
    "serving-malformed-tool-arguments": ("reference-model", "tool-arguments-parse"),
    "serving-wrong-tool-name": ("reference-model", "tool-name-offered"),
    "serving-stream-cut": ("reference-model", "stream-terminator"),
    "serving-missing-usage": ("reference-model", "stream-usage"),
    "serving-ignored-effort": ("gpt-5.4-mini", "reasoning-effort-honoured"),
}
WINDOW = 8192


def _tokens(ex) -> int:
    u = ex.usage
    return 0 if u is None else (u.input_tokens or 0) + (u.output_tokens or 0)


def one_run(profile: str, model: str, run: int, folder: Path) -> dict:
    target = serving_target(WINDOW, model=model)
    probe = serving_probe(plan_seed=run)
    t0 = time.perf_counter()
    with ReferenceServer(profile, seed=run) as server:
        _, done, findings = run_serving(server.base_url, target, folder / f"{profile}-{run}.jsonl", probe)
    by_id = {ex.id: ex for ex in done.values()}
    per_check = {f.check: {"outcome": f.outcome, "calls": len(set(f.exchanges)),
                           "tokens": sum(_tokens(by_id[x]) for x in set(f.exchanges) if x in by_id)}
                 for f in findings}
    return {"seconds": round(time.perf_counter() - t0, 2), "calls": len(done),
            "long_prompts": sum(k in ("ctx.accept", "ctx.past") or k.startswith("ctx.search.") for k in done),
            "tokens": sum(_tokens(ex) for ex in done.values()), "checks": per_check}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    results: dict[str, list[dict]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="serving-bench-") as tmp:
        for profile, (model, _) in PROFILES.items():
            results[profile] = [one_run(profile, model, run, Path(tmp)) for run in range(args.runs)]
            print(f"{profile}: {args.runs} runs", file=sys.stderr)
    summary = {}
    for profile, runs in results.items():
        check = PROFILES[profile][1]
        if check is None:
            fails = sum(any(c["outcome"] == "fail" for c in r["checks"].values()) for r in runs)
            rate = wilson(fails, len(runs))
            summary[profile] = {"kind": "honest", "false_fails": fails, "runs": len(runs),
                                "false_fail_rate": rate.rate, "ci_high": round(rate.high, 4),
                                "outcomes": _outcomes(runs)}
        else:
            hits = sum(r["checks"][check]["outcome"] == "fail" for r in runs)
            rate = wilson(hits, len(runs))
            summary[profile] = {"kind": "fault", "check": check, "detected": hits, "runs": len(runs),
                                "detection_rate": rate.rate, "ci_low": round(rate.low, 4),
                                "other_fails": sorted({c for r in runs for c, v in r["checks"].items()
                                                       if v["outcome"] == "fail" and c != check})}
    honest = results["serving"]
    cost = {check: {"calls": statistics.mean(r["checks"][check]["calls"] for r in honest),
                    "tokens": statistics.mean(r["checks"][check]["tokens"] for r in honest)}
            for check in declared_checks("serving")}
    audit = {"calls": statistics.mean(r["calls"] for r in honest),
             "long_prompts": statistics.mean(r["long_prompts"] for r in honest),
             "tokens": statistics.mean(r["tokens"] for r in honest),
             "seconds": statistics.mean(r["seconds"] for r in honest)}
    report = {"generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "runs": args.runs,
              "window": WINDOW, "seconds": round(time.perf_counter() - started, 1), "profiles": summary,
              "cost_per_check": cost, "audit": audit}
    out = REPO / "bench" / "results"
    write_text_atomic(out / "serving.json", json.dumps(report, indent=2) + "\n")
    write_text_atomic(out / "serving.md", _markdown(report))
    print(_markdown(report))


def _outcomes(runs: list[dict]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in runs:
        for check, v in r["checks"].items():
            out.setdefault(check, {}).setdefault(v["outcome"], 0)
            out[check][v["outcome"]] += 1
    return out


def _markdown(report: dict) -> str:
    lines = [f"# Serving probe: detection and false fails ({report['generated']})", "",
             f"{report['runs']} runs per reference profile (server seed and canaries varied), window "
             f"{report['window']:,} tokens, over HTTP through the runtime's collect loop; "
             f"{report['seconds']} s in all. Method: bench/serving_detection.py.", "",
             "| profile | check built for it | detected | rate (95% CI low) | other checks failing |",
             "|---|---|---:|---:|---|"]
    for profile, s in report["profiles"].items():
        if s["kind"] == "honest":
            lines.append(f"| {profile} (honest) | any check | false fails {s['false_fails']}/{s['runs']} | "
                         f"{s['false_fail_rate']:.0%} (CI high {s['ci_high']:.0%}) | |")
        else:
            lines.append(f"| {profile} | {s['check']} | {s['detected']}/{s['runs']} | {s['detection_rate']:.0%} "
                         f"({s['ci_low']:.0%}) | {', '.join(s['other_fails']) or '-'} |")
    a = report["audit"]
    lines += ["", f"Whole audit on the honest profile: {a['calls']:.0f} calls, of them {a['long_prompts']:.0f} "
                  f"long-context prompts, {a['tokens']:,.0f} tokens, {a['seconds']:.1f} s.", "",
              "| check | calls it rests on | tokens (input + output) |", "|---|---:|---:|"]
    lines += [f"| {check} | {c['calls']:.0f} | {c['tokens']:,.0f} |" for check, c in report["cost_per_check"].items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

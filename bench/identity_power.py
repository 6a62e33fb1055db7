"""Power and false-detection benchmark of the identity probe's competitor-claim check.

Method. Each simulated audit runs the shipped probe (probes/identity/identity-consistency.yaml)
from its first call until `next_calls` returns nothing, so its sequential stopping decides how
many calls are spent (at most the plan's 200). Two ways of answering the calls:

- **real endpoint**: a reference endpoint (audit.reference.ReferenceServer) on 127.0.0.1 serves the
  persona, and the runtime's collect loop (audit.runtime.collect.Collector) sends every call over a real
  socket; each audit starts a fresh server with its own seed;
- **in-process**: the same persona answered by the reference endpoint's own reply function
  (audit.reference.replies.make_reply) without the socket, with a per-audit seed, which makes
  thousands of audits cheap.

Personas (tests.support.personas): `competitor-5` names ChatGPT (OpenAI) in 5% of identity answers;
`consistent` never does; `competitor-0.5` names it at the test's tolerated rate (0.5%) and
`competitor-10` in 10%. A *detection* is a `fail` of the `no-competitor-claim` check (the SPRT
rejected "rate ≤ 0.5%"); `partial` (some claims seen, rate not shown to exceed the tolerance) is
counted separately.

    python bench/identity_power.py [--real 40] [--sim 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from audit.core.atomic import write_text_atomic
from tests.support.personas import persona_profile
from tests.support.identity_sim import audit_endpoint, reference_target
from audit.probes.identity.stats import wilson
from audit.probes.base import TargetContext
from audit.probes.registry import find_probe
from audit.reference import ReferenceServer
from audit.reference.profile import Profile
from audit.reference.replies import ChatInput, make_reply, seeded_rng
from audit.reference.tokenizer import counting_tokenizer
from audit.schema.evidence import Exchange

RESULTS = Path(__file__).resolve().parent / "results"
CHECK = "no-competitor-claim"


def _exchange(probe_id: str, key: str, call, text: str, served: str, fingerprint: str | None, usage: dict) -> Exchange:
    return Exchange(id=f"{probe_id}/{key}", run_id="bench", probe_id=probe_id, key=key, provider="openai",
                    endpoint="in-process", model="reference-model", request=call.request, wire_request={},
                    status=200, response={"model": served}, text=text, ok=True,
                    started_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), elapsed_ms=0.0,
                    served_model=served, system_fingerprint=fingerprint, usage=usage)


def audit_in_process(probe, profile: Profile, target: TargetContext, seed: int) -> dict:
    """One audit with replies from the reference endpoint's reply function (no socket)."""
    behaviour = profile.behaviour()
    tokenizer = counting_tokenizer(behaviour.tokenizer)
    served = target.model if behaviour.served_model == "echo" else behaviour.served_model
    nonces = seeded_rng("bench-nonce", seed)
    done: dict[str, Exchange] = {}
    while calls := probe.next_calls(target, done):
        for call in calls:
            req = call.request
            chat = ChatInput(model=target.model, messages=tuple((m.role, m.content) for m in req.messages),
                             temperature=1.0 if req.temperature is None else req.temperature,
                             max_tokens=req.max_tokens, seed=req.seed, nonce=nonces.getrandbits(48))
            reply = make_reply(behaviour, tokenizer, profile.version, chat)
            done[call.key] = _exchange(probe.id, call.key, call, reply.text, served, behaviour.system_fingerprint,
                                       {"prompt_tokens": reply.prompt_tokens,
                                        "completion_tokens": reply.completion_tokens})
    findings = {f.check: f for f in probe.evaluate(target, done)}
    return {"outcome": findings[CHECK].outcome, "calls": len(done)}


def audit_real(probe, profile: Profile, target: TargetContext) -> dict:
    with ReferenceServer(profile) as server:
        result = audit_endpoint(probe, server.base_url, target)
    return {"outcome": result.findings[CHECK].outcome, "calls": result.calls}


def summarise(runs: list[dict], plan: int) -> dict:
    outcomes = Counter(r["outcome"] for r in runs)
    calls = sorted(r["calls"] for r in runs)
    n = len(runs)
    fails = wilson(outcomes["fail"], n)
    flagged = wilson(outcomes["fail"] + outcomes["partial"], n)
    return {"audits": n, "outcomes": dict(outcomes),
            "detection_rate": round(fails.rate, 4), "detection_ci95": [round(fails.low, 4), round(fails.high, 4)],
            "flagged_rate": round(flagged.rate, 4),
            "calls_mean": round(statistics.fmean(calls), 1), "calls_median": statistics.median(calls),
            "calls_p90": calls[int(0.9 * (n - 1))], "calls_max": calls[-1], "calls_planned": plan,
            "calls_saved_mean": round(plan - statistics.fmean(calls), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=int, default=40, help="audits per persona against the real endpoint")
    parser.add_argument("--sim", type=int, default=1000, help="in-process audits per persona")
    parser.add_argument("--personas", default="competitor-5,consistent,competitor-0.5,competitor-10")
    args = parser.parse_args(argv)

    probe = find_probe("identity-consistency")
    target = reference_target()
    plan = probe.max_calls()
    started = time.perf_counter()
    results: dict[str, dict] = {}
    for persona in args.personas.split(","):
        real_runs, sim_runs = [], []
        for seed in range(args.real):
            profile = Profile.model_validate(persona_profile(persona, probe.params, seed=10_000 + seed))
            real_runs.append(audit_real(probe, profile, target))
        profile = Profile.model_validate(persona_profile(persona, probe.params, seed=0))
        for seed in range(args.sim):
            sim_runs.append(audit_in_process(probe, profile, target, seed))
        results[persona] = {"real_endpoint": summarise(real_runs, plan) if real_runs else None,
                            "in_process": summarise(sim_runs, plan) if sim_runs else None,
                            "combined": summarise(real_runs + sim_runs, plan)}
        print(f"{persona}: {json.dumps(results[persona]['combined'])}", file=sys.stderr)

    params = probe.params
    rule = params.competitor
    report = {
        "benchmark": "identity_power", "date": dt.date.today().isoformat(),
        "probe": probe.id, "check": CHECK, "plan_calls": plan, "batch_size": params.batch_size,
        "rule": {"test": "Wald SPRT", "h0_rate": rule.tolerated, "h1_rate": rule.detect,
                 "alpha": rule.alpha, "beta": rule.beta},
        "method": ("Each audit runs the shipped probe until next_calls returns nothing (sequential stopping, "
                   f"at most {plan} calls). real_endpoint: a fresh reference endpoint on 127.0.0.1 per audit "
                   "(server seed varied), calls sent by audit.runtime.collect.Collector over a real socket. in_process: "
                   "the reference endpoint's reply function (make_reply) with a per-audit nonce seed. "
                   "Detection = the no-competitor-claim finding is 'fail'."),
        "targets": {"power_min": 0.8, "max_calls": 200, "false_detection_max": 0.05},
        "personas": results,
        "seconds": round(time.perf_counter() - started, 1),
    }
    power = results.get("competitor-5", {}).get("combined")
    false = results.get("consistent", {}).get("combined")
    if power and false:
        report["verdict"] = {
            "power_at_5pct": power["detection_rate"], "power_ok": power["detection_rate"] >= 0.8,
            "max_calls_used": max(power["calls_max"], false["calls_max"]),
            "calls_ok": max(power["calls_max"], false["calls_max"]) <= 200,
            "false_detection": false["detection_rate"], "false_detection_ok": false["detection_rate"] <= 0.05,
        }
    RESULTS.mkdir(exist_ok=True)
    write_text_atomic(RESULTS / "identity.json", json.dumps(report, indent=2) + "\n")
    write_text_atomic(RESULTS / "identity.md", render_markdown(report))
    print(json.dumps(report.get("verdict", {}), indent=2))
    return 0


def render_markdown(report: dict) -> str:
    lines = [f"# Identity probe: competitor-claim power ({report['date']})", "",
             f"Probe `{report['probe']}`, check `{report['check']}`; plan of {report['plan_calls']} calls in "
             f"batches of {report['batch_size']}; {report['rule']['test']} of rate ≤ {report['rule']['h0_rate']:.1%} "
             f"against ≥ {report['rule']['h1_rate']:.0%} (α = {report['rule']['alpha']}, β = {report['rule']['beta']}).",
             "", report["method"], "",
             "| persona | source | audits | detected (fail) | 95% CI | fail or partial | calls mean | median | p90 | max | saved (mean) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for persona, parts in report["personas"].items():
        for source in ("real_endpoint", "in_process", "combined"):
            s = parts.get(source)
            if not s:
                continue
            lo, hi = s["detection_ci95"]
            lines.append(f"| {persona} | {source} | {s['audits']} | {s['detection_rate']:.1%} | {lo:.1%}–{hi:.1%} | "
                         f"{s['flagged_rate']:.1%} | {s['calls_mean']} | {s['calls_median']} | {s['calls_p90']} | "
                         f"{s['calls_max']} | {s['calls_saved_mean']} |")
    verdict = report.get("verdict")
    if verdict:
        lines += ["", f"- Power against a 5% competitor rate: **{verdict['power_at_5pct']:.1%}** "
                      f"(target ≥ 80%: {'met' if verdict['power_ok'] else 'NOT met'}).",
                  f"- Most calls in any audit: **{verdict['max_calls_used']}** (target ≤ 200: "
                  f"{'met' if verdict['calls_ok'] else 'NOT met'}).",
                  f"- False detection on the consistent persona: **{verdict['false_detection']:.1%}** "
                  f"(target ≤ 5%: {'met' if verdict['false_detection_ok'] else 'NOT met'})."]
    lines += ["", f"Run time: {report['seconds']} s."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

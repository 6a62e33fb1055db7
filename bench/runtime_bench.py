"""Benchmarks of the live audit runtime (issue 4, item 9), against the reference endpoint.

(a) 1,000 calls at 100 ms server latency and concurrency 32, through the full run loop (one probe
    round of 1,000 planned calls, transport, evidence appended and fsync'd per exchange): wall time
    against the ideal 1000 x 0.1 / 32 s, and the client's CPU time per call. Measured REPEATS times
    on a fresh server each time; the median counts, every run is kept. Client and server share the
    machine, so the server's CPU time is reported too.
(b) The same audit with 20 % injected faults (4 % each of 429, 500, timeout, malformed JSON,
    dropped connection): the same findings as without faults, every exchange recorded, none
    lost, and the number of retries.

The server runs in a child process so the CPU time measured is the client's alone.
Run: .venv/bin/python bench/runtime_bench.py  → bench/results/runtime.json and runtime.md
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.runtime.collect import collect_into  # noqa: E402
from audit.probes.evaluate import evaluate_probes  # noqa: E402
from audit.runtime.evidence import EvidenceLog, latest  # noqa: E402
from audit.probes.base import PlannedCall, ProbeDefinition, ProbeKind, TargetContext  # noqa: E402
from audit.providers import OpenAIChat, RetryPolicy, Timeouts  # noqa: E402
from audit.schema.base import Strict  # noqa: E402
from audit.schema.disclosure import DeclaredFacts, ModelIdentity  # noqa: E402
from audit.schema.evidence import ChatRequest, Message  # noqa: E402
from audit.schema.finding import Finding  # noqa: E402
from audit.schema.rubric import Rubric  # noqa: E402

CALLS, LATENCY_MS, CONCURRENCY, REPEATS = 1000, 100, 32, 5
FAULTS = {"seed": 11, "rate_limit": 0.04, "server_error": 0.04, "timeout": 0.04, "malformed_json": 0.04,
          "drop": 0.04, "retry_after": 0.2, "timeout_seconds": 3.0, "max_per_request": 3}
SERVER = """
import json, sys
from audit.reference.server import ReferenceServer
server = ReferenceServer("default", **json.loads(sys.argv[1])).start()
print(server.url, flush=True)
server.serve_forever()
"""


class BenchParams(Strict):
    calls: int


class BenchProbe(ProbeKind):
    """Plans `calls` chat calls in one round; its finding digests every answer it got."""

    kind = "identity"
    Params = BenchParams

    def next_calls(self, target, done):
        return [c for c in (self._call(i) for i in range(self.params.calls)) if c.key not in done]

    @staticmethod
    def _call(i: int) -> PlannedCall:
        return PlannedCall(f"c{i:04d}", ChatRequest(messages=[Message(role="user", content=f"Summarise item {i}.")],
                                                    max_tokens=32, seed=i, temperature=0))

    def evaluate(self, target, done):
        keys = sorted(done)
        digest = hashlib.sha256("\n".join(f"{k}\t{done[k].text}\t{done[k].usage}" for k in keys).encode()).hexdigest()
        ok = sum(done[k].ok for k in keys)
        return [Finding(probe_id=self.id, kind="identity", check="bench", outcome="pass" if ok == len(keys) else "fail",
                        message=f"{ok} of {len(keys)} calls answered", values={"answers_sha256": digest, "ok": ok})]

    def max_calls(self) -> int:
        return self.params.calls


def start_server(overrides: dict) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, json.dumps(overrides)], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)
    return proc, proc.stdout.readline().strip()


def audit(url: str, folder: Path, read_timeout: float) -> dict:
    probe = BenchProbe(ProbeDefinition(id="bench", kind="identity", description="bench"), BenchParams(calls=CALLS))
    target = TargetContext("openai", "reference-model", ModelIdentity(vendor="Reference Labs", name="Reference Model"),
                           DeclaredFacts())
    log_path = folder / "evidence.jsonl"

    cpu0, wall0 = time.process_time(), time.perf_counter()
    _, retries = collect_into(log_path, OpenAIChat, url, "reference-model", [probe], target, run_id="bench",
                              concurrency=CONCURRENCY, retry=RetryPolicy(max_attempts=6),
                              timeouts=Timeouts(connect=5, read=read_timeout))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    exchanges = EvidenceLog(log_path).load()
    rubric = Rubric.model_validate({"id": "bench", "version": "1", "title": "bench", "domains": [
        {"id": "d", "title": "d", "criteria": [{"id": "c", "title": "c", "question": "q", "max_points": 1, "indicators": [
            {"id": "i", "title": "i", "definition": "d", "threshold": "t", "points": 1,
             "evidence": {"probe": "identity", "check": "bench"}}]}]}]})
    findings = evaluate_probes([probe], target, latest(exchanges), rubric)
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "cpu_ms_per_call": round(1000 * cpu / CALLS, 3),
            "exchanges_recorded": len(exchanges), "distinct_calls": len({e.id for e in exchanges}),
            "ok": sum(e.ok for e in exchanges), "retries": retries,
            "attempts": sum(e.attempts for e in exchanges),
            "findings": [f.model_dump(mode="json") for f in findings]}


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_case(overrides: dict, read_timeout: float) -> dict:
    proc, url = start_server(overrides)
    try:
        server_cpu = process_cpu_seconds(proc.pid)
        with tempfile.TemporaryDirectory() as tmp:
            figures = audit(url, Path(tmp), read_timeout)
        figures["server_cpu_ms_per_call"] = round(1000 * (process_cpu_seconds(proc.pid) - server_cpu) / CALLS, 3)
        figures["server"] = httpx2.get(url + "/admin/stats").json()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return figures


def main() -> None:
    latency = {"latency": {"fixed_ms": LATENCY_MS, "jitter_ms": 0}}
    ideal = CALLS * LATENCY_MS / 1000 / CONCURRENCY
    runs = [run_case(latency, read_timeout=30) for _ in range(REPEATS)]
    a = dict(sorted(runs, key=lambda r: r["wall_s"])[REPEATS // 2])  # the median run
    a.update(ideal_s=round(ideal, 3), over_ideal_percent=round(100 * (a["wall_s"] / ideal - 1), 1),
             within_10_percent=a["wall_s"] <= ideal * 1.1, repeats=REPEATS,
             wall_s_all=[r["wall_s"] for r in runs], cpu_ms_per_call_all=[r["cpu_ms_per_call"] for r in runs],
             waves_floor_s=round(math.ceil(CALLS / CONCURRENCY) * LATENCY_MS / 1000, 3))
    clean = run_case({}, read_timeout=1.0)
    faulty = run_case({"faults": FAULTS}, read_timeout=1.0)
    b = {"fault_rates": FAULTS, "clean": clean, "faulty": faulty,
         "same_findings": clean["findings"] == faulty["findings"],
         "every_exchange_recorded": faulty["distinct_calls"] == CALLS == faulty["exchanges_recorded"],
         "none_lost": faulty["ok"] == CALLS}
    results = {"generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
               "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "httpx2": httpx2.__version__},
               "calls": CALLS, "latency_ms": LATENCY_MS, "concurrency": CONCURRENCY,
               "a_throughput": a, "b_faults": b}
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "runtime.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "runtime.md").write_text(markdown(results))
    print(markdown(results))


def markdown(r: dict) -> str:
    a, b = r["a_throughput"], r["b_faults"]
    f = b["faulty"]
    return "\n".join([
        "# Live audit runtime benchmarks", "",
        f"Generated {r['generated_at']} on {r['machine']['cpus']} CPUs, Python {r['machine']['python']}, httpx2 {r['machine']['httpx2']}, by "
        "`bench/runtime_bench.py` (reference endpoint in a child process; full run loop with fsync'd evidence).", "",
        f"## (a) {r['calls']} calls, {r['latency_ms']} ms latency, concurrency {r['concurrency']}", "",
        "| wall time (median) | ideal | over ideal | within 10% | client CPU per call | server CPU per call |",
        "|---|---|---|---|---|---|",
        f"| {a['wall_s']} s | {a['ideal_s']} s | {a['over_ideal_percent']}% | {'yes' if a['within_10_percent'] else 'no'} "
        f"| {a['cpu_ms_per_call']} ms | {a['server_cpu_ms_per_call']} ms |", "",
        f"{a['repeats']} runs, wall times {', '.join(f'{w} s' for w in a['wall_s_all'])}; client CPU per call "
        f"{', '.join(f'{c} ms' for c in a['cpu_ms_per_call_all'])}. With every call taking exactly "
        f"{r['latency_ms']} ms, {r['calls']} calls need {math.ceil(r['calls'] / r['concurrency'])} waves of "
        f"{r['concurrency']}: {a['waves_floor_s']} s at best.", "",
        "## (b) the same audit with 20% injected faults (4% each: 429, 500, timeout, malformed JSON, drop)", "",
        "| same findings | exchanges recorded | answered | retries | server requests | faults injected |",
        "|---|---|---|---|---|---|",
        f"| {'yes' if b['same_findings'] else 'NO'} | {f['exchanges_recorded']} of {r['calls']} | {f['ok']} | "
        f"{f['retries']} | {f['server']['requests']} | "
        + ", ".join(f"{k} {v}" for k, v in sorted(f['server']['faults'].items())) + " |", "",
        f"Without faults: {b['clean']['wall_s']} s, {b['clean']['retries']} retries; with faults: {f['wall_s']} s.", ""])


if __name__ == "__main__":
    main()

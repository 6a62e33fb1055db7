"""Benchmark `audit verify` over HTTP against real llama.cpp servers: power, false alarms and price per mode.

    python bench/verify.py [--reps 20] [--scales 1.0,0.4] [--modes border,mmd,mmd-independent,logprob] [--reuse]
                           [--name verify]   # results: bench/results/NAME.{md,json}

Per weight scale, one tiny random-weight model (GPT-2 vocabulary, 64 wide, 2 layers, seed 11, F16) is
the reference, served by llama.cpp's llama-server; the targets are a second F16 instance of it (the
null case), the same weights re-quantized by llama-quantize to Q8_0 and Q4_0, other weights (seed
12), and the LiteLLM proxy routing 90/10 and 95/5 between the second F16 instance and the other
weights (`model_list` entries sharing one name, with `weight`: LiteLLM's simple-shuffle picks a
deployment per call with probability weight / total; docs.litellm.ai/docs/routing).

Every repetition records a fresh reference baseline (new run id, so new seeds) and verifies each target
against it as `audit verify --reference BASELINE` does, with the same per-call seeds (paired test) or,
for `mmd-independent`, other seeds (the unpaired test of `audit drift`). Modes:

    border            16 nearly tied prompts found once per scale on the reference (discovery cost
                      reported apart), 12 temperature-0 + 8 temperature-1 calls each, 1 output token
    border-wide       the same with a wider discovery (30 samples per candidate, top two >= 30%)
    mmd               the shipped drift-core battery (240 calls, <= 40 output tokens each)
    mmd-independent   the same with independent seeds
    logprob           the 48 border candidates x 2 temperature-0 calls, 1 output token and its top-5
                      log-probabilities each (no discovery)

Results are appended to <work>/results.jsonl as they come (rerun with --reuse to summarise or go on),
then summarised into bench/results/verify.json and .md with Wilson 95% intervals. The recorded samples
stay in <work> for bench/met_compare.py (Model Equality Testing's own test on the same samples).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from audit.probes.stats import wilson  # noqa: E402
from audit.runtime.drift_runner import record_baseline  # noqa: E402
from audit.runtime.run_folder import RunFolder  # noqa: E402
from audit.runtime.target import Target  # noqa: E402
from audit.probes.drift.border import load_candidates, logprob_definition  # noqa: E402
from audit.runtime.verify_runner import BorderSettings, Reference, discover_border, run_verify  # noqa: E402

RECORD = ROOT / "data" / "disclosures" / "allenai" / "olmo-2-7b.yaml"
RESULTS = ROOT / "bench" / "results"
ALIAS = "tiny"
KEY_ENV = "BENCH_VERIFY_LITELLM_KEY"
SCENARIOS = ("null-f16", "q8_0", "q4_0", "other-weights", "mix-90-10", "mix-95-5")
TARGETS = {"null-f16": ">= 95% no alarm", "q8_0": ">= 80% power", "q4_0": ">= 95% power",
           "other-weights": ">= 95% power", "mix-90-10": ">= 80% power", "mix-95-5": "-",
           "null-f16-independent": "<= 5% false alarms"}


def models(scale: float) -> dict[str, Path]:
    from tests.support.realserver.paths import llama_server_bin
    from tests.support.realserver.tiny_gguf import build_tiny_model
    from tests.support.realserver.vocab import ensure_vocab

    ensure_vocab()
    base = build_tiny_model("gpt-2", seed=11, scale=scale)
    out = {"f16": base, "other": build_tiny_model("gpt-2", seed=12, scale=scale)}
    quantize = llama_server_bin().with_name("llama-quantize")
    for kind in ("q8_0", "q4_0"):
        target = base.with_name(f"{base.stem}-{kind}.gguf")
        if not target.is_file():
            subprocess.run([str(quantize), str(base), str(target), kind.upper()], check=True, capture_output=True)
        out[kind] = target
    return out


class WeightedLiteLLM:
    """LiteLLM's proxy with weighted routes: advertised name -> [(backend base URL, backend model, weight)]."""

    def __init__(self, routes: dict[str, list[tuple[str, str, int]]]):
        from tests.support.realserver.litellm import ensure_litellm
        from tests.support.realserver.servers import _ChildServer

        executable = ensure_litellm()
        key = "sk-" + secrets.token_hex(16)
        os.environ[KEY_ENV] = key

        class Proxy(_ChildServer):
            name = "litellm"
            ready_path = "/health/liveliness"

            def command(self) -> list[str]:
                config = {"model_list": [{"model_name": name, "litellm_params": {
                              "model": f"openai/{model}", "api_base": base, "api_key": "none", "weight": weight}}
                              for name, backends in routes.items() for base, model, weight in backends],
                          "router_settings": {"routing_strategy": "simple-shuffle"},
                          "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
                          "litellm_settings": {"telemetry": False, "drop_params": False}}
                path = self._workdir / "config.yaml"
                path.write_text(yaml.safe_dump(config))
                return [str(executable), "--config", str(path), "--host", "127.0.0.1", "--port", str(self.port)]

            def _env(self) -> dict[str, str]:
                return {**os.environ, "LITELLM_MASTER_KEY": key, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                        "LITELLM_TELEMETRY": "False", "NO_COLOR": "1"}

        self.proxy = Proxy(startup_timeout=240)

    def __enter__(self):
        return self.proxy.__enter__()

    def __exit__(self, *exc):
        return self.proxy.__exit__(*exc)


def target(base_url: str, model: str = ALIAS, key: bool = False) -> Target:
    return Target(model=model, base_url=base_url, api_key_env=KEY_ENV if key else None, concurrency=8 if key else 4,
                  max_attempts=3)


def load_results(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {r["key"]: r for r in rows}


def run(args) -> None:
    from tests.support.realserver.servers import LlamaServer

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results_path = work / "results.jsonl"
    done = load_results(results_path) if args.reuse else {}
    if not args.reuse:
        results_path.unlink(missing_ok=True)
        for sub in ("out", "baselines"):
            shutil.rmtree(work / sub, ignore_errors=True)
    for scale in args.scales:
        paths = models(scale)
        servers = {name: LlamaServer(paths[name], alias=ALIAS, n_threads=1) for name in ("f16", "other", "q8_0", "q4_0")}
        servers["f16b"] = LlamaServer(paths["f16"], alias=ALIAS, n_threads=1)
        for s in servers.values():
            s.__enter__()
        try:
            mix = WeightedLiteLLM({"mix-90-10": [(servers["f16b"].base_url, ALIAS, 9), (servers["other"].base_url, ALIAS, 1)],
                                   "mix-95-5": [(servers["f16b"].base_url, ALIAS, 19), (servers["other"].base_url, ALIAS, 1)]})
            with mix as proxy:
                reference = target(servers["f16"].base_url)
                targets = {"null-f16": target(servers["f16b"].base_url), "q8_0": target(servers["q8_0"].base_url),
                           "q4_0": target(servers["q4_0"].base_url), "other-weights": target(servers["other"].base_url),
                           "mix-90-10": target(proxy.base_url, "mix-90-10", key=True),
                           "mix-95-5": target(proxy.base_url, "mix-95-5", key=True)}
                _scale(args, work, scale, reference, targets, done, results_path)
        finally:
            for s in servers.values():
                s.__exit__(None, None, None)
    summarise(load_results(results_path), args)


BORDER = {"border": BorderSettings(),  # the defaults audit verify uses
          "border-wide": BorderSettings(samples=30, min_top_two=0.3)}  # for flatter first-token distributions


def _battery(work: Path, scale: float, reference: Target, mode: str = "border") -> tuple[Path, dict]:
    folder = work / (f"discovery-s{scale:g}" if mode == "border" else f"discovery-{mode}-s{scale:g}")
    battery_file = folder / "border.yaml"
    if battery_file.is_file():
        return battery_file, json.loads((folder / "discovery" / "border.json").read_text())
    started = time.perf_counter()
    definition, _ = discover_border(RECORD, reference, RunFolder(folder / "discovery"),
                                    f"disc-{mode}-s{scale:g}".replace(".", "-"), BORDER[mode])
    battery_file.write_text(yaml.safe_dump(definition.model_dump(mode="json"), sort_keys=False))
    info = json.loads((folder / "discovery" / "border.json").read_text())
    info["seconds"] = time.perf_counter() - started
    (folder / "discovery" / "border.json").write_text(json.dumps(info, indent=2))
    return battery_file, info


def _logprob_battery(work: Path) -> Path:
    path = work / "logprob.yaml"
    path.write_text(yaml.safe_dump(logprob_definition(load_candidates()).model_dump(mode="json"), sort_keys=False))
    return path


def _scale(args, work, scale, reference, targets, done, results_path) -> None:
    batteries = {mode: _battery(work, scale, reference, mode)[0] for mode in args.modes if mode in BORDER}
    if "logprob" in args.modes:
        batteries["logprob"] = _logprob_battery(work)
    tag = f"s{scale:g}".replace(".", "-")
    for rep in range(args.reps):
        for mode in args.modes:
            probe = str(batteries[mode]) if mode in batteries else "drift-core"
            name = f"{mode}-{tag}-r{rep}"
            wanted = [(sc, "shared" if mode != "mmd-independent" else "independent") for sc in SCENARIOS]
            if mode in BORDER:
                wanted.append(("null-f16-independent", "independent"))
            keys = [f"{name}/{sc}" for sc, _ in wanted]
            if all(k in done for k in keys):
                continue
            started = time.perf_counter()
            folder, _, ok = record_baseline(RECORD, reference, name=name, probe=probe, baselines_dir=work / "baselines",
                                            rubric=None, replace=True, history_db=None, formats=("json",))
            ref_seconds = time.perf_counter() - started
            ref_tokens = sum((json.loads(line).get("usage") or {}).get("output_tokens") or 0
                             for line in (folder / "evidence.jsonl").read_text().splitlines() if line.strip())
            for (scenario, seeds), key in zip(wanted, keys):
                if key in done:
                    continue
                tgt = targets["null-f16" if scenario == "null-f16-independent" else scenario]
                started = time.perf_counter()
                outcome = run_verify(RECORD, tgt, Reference(baseline=folder), out=work / "out",
                                     run_id=f"{name}-{scenario}".replace("_", "-"), alpha=0.05, seeds=seeds,
                                     formats=("json",))
                report = outcome.report
                row = {"key": key, "scale": scale, "mode": mode, "scenario": scenario, "rep": rep, "seeds": seeds,
                       "p_value": report.p_value, "alarm": report.verdict == "drift", "level": report.level,
                       "calls": report.current_calls, "output_tokens": report.current_output_tokens,
                       "reference_calls": ok, "reference_output_tokens": ref_tokens,
                       "reference_seconds": round(ref_seconds, 2), "seconds": round(time.perf_counter() - started, 2),
                       "detectable_fraction": report.detectable_fraction,
                       "tests": {t.name: t.p_value for t in report.tests},
                       "baseline": str(folder), "run": str(outcome.folder)}
                with results_path.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
                done[key] = row
                print(f"{key}: p={report.p_value:.4g} {'ALARM' if row['alarm'] else 'ok'} "
                      f"({row['calls']} calls, {row['output_tokens']} tokens, {row['seconds']} s)", flush=True)


def _load_met(work: Path) -> dict[str, dict]:
    path = work / "met.jsonl"
    if not path.is_file():
        return {}
    return {r["key"]: r for r in (json.loads(line) for line in path.read_text().splitlines() if line.strip())}


def _rate(k: int, n: int) -> str:
    if not n:
        return "-"
    ci = wilson(k, n)
    return f"{k}/{n} ({k / n:.0%}; {ci.low:.0%}-{ci.high:.0%})"


def summarise(rows: dict[str, dict], args) -> None:
    work = Path(args.work)
    met = _load_met(work)
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows.values():
        groups[(row["scale"], row["mode"], row["scenario"])].append(row)
    table = []
    for (scale, mode, scenario), items in sorted(groups.items()):
        alarms = sum(r["alarm"] for r in items)
        ci = wilson(alarms, len(items))
        fractions = sorted(r["detectable_fraction"] for r in items if r.get("detectable_fraction") is not None)
        with_met = [r for r in items if r["key"] in met]
        mmd_only = [r for r in with_met if "open_mmd" in r["tests"]]
        table.append({"scale": scale, "mode": mode, "scenario": scenario, "audits": len(items), "alarms": alarms,
                      "rate": alarms / len(items), "ci_low": ci.low, "ci_high": ci.high,
                      "target": TARGETS.get(scenario, "-"),
                      "calls": sum(r["calls"] for r in items) / len(items),
                      "output_tokens": sum(r["output_tokens"] for r in items) / len(items),
                      "reference_calls": sum(r["reference_calls"] for r in items) / len(items),
                      "reference_output_tokens": sum(r["reference_output_tokens"] for r in items) / len(items),
                      "seconds": sum(r["seconds"] for r in items) / len(items),
                      "detectable_fraction": fractions[len(fractions) // 2] if fractions else None,
                      "median_p": sorted(r["p_value"] for r in items)[len(items) // 2],
                      "met_audits": len(with_met),
                      "met_alarms": sum(met[r["key"]]["met_p_value"] <= 0.05 for r in with_met),
                      "ours_same_audits": sum(r["alarm"] for r in with_met),
                      "ours_mmd_component_alarms": sum(r["tests"]["open_mmd"] <= 0.05 for r in mmd_only),
                      "ours_mmd_component_audits": len(mmd_only)})
    discovery = {}
    for path in sorted(work.glob("discovery-*/discovery/border.json")):
        info = json.loads(path.read_text())
        discovery[path.parts[-3]] = {"candidates": info["candidates"], "samples": info["samples"],
                                     "chosen": len(info["chosen"]), "calls": info["candidates"] * info["samples"],
                                     "seconds": info.get("seconds")}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps({"rows": table, "discovery": discovery}, indent=2) + "\n")
    (RESULTS / f"{args.name}.md").write_text(markdown(table, discovery))
    for row in table:
        print(f"s{row['scale']:g} {row['mode']:16} {row['scenario']:22} {row['alarms']:3}/{row['audits']:<3} "
              f"[{row['ci_low']:.2f}, {row['ci_high']:.2f}] calls {row['calls']:.0f} tokens {row['output_tokens']:.0f} "
              f"p_min {row['detectable_fraction']} MET {row['met_alarms']}/{row['met_audits']}")


def markdown(table: list[dict], discovery: dict) -> str:
    lines = ["# audit verify: power, false alarms and price per mode (bench/verify.py)", "",
             "Measured over HTTP against real llama.cpp `llama-server` instances (one CPU thread each) and the "
             "LiteLLM proxy; each audit records a fresh reference baseline (new seeds) and verifies each target "
             "against it at alpha = 0.05 (single audit). Intervals are Wilson 95%.", "",
             "Read with care:", "",
             "- The models are tiny random-weight models (GPT-2 vocabulary, 64 wide, 2 layers). Random weights "
             "exaggerate quantization effects compared with trained models (no redundancy, no outlier structure "
             "that quantizers are tuned for), so a Q8_0 or Q4_0 that is caught here may be much harder to catch "
             "on a trained model; the weight scale changes how peaked the next-token distribution is (1.0: "
             "peaked, 0.4: flatter), and the results differ between the scales as the tables show.",
             "- llama-server on one thread answers a temperature-0 prompt the same way every time, so the "
             "temperature-0 channel gives the same verdict in every repetition of a scenario; the repetitions "
             "vary the seeds of the sampled channel and the permutation draws. The paired nulls (`null-f16`, "
             "same seeds) are therefore easy; `null-f16-independent` (other seeds) and `mmd` (whose null p-values "
             "spread because two llama-server instances with parallel slots are not bit-identical) exercise the "
             "test's calibration. The false-alarm guarantee itself comes from the exact permutation test.",
             "- MET's permutation p-value counts the shuffles at least as extreme without the observed one "
             "(it can be 0), ours with it (never below 1/(P+1)); MET sees the answers as unicode code points cut "
             "to 64 characters with the prompt index, ours as words.", ""]
    lines += ["## Power and false alarms", "",
              "| scale | mode | scenario | alarms (rate; 95% interval) | target | median p | calls | output tokens |",
              "|---:|---|---|---|---|---:|---:|---:|"]
    for r in table:
        lines.append(f"| {r['scale']:g} | {r['mode']} | {r['scenario']} | {_rate(r['alarms'], r['audits'])} | "
                     f"{r['target']} | {r['median_p']:.3g} | {r['calls']:.0f} | {r['output_tokens']:.0f} |")
    lines += ["", "## Price per audit (target side; the reference is sent the same plan)", "",
              "| scale | mode | target calls | target output tokens | reference calls | reference output tokens | "
              "seconds per target |", "|---:|---|---:|---:|---:|---:|---:|"]
    seen = set()
    for r in table:
        if (r["scale"], r["mode"]) in seen or r["scenario"] != "q4_0":
            continue
        seen.add((r["scale"], r["mode"]))
        lines.append(f"| {r['scale']:g} | {r['mode']} | {r['calls']:.0f} | {r['output_tokens']:.0f} | "
                     f"{r['reference_calls']:.0f} | {r['reference_output_tokens']:.0f} | {r['seconds']:.1f} |")
    for name, d in discovery.items():
        lines.append(f"\nBorder discovery, once per reference ({name}): {d['calls']} one-token calls "
                     f"({d['candidates']} candidates x {d['samples']}), {d['chosen']} prompts kept"
                     + (f", {d['seconds']:.1f} s." if d.get("seconds") else "."))
    lines += ["", "## Mixed routing", "", "| scale | mode | scenario | alarms | detectable share (median, card) |",
              "|---:|---|---|---|---:|"]
    for r in table:
        if r["scenario"].startswith("mix"):
            frac = "-" if r["detectable_fraction"] is None else f"{r['detectable_fraction']:.1%}"
            lines.append(f"| {r['scale']:g} | {r['mode']} | {r['scenario']} | {_rate(r['alarms'], r['audits'])} | {frac} |")
    lines += ["", "## Side by side with Model Equality Testing on identical samples", "",
              "MET's own package (`model-equality-testing` 0.0.2, `run_two_sample_test(stat_type=\"mmd_hamming\", "
              "pvalue_type=\"permutation_pvalue\")`, bench/met_compare.py in bench/.venv-met) on exactly the calls "
              "our audit used (reference and target, every successful call: equal calls and tokens).", "",
              "| scale | mode | scenario | ours (full test) | ours (MMD component alone) | MET MMD-Hamming |",
              "|---:|---|---|---|---|---|"]
    for r in table:
        if r["met_audits"]:
            lines.append(f"| {r['scale']:g} | {r['mode']} | {r['scenario']} | {_rate(r['ours_same_audits'], r['met_audits'])} "
                         f"| {_rate(r['ours_mmd_component_alarms'], r['ours_mmd_component_audits'])} "
                         f"| {_rate(r['met_alarms'], r['met_audits'])} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--scales", type=lambda s: [float(x) for x in s.split(",")], default=[1.0, 0.4])
    parser.add_argument("--modes", type=lambda s: s.split(","), default=["border", "mmd", "mmd-independent"])
    parser.add_argument("--work", default=str(Path.home() / ".cache" / "model-integrity-audit" / "bench-verify"))
    parser.add_argument("--reuse", action="store_true", help="keep earlier results and go on from them")
    parser.add_argument("--summarise-only", action="store_true")
    parser.add_argument("--name", default="verify", help="results file name under bench/results/ (NAME.md, NAME.json)")
    args = parser.parse_args()
    if args.summarise_only:
        summarise(load_results(Path(args.work) / "results.jsonl"), args)
        return
    run(args)


if __name__ == "__main__":
    main()

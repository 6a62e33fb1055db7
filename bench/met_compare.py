"""Model Equality Testing's own two-sample test on the samples bench/verify.py recorded.

Run with the benchmark-only environment (bench/setup-met-venv.sh creates it):

    bench/.venv-met/bin/python bench/met_compare.py [--work DIR] [--permutations 200] [--length 64]

For every audit in <work>/results.jsonl it reads the reference's and the target's recorded answers
(every successful call of the audit: the same calls our test used, so the budget is equal), encodes
them as MET does for API text (unicode code points, `model_equality_testing.utils.tokenize_unicode`,
cut to --length characters), one prompt index per battery prompt and channel, and runs
`model_equality_testing.algorithm.run_two_sample_test` with `stat_type="mmd_hamming"` and its
permutation p-value. Writes <work>/met.jsonl (key -> MET p-value); `python bench/verify.py
--summarise-only` then puts MET's alarms beside ours in bench/results/verify.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # MET's permutation loop draws a progress bar otherwise

import numpy as np
import torch

from model_equality_testing.algorithm import run_two_sample_test
from model_equality_testing.distribution import CompletionSample
from model_equality_testing.utils import tokenize_unicode


def answers(evidence: Path) -> dict[str, str]:
    """Latest successful answer per call key ('<channel>/<prompt>/<repeat>')."""
    out: dict[str, str] = {}
    for line in evidence.read_text().splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("ok") and isinstance(row.get("text"), str):
            out[row["key"]] = row["text"]
    return out


def sample(texts: dict[str, str], prompts: dict[str, int], length: int) -> CompletionSample:
    keys = sorted(texts)
    prompt_ids = np.array([prompts["/".join(k.split("/")[:2])] for k in keys])
    codes = tokenize_unicode([texts[k][:length] or " " for k in keys])
    if codes.shape[1] < length:
        codes = np.pad(codes, ((0, 0), (0, length - codes.shape[1])), constant_values=-1)
    return CompletionSample(prompts=prompt_ids, completions=codes[:, :length], m=len(prompts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", default=str(Path.home() / ".cache" / "model-integrity-audit" / "bench-verify"))
    parser.add_argument("--permutations", type=int, default=200)
    parser.add_argument("--length", type=int, default=64)
    parser.add_argument("--modes", default="border,mmd,mmd-independent", help="which audits to test (comma-separated)")
    parser.add_argument("--scales", default=None, help="only these weight scales (comma-separated)")
    args = parser.parse_args()
    modes = set(args.modes.split(","))
    scales = {float(x) for x in args.scales.split(",")} if args.scales else None
    torch.set_num_threads(1)
    work = Path(args.work)
    rows = [json.loads(line) for line in (work / "results.jsonl").read_text().splitlines() if line.strip()]
    out_path = work / "met.jsonl"
    done = {json.loads(line)["key"] for line in out_path.read_text().splitlines()} if out_path.exists() else set()
    torch.manual_seed(0)
    for row in rows:
        if row["key"] in done or row["mode"] not in modes or (scales and row["scale"] not in scales):
            continue
        base = answers(Path(row["baseline"]) / "evidence.jsonl")
        cur = answers(Path(row["run"]) / "evidence.jsonl")
        prompts = {name: i for i, name in enumerate(sorted({"/".join(k.split("/")[:2]) for k in [*base, *cur]}))}
        started = time.perf_counter()
        p_value, statistic = run_two_sample_test(sample(base, prompts, args.length), sample(cur, prompts, args.length),
                                                 pvalue_type="permutation_pvalue", stat_type="mmd_hamming",
                                                 b=args.permutations)
        result = {"key": row["key"], "met_p_value": float(p_value), "met_statistic": float(statistic),
                  "met_seconds": round(time.perf_counter() - started, 2), "met_permutations": args.permutations,
                  "met_length": args.length, "samples": [len(base), len(cur)]}
        with out_path.open("a") as fh:
            fh.write(json.dumps(result) + "\n")
        print(f"{row['key']}: MET p = {p_value:.3g} ({result['met_seconds']} s)", flush=True)


if __name__ == "__main__":
    main()

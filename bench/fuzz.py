"""Fuzz benchmark (issue 16): generated hostile inputs through the CLI's in-process entry points.

Cases (seeded, reproducible):
  records      shipped disclosure records mutated line by line (hostile scalars, tags, aliases, deep
               nesting, control characters, impossible dates, huge numbers, truncation, BOMs, CRLF, tabs),
               through `audit validate`, `audit score` (table/json/md) and `audit card` (json/md, some html)
  rubrics      the test rubric mutated the same way, through `validate` and `score --rubric`
  fmti         the FMTI fixture report mutated cell by cell (short rows, empty names, odd scores, file
               names), through `audit import fmti`
  run folders  a real run folder (recorded against the reference endpoint) with run.json and
               evidence.jsonl mutated (types, missing keys, torn and junk lines, deep nesting), through
               `audit rescore`
  corpus       every file in tests/fixtures/hostile through validate, score and card
  live         runs against the hostile server (tests/support/hostile_server.py) echoing the API key in
               random encodings and places, and trickling, huge, garbage and reset replies

Counted per case: a crash (an exit code other than 0 and 2, an exception that is not a clean exit, or
"Traceback" in the output), a hang (30 s; the case is interrupted by SIGALRM), a half-written output
(card: some of the asked formats and not all; import: any record left after exit 2; rescore: result.json
changed or a new file after exit 2) and key fragments (8 characters of the key, any case or encoding) in
any file a live run wrote or in its output.

Run: .venv/bin/python bench/fuzz.py [--cases N] [--seed S]  → bench/results/fuzz.md (and fuzz.json)
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from audit.cli.app import app  # noqa: E402
from audit.reference import ReferenceServer  # noqa: E402
from tests.support.hostile_server import ENCODINGS, HostileServer, key_fragments  # noqa: E402

RESULTS = ROOT / "bench" / "results"
HANG_SECONDS = 30
KEY = "sk-fuzz-PLANTED-c0ffee-Key-9876543210"
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
MINI_RUBRIC = ROOT / "tests" / "fixtures" / "mini-rubric.yaml"
MINI_RECORD = ROOT / "tests" / "fixtures" / "mini-record.yaml"
FMTI_REPORT = ROOT / "tests" / "fixtures" / "fmti" / "Example_Labs_fmtransparencyreport_Dec2025.csv"

SCALARS = ["2026-02-30", "2026-13-01", "0000-01-01", "2026-01-01T25:00:00", "!!int x", "!!float y", "!!binary x",
           "9" * 5000, "-" + "9" * 400, "1e999", ".nan", "-.inf", "&a [*a]", "*nowhere", "[" * 2500 + "]" * 2500,
           "{a: " * 300 + "1" + "}" * 300, "\x1b[31mred\x1b[0m", "\x00", "\x07bell", "\u202eevil", "<script>x</script>",
           "| a | b |", "`x`\n\n<img onerror=1>", "[l](javascript:alert(1))", "~", "null", "[]", "{}", "-1", "0x1F",
           "'unterminated", '"\\uD800"', "!!python/object:os.system ['id']", "!!python/name:os.system", "yes", "é" * 3000,
           "x" * 200_000, "?", ":", "- - -", "&x", "\t", "%TAG ! tag:x:", "'''", "\"\\x\"", "> \n  folded", "|-\n  lit"]


@dataclass
class Tally:
    cases: int = 0
    crashes: int = 0
    hangs: int = 0
    half_written: int = 0
    key_fragments: int = 0
    exits: Counter = field(default_factory=Counter)
    by_family: Counter = field(default_factory=Counter)
    family_seconds: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    slowest: tuple[float, str] = (0.0, "")
    examples: list[str] = field(default_factory=list)

    def note(self, kind: str, family: str, detail: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 40:
            self.examples.append(f"{kind} [{family}] {detail}")


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


RUNNER = CliRunner()


def invoke(tally: Tally, family: str, args: list[str], label: str):
    """Run `audit ARGS` in process; count the case; return the result (None on a hang)."""
    tally.cases += 1
    tally.by_family[family] += 1
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    t0 = time.perf_counter()
    try:
        result = RUNNER.invoke(app, args, catch_exceptions=True)
    except Hang:
        tally.note("hangs", family, label)
        return None
    finally:
        signal.alarm(0)
        took = time.perf_counter() - t0
        tally.seconds += took
        tally.family_seconds[family] += took
        if took > tally.slowest[0]:
            tally.slowest = (took, f"[{family}] {label}")
    tally.exits[result.exit_code] += 1
    exc = result.exception
    clean_exit = exc is None or isinstance(exc, SystemExit)
    text = result.stdout + result.stderr
    if result.exit_code not in (0, 2) or not clean_exit or "Traceback" in text:
        detail = label + f": exit {result.exit_code}"
        if exc is not None and not isinstance(exc, SystemExit):
            detail += f", {type(exc).__name__}: {str(exc)[:200]} at " + " / ".join(
                f"{Path(f.filename).name}:{f.lineno}" for f in traceback.extract_tb(exc.__traceback__)[-3:])
        else:
            detail += ": " + " ".join(result.stderr.split())[:200]
        tally.note("crashes", family, detail)
    return result


# --- mutations ---------------------------------------------------------------------------------------

def mutate_yaml(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 4)):
        if not lines:
            lines = [""]
        i = rng.randrange(len(lines))
        op = rng.randrange(10)
        line = lines[i]
        if op <= 2 and ":" in line:
            head = line.split(":", 1)[0]
            lines[i] = f"{head}: {rng.choice(SCALARS)}"
        elif op == 3:
            del lines[i]
        elif op == 4:
            lines.insert(i, line)
        elif op == 5:
            lines[i] = (" " * rng.randint(0, 6)) + line.lstrip()
        elif op == 6:
            lines.insert(i, rng.choice(SCALARS))
        elif op == 7:
            cut = rng.randrange(len(line) + 1)
            lines[i] = line[:cut] + rng.choice(["\x00", "\t", "\x1b", "\ufeff", "\r", "#", "&", "*", "!", "%"]) + line[cut:]
        elif op == 8 and ":" in line:
            head = line.split(":", 1)[0]
            lines[i] = f"{head}: &b {{x: [*b]}}" if rng.random() < 0.3 else f"{head}:\n" + "  " * 2 + "- " * 50 + "1"
        else:
            lines = lines[: rng.randrange(len(lines) + 1)]
    out = "\n".join(lines) + "\n"
    if rng.random() < 0.05:
        out = "\ufeff" + out
    if rng.random() < 0.05:
        out = out.replace("\n", "\r\n")
    return out


def mutate_json(value, rng: random.Random, depth: int = 0):
    if isinstance(value, dict) and value:
        value = dict(value)
        key = rng.choice(list(value))
        op = rng.randrange(6)
        if op == 0:
            del value[key]
        elif op == 1:
            value[key] = rng.choice([None, 0, -1, 1e308, "", "x" * 10_000, [], {}, True, "2026-02-30", "\x1b[2J",
                                     [[[[[]]]]], {"extra": 1}, 10 ** 40])
        elif op == 2:
            value["unexpected_" + str(rng.randrange(9))] = 1
        elif depth < 6:
            value[key] = mutate_json(value[key], rng, depth + 1)
        return value
    if isinstance(value, list) and value:
        value = list(value)
        i = rng.randrange(len(value))
        if rng.random() < 0.3:
            del value[i]
        elif depth < 6:
            value[i] = mutate_json(value[i], rng, depth + 1)
        return value
    return rng.choice([None, 0, "", "x", 3.5, [], {}, value])


def mutate_csv(rows: list[list[str]], rng: random.Random) -> list[list[str]]:
    rows = [list(r) for r in rows]
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(rows))
        op = rng.randrange(7)
        if op == 0:
            rows[i] = rows[i][: rng.randrange(len(rows[i]) + 1)]
        elif op == 1:
            rows[i].append(rng.choice(SCALARS[:30]))
        elif op == 2 and rows[i]:
            rows[i][rng.randrange(len(rows[i]))] = rng.choice(SCALARS[:30] + ["", " ", "2", "0.5", "yes"])
        elif op == 3 and len(rows) > 2:
            del rows[rng.randrange(1, len(rows))]
        elif op == 4:
            rows.insert(i, list(rows[i]))
        elif op == 5 and rows[0]:
            rows[0][rng.randrange(len(rows[0]))] = rng.choice(["", " ", "Score", "Indicator", "\x1b"])
        else:
            rows[i] = [c.replace("\n", "\r") for c in rows[i]]
    return rows


# --- case families -------------------------------------------------------------------------------------

def card_outputs_whole(out: Path, formats: list[str], ok: bool) -> bool:
    files = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    if not ok:
        return not files
    suffixes = {p.suffix.lstrip(".") for p in files}
    return suffixes == set(formats) and not any(p.name.endswith(".tmp") for p in files)


def record_cases(tally: Tally, rng: random.Random, work: Path, n: int, sources: list[Path], family: str,
                 rubric: Path | None = None) -> None:
    for k in range(n):
        source = rng.choice(sources)
        path = work / f"{family}-{k}.yaml"
        path.write_text(mutate_yaml(source.read_text(encoding="utf-8"), rng), encoding="utf-8")
        command = rng.choices(["validate", "score", "card"], weights=[3, 3, 2])[0]
        label = f"{command} mutated {source.name} (case {k})"
        extra = ["--rubric", str(rubric)] if rubric is not None and command != "validate" else []
        if command == "validate":
            invoke(tally, family, ["validate", str(path)] + ([str(rubric)] if rubric else []), label)
        elif command == "score":
            invoke(tally, family, ["score", str(path), "--format", rng.choice(["table", "json", "md"])] + extra, label)
        else:
            out = work / f"card-{family}-{k}"
            formats = ["json", "md"] + (["html"] if rng.random() < 0.15 else [])
            result = invoke(tally, family, ["card", str(path), "--out", str(out), "--formats", ",".join(formats)]
                            + extra, label)
            if result is not None and not card_outputs_whole(out, formats, result.exit_code == 0):
                tally.note("half_written", family, label)
            shutil.rmtree(out, ignore_errors=True)
        path.unlink(missing_ok=True)


def rubric_cases(tally: Tally, rng: random.Random, work: Path, n: int) -> None:
    for k in range(n):
        path = work / f"rubric-{k}.yaml"
        path.write_text(mutate_yaml(MINI_RUBRIC.read_text(encoding="utf-8"), rng), encoding="utf-8")
        if rng.random() < 0.5:
            invoke(tally, "rubrics", ["validate", str(path)], f"validate mutated rubric (case {k})")
        else:
            invoke(tally, "rubrics", ["score", str(MINI_RECORD), "--rubric", str(path), "--format", "json"],
                   f"score with mutated rubric (case {k})")
        path.unlink(missing_ok=True)


def fmti_cases(tally: Tally, rng: random.Random, work: Path, n: int) -> None:
    rows = list(csv.reader(io.StringIO(FMTI_REPORT.read_text(encoding="utf-8-sig"), newline="")))
    names = ["Example_Labs_fmtransparencyreport_Dec2025.csv", "_fmtransparencyreport_Dec2025.csv",
             "X_fmtransparencyreport_May2024.csv", "scores.csv", "???_fmtransparencyreport_Dec2025.csv"]
    for k in range(n):
        folder = work / f"fmti-{k}"
        folder.mkdir()
        path = folder / rng.choice(names)
        buffer = io.StringIO()
        csv.writer(buffer).writerows(mutate_csv(rows, rng) if rng.random() < 0.9 else rows)
        text = buffer.getvalue()
        path.write_bytes(("\ufeff" if rng.random() < 0.5 else "").encode() + text.encode("utf-8"))
        out = work / f"fmti-out-{k}"
        result = invoke(tally, "fmti", ["import", "fmti", str(path), "--out", str(out)], f"import fmti (case {k})")
        if result is not None and result.exit_code != 0 and out.exists() and any(p.is_file() for p in out.rglob("*")):
            tally.note("half_written", "fmti", f"import fmti (case {k}) left records after exit {result.exit_code}")
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def base_run(work: Path) -> Path:
    """One real run folder recorded against the reference endpoint (a small drift battery)."""
    from tests.hostile.conftest import tiny_drift_probe

    probe = tiny_drift_probe(work, repeats=3, prompts=2)
    with ReferenceServer("default") as server:
        result = RUNNER.invoke(app, ["run", str(ROOT / "data" / "disclosures" / "allenai" / "olmo-2-7b.yaml"),
                                     "--endpoint", server.base_url, "--model", "ref-model", "--probes", str(probe),
                                     "--out", str(work / "base"), "--run-id", "base", "--no-history",
                                     "--formats", "json,md"])
    assert result.exit_code == 0, result.output
    return work / "base" / "runs" / "base"


def run_folder_cases(tally: Tally, rng: random.Random, work: Path, n: int, base: Path) -> None:
    spec = json.loads((base / "run.json").read_text())
    evidence = (base / "evidence.jsonl").read_text().splitlines()
    for k in range(n):
        folder = work / f"rescore-{k}"
        shutil.copytree(base, folder)
        what = rng.randrange(5)
        if what == 0:
            (folder / "run.json").write_text(json.dumps(mutate_json(spec, rng)))
        elif what == 1:
            lines = list(evidence)
            i = rng.randrange(len(lines))
            lines[i] = json.dumps(mutate_json(json.loads(lines[i]), rng))
            (folder / "evidence.jsonl").write_text("\n".join(lines) + "\n")
        elif what == 2:
            lines = list(evidence)
            junk = rng.choice(["", "{", "not json", "[1,2]", "null", "{}", "[" * 5000, '{"id": 1}',
                               lines[0][: len(lines[0]) // 2], "\x00" * 10])
            lines.insert(rng.randrange(len(lines) + 1), junk)
            (folder / "evidence.jsonl").write_text("\n".join(lines) + ("\n" if rng.random() < 0.7 else ""))
        elif what == 3:
            (folder / "run.json").write_text(rng.choice(["", "{", "[]", "null", "[" * 100_000 + "]" * 100_000,
                                                        '{"run_id": "x"}', json.dumps(spec)[: rng.randrange(500)]]))
        else:
            target = rng.choice(["evidence.jsonl", "run.json", "baseline.jsonl"])
            (folder / target).unlink(missing_ok=True)
            if rng.random() < 0.5:
                (folder / target).mkdir()
        before = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        result = invoke(tally, "run folders", ["rescore", str(folder), "--no-history", "--formats", "json,md"],
                        f"rescore mutated folder (case {k}, mutation {what})")
        if result is not None and result.exit_code != 0:
            after = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
            if after != before:
                tally.note("half_written", "run folders", f"rescore case {k} changed files after exit {result.exit_code}")
        shutil.rmtree(folder, ignore_errors=True)


def corpus_cases(tally: Tally, work: Path) -> int:
    files = sorted(p for p in HOSTILE.iterdir() if p.suffix in (".yaml", ".yml"))
    for path in files:
        for command in ("validate", "score", "card"):
            out = work / "corpus-card"
            args = [command, str(path)] + (["--out", str(out), "--formats", "json,md"] if command == "card" else [])
            result = invoke(tally, "corpus", args, f"{command} {path.name}")
            if result is not None and result.exit_code != 2:
                tally.note("crashes", "corpus", f"{command} {path.name}: exit {result.exit_code}, expected 2")
            if command == "card" and out.exists() and any(out.iterdir()):
                tally.note("half_written", "corpus", f"card {path.name} wrote files")
            shutil.rmtree(out, ignore_errors=True)
    return len(files)


def live_cases(tally: Tally, rng: random.Random, work: Path, n: int) -> None:
    from tests.hostile.conftest import tiny_drift_probe

    os.environ["FUZZ_KEY"] = KEY
    probe = tiny_drift_probe(work, repeats=2, prompts=2)
    places = ["json-error", "text", "html", "reply", "model"]
    others = ["ok", "garbage", "reset", "redirect", "huge:300000", "huge-chunked:300000", "trickle:0.05"]
    target = work / "live-target.yaml"
    with HostileServer() as server:
        target.write_text(f"model: m\nbase_url: {server.base_url}\nmax_attempts: 2\nread_timeout: 2\n"
                          "call_deadline: 2\nmax_response_bytes: 100000\napi_key_env: FUZZ_KEY\n")
        for k in range(n):
            behaviours = [f"echo:{rng.choice(sorted(ENCODINGS))}:{rng.choice(places)}" if rng.random() < 0.7
                          else rng.choice(others) for _ in range(12)]
            server.queue(*behaviours)
            out = work / f"live-{k}"
            result = invoke(tally, "live", ["run", str(ROOT / "data" / "disclosures" / "allenai" / "olmo-2-7b.yaml"),
                                            "--target", str(target), "--probes", str(probe), "--out", str(out),
                                            "--no-history", "--formats", "json,md", "--concurrency", "4"],
                            f"live run {k}: {', '.join(sorted(set(behaviours)))[:200]}")
            with server._lock:
                server._queue.clear()
            leaked = [] if result is None else key_fragments(result.stdout + result.stderr, KEY)
            for path in (p for p in out.rglob("*") if p.is_file()):
                leaked += key_fragments(path.read_bytes(), KEY)
            if leaked:
                tally.note("key_fragments", "live", f"live run {k}: {sorted(set(leaked))[:3]}")
            shutil.rmtree(out, ignore_errors=True)


# --- report --------------------------------------------------------------------------------------------

def write_report(tally: Tally, args, corpus_files: int, wall: float) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {"seed": args.seed, "cases": tally.cases, "corpus_files": corpus_files, "crashes": tally.crashes,
            "hangs": tally.hangs, "half_written": tally.half_written, "key_fragments": tally.key_fragments,
            "exit_codes": dict(sorted(tally.exits.items())), "by_family": dict(tally.by_family),
            "wall_seconds": round(wall, 1), "case_seconds": round(tally.seconds, 1),
            "slowest_case": {"seconds": round(tally.slowest[0], 2), "case": tally.slowest[1]},
            "examples": tally.examples, "python": platform.python_version(), "cpus": os.cpu_count()}
    (RESULTS / "fuzz.json").write_text(json.dumps(data, indent=2) + "\n")
    lines = ["# Fuzz benchmark (issue 16)", "",
             f"`.venv/bin/python bench/fuzz.py --cases {args.cases} --seed {args.seed}` on "
             f"{platform.machine()} with {os.cpu_count()} CPUs (shared with other work), Python {platform.python_version()}.",
             "Every case runs a command in process through the CLI's own entry point (Typer's runner, the "
             "commands' error guard included). See the docstring of bench/fuzz.py for the case families.", "",
             "| measure | value |", "|---|---:|",
             f"| generated cases and corpus runs | {tally.cases:,} |",
             f"| hostile corpus files (validate, score, card each) | {corpus_files} |",
             f"| crashes (exit not 0/2, an exception, or a traceback) | {tally.crashes} |",
             f"| hangs (over {HANG_SECONDS} s) | {tally.hangs} |",
             f"| half-written outputs | {tally.half_written} |",
             f"| key fragments (8 characters, any case or encoding) in files or output | {tally.key_fragments} |",
             f"| wall time | {wall:.0f} s |",
             f"| slowest case | {tally.slowest[0]:.2f} s ({tally.slowest[1][:80]}) |", "",
             "| family | cases | seconds |", "|---|---:|---:|"]
    lines += [f"| {name} | {count:,} | {tally.family_seconds[name]:.0f} |" for name, count in tally.by_family.most_common()]
    lines += ["", "| exit code | cases |", "|---|---:|"]
    lines += [f"| {code} | {count:,} |" for code, count in sorted(tally.exits.items())]
    if tally.examples:
        lines += ["", "## Problems found", ""] + [f"- {e}" for e in tally.examples]
    lines.append("")
    (RESULTS / "fuzz.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000, help="generated cases (besides corpus and live runs)")
    parser.add_argument("--live", type=int, default=40, help="live runs against the hostile server")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--no-write", action="store_true", help="print the figures, write no result file")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tally = Tally()
    records = sorted((ROOT / "data" / "disclosures").rglob("*.yaml"))
    os.environ.setdefault("AUDIT_HISTORY_DB", "/nonexistent/fuzz-history.sqlite")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="audit-fuzz-") as tmp:
        work = Path(tmp)
        old = Path.cwd()
        os.chdir(work)
        try:
            share = {"records": 0.5, "rubrics": 0.15, "fmti": 0.15, "run folders": 0.2}
            record_cases(tally, rng, work, int(args.cases * share["records"]), records, "records")
            rubric_cases(tally, rng, work, int(args.cases * share["rubrics"]))
            fmti_cases(tally, rng, work, int(args.cases * share["fmti"]))
            base = base_run(work)
            run_folder_cases(tally, rng, work, args.cases - tally.cases, base)
            corpus_files = corpus_cases(tally, work)
            live_cases(tally, rng, work, args.live)
        finally:
            os.chdir(old)
    wall = time.perf_counter() - t0
    print(dict(tally.by_family), {k: round(v, 1) for k, v in tally.family_seconds.items()})
    print(f"{tally.cases} cases, {tally.crashes} crashes, {tally.hangs} hangs, {tally.half_written} half-written, "
          f"{tally.key_fragments} key fragments, {wall:.0f} s")
    for example in tally.examples:
        print("  " + example)
    if not args.no_write:
        write_report(tally, args, corpus_files, wall)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()

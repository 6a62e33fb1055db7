"""Benchmark of the card's PDF (issue 12): WeasyPrint time for a full integrity-v1 card, before and after.

Two cards: the seed record (data/disclosures/openai/gpt-5.4-mini.yaml) and a live-audit card of the
same record, produced offline by `audit run` against the in-process reference endpoint (HTML only).
Each card's HTML is printed with the shipped stylesheet ("after") and with the stylesheet of a
baseline git revision swapped in ("before"; BASELINE below, overridable as argv[1]):
  warm: REPEATS renders in this process after one untimed render; median wall, CPU and s/page;
  cold: COLD_REPEATS fresh Python processes that import WeasyPrint and render once, as `audit card`.
Wall times depend on the machine's load: the load average at the start is written beside them.
Run: .venv/bin/python bench/pdf_render.py [BASELINE]  → bench/results/pdf_render.json and .md
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.render.pdf import html_to_pdf  # noqa: E402

RECORD = "data/disclosures/openai/gpt-5.4-mini.yaml"
BASELINE = "7d3412214f3baa0f3d39ddd85f5cd883a2217a3b"  # card.css before the PDF speed-up
REPEATS, COLD_REPEATS = 3, 3
COLD = """
import sys, time
t = time.perf_counter()
from audit.render.pdf import html_to_pdf
html_to_pdf(open(sys.argv[1], encoding="utf-8").read())
print(time.perf_counter() - t)
"""


def with_stylesheet(html: str, css: str) -> str:
    """The card's HTML with its inlined stylesheet replaced."""
    return re.sub(r"<style>.*?</style>", lambda _: f"<style>\n{css}\n</style>", html, count=1, flags=re.S)


def seed_card_html() -> str:
    from audit.render.html import result_html
    from audit.runtime.sections import probe_sections
    from audit.scoring.pipeline import score_record

    result = score_record(ROOT / RECORD, None)
    return result_html(result, probe_sections(result, history=None))


def live_card_html(folder: Path) -> str:
    """A live audit of the seed record against the reference endpoint (offline, 127.0.0.1)."""
    from typer.testing import CliRunner

    from audit.cli.app import app
    from audit.reference import ReferenceServer

    with ReferenceServer("default") as server:
        res = CliRunner().invoke(app, ["run", str(ROOT / RECORD), "--endpoint", server.base_url,
                                       "--model", "gpt-5.4-mini", "--out", str(folder), "--run-id", "bench",
                                       "--no-history", "--formats", "html"])
    if res.exit_code != 0:
        raise SystemExit(f"audit run failed:\n{res.output}")
    [path] = (folder / "runs" / "bench" / "card").glob("*.html")
    return path.read_text(encoding="utf-8")


def pages(html: str) -> int:
    from weasyprint import HTML

    from audit.render.pdf import _refusing_fetcher
    return len(HTML(string=html, url_fetcher=_refusing_fetcher()).render().pages)


def warm(html: str) -> dict:
    n = pages(html)  # also the untimed first render
    walls, cpus = [], []
    for _ in range(REPEATS):
        w, c = time.perf_counter(), time.process_time()
        html_to_pdf(html)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    wall = statistics.median(walls)
    return {"pages": n, "wall_s": round(wall, 3), "cpu_s": round(statistics.median(cpus), 3),
            "s_per_page": round(wall / n, 3), "wall_s_all": [round(x, 3) for x in walls]}


def cold(path: Path) -> dict:
    walls = []
    for _ in range(COLD_REPEATS):
        out = subprocess.run([sys.executable, "-c", COLD, str(path)], capture_output=True, text=True, cwd=ROOT,
                             check=True)
        walls.append(float(out.stdout.strip().splitlines()[-1]))
    return {"wall_s": round(statistics.median(walls), 3), "wall_s_all": [round(x, 3) for x in walls]}


def main() -> None:
    baseline = sys.argv[1] if len(sys.argv) > 1 else BASELINE
    before_css = subprocess.run(["git", "show", f"{baseline}:reports/static/card.css"], capture_output=True,
                                text=True, cwd=ROOT, check=True).stdout
    load = os.getloadavg()
    cases = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, html in (("seed card", seed_card_html()), ("live-audit card", live_card_html(tmp / "live"))):
            css = re.search(r"<style>\n(.*?)\n</style>", html, re.S).group(1)
            case = {}
            for label, sheet in (("before", before_css), ("after", css)):
                page = with_stylesheet(html, sheet)
                path = tmp / f"{name.replace(' ', '-')}-{label}.html"
                path.write_text(page, encoding="utf-8")
                case[label] = {"warm": warm(page), "cold": cold(path)}
            cases[name] = case
    results = {"generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
               "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                           "weasyprint": __import__("weasyprint").__version__,
                           "load_average_at_start": [round(x, 2) for x in load]},
               "record": RECORD, "baseline": baseline, "repeats": REPEATS, "cold_repeats": COLD_REPEATS,
               "cases": cases}
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pdf_render.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "pdf_render.md").write_text(markdown(results))
    print(markdown(results))


def markdown(r: dict) -> str:
    m = r["machine"]
    lines = ["# Card PDF rendering (WeasyPrint)", "",
             f"Generated {r['generated_at']} on {m['cpus']} CPUs (load average at start "
             f"{', '.join(map(str, m['load_average_at_start']))}), Python {m['python']}, WeasyPrint "
             f"{m['weasyprint']}, by `bench/pdf_render.py`. Record `{r['record']}`; \"before\" is the same HTML "
             f"with `reports/static/card.css` of `{r['baseline'][:10]}`. Warm: median of {r['repeats']} renders "
             f"in one process; cold: median of {r['cold_repeats']} fresh processes (import WeasyPrint + render, as "
             "`audit card` does).", "",
             "| card | pages | stylesheet | warm wall | warm CPU | s / page | cold wall |",
             "|---|---|---|---|---|---|---|"]
    for name, case in r["cases"].items():
        for label in ("before", "after"):
            w, c = case[label]["warm"], case[label]["cold"]
            lines.append(f"| {name} | {w['pages']} | {label} | {w['wall_s']} s | {w['cpu_s']} s | {w['s_per_page']} s "
                         f"| {c['wall_s']} s |")
    lines.append("")
    for name, case in r["cases"].items():
        b, a = case["before"], case["after"]
        lines.append(f"- {name}: warm {b['warm']['wall_s']} → {a['warm']['wall_s']} s "
                     f"({b['warm']['wall_s'] / a['warm']['wall_s']:.1f}× faster), cold {b['cold']['wall_s']} → "
                     f"{a['cold']['wall_s']} s; all warm walls after: {', '.join(map(str, a['warm']['wall_s_all']))} s.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

"""The provider card and the provider comparison over HTTP: `audit run --rubric provider-v1` with the serving,
identity and tokenizer probes against reference endpoints writes a card titled for the endpoint, and
`audit compare` of three endpoints serving one model (two honest, one faulty) ranks the faulty one last with
its failing indicators marked in the heatmap."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import yaml
from typer.testing import CliRunner

from audit.cli.app import app
from audit.probes.registry import find_probe
from audit.reference import ReferenceServer
from tests.support.personas import DECLARED_NAME, DECLARED_VENDOR, persona_profile

PROBES = "identity-consistency,tokenizer-integrity,serving-integrity"


def persona() -> dict:
    """The identity persona that answers the identity battery as the declared model, in every language."""
    return persona_profile("consistent", find_probe("identity-consistency").params)["persona"]


def write_record(tmp: Path, rubric: str = "integrity-v1") -> Path:
    """A record of the reference model (written for any rubric: provider-v1 reads only the model and its
    declared facts)."""
    path = tmp / f"record-{rubric}.yaml"
    path.write_text(yaml.safe_dump({
        "rubric": rubric,
        "model": {"vendor": DECLARED_VENDOR, "name": DECLARED_NAME, "api_id": "reference-model",
                  "price": {"input_per_million": 1.0, "output_per_million": 4.0}},
        "declared": {"context_window": 8192, "tokenizer": "o200k_base", "vocabulary_size": 200019},
        "assessment": {"assessor": "someone", "audit_note": "A note about the model's disclosures."},
        "indicators": {}}))
    return path


def audit_endpoint(tmp: Path, server: ReferenceServer, run_id: str, record: Path, formats: str = "html,json,md"):
    res = CliRunner().invoke(app, ["run", str(record), "--rubric", "provider-v1", "--endpoint", server.base_url,
                                   "--model", "reference-model", "--probes", PROBES, "--out", str(tmp / "out"),
                                   "--run-id", run_id, "--no-history", "--formats", formats])
    assert res.exit_code == 0, res.output
    return tmp / "out" / "runs" / run_id


def test_provider_card_is_titled_for_the_endpoint(tmp_path):
    with ReferenceServer("serving", persona=persona()) as server:
        folder = audit_endpoint(tmp_path, server, "honest", write_record(tmp_path))
        host = server.base_url.split("//")[1].split("/")[0]
    result = json.loads((folder / "result.json").read_text())
    assert result["rubric"]["id"] == "provider-v1" and result["rubric"]["subject"] == "endpoint"
    assert result["target"]["requested_model"] == "reference-model" and result["target"]["provider"] == "openai"
    # the record's own assessment speaks of the model's disclosures, not of this endpoint
    assert result["audit_note"] is None and result["assessor"] is None
    decided = {i["id"]: i["state"] for d in result["domains"] for c in d["criteria"] for i in c["indicators"]}
    assert {k: v for k, v in decided.items() if v != "awarded"} == {
        # decided only for a model the tokenizer catalog knows, and for a request profile with efforts
        "no-substitution": "not_assessed", "reasoning-effort": "not_assessed", "reasoning-tokens": "not_assessed",
        # decided only by audit verify (a comparison with a reference endpoint)
        "reference-equal": "not_assessed"}
    # without a verification its 10 points are not assessed (0, and lower coverage): an honest endpoint
    # audited without audit verify tops out below A (90%)
    assert result["grade"] == "B"

    [html] = (folder / "card").glob("*.html")
    [md] = (folder / "card").glob("*.md")
    assert html.name.startswith(host.replace(":", "-").replace(".", "-") + "-") or host.split(":")[0] in html.name
    page = unescape(html.read_text())
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert title == f"{DECLARED_VENDOR} {DECLARED_NAME} at {host} — Provider Serving Rubric provider card"
    assert "Provider card" in page and f">{host}</h1>" in page and "OpenAI Chat Completions" in page
    assert "A note about the model" not in page and "someone" not in page
    assert "not a finding against the endpoint" in page
    for text in (page, md.read_text()):
        assert "Serving integrity (serving-integrity)" in text and "No silent truncation" in text
    head = md.read_text().split("## Domains")[0]
    assert head.startswith(f"# {host}") and "provider card" in head and "**Model requested:** `reference-model`" in head


def test_compare_ranks_the_faulty_provider_last(tmp_path):
    record = write_record(tmp_path, "provider-v1")
    folders = {}
    for run_id, profile, seed in (("honest-a", "serving", 1), ("honest-b", "serving", 2),
                                  ("faulty", "serving-malformed-tool-arguments", 3)):
        with ReferenceServer(profile, persona=persona(), seed=seed) as server:
            folders[run_id] = (audit_endpoint(tmp_path, server, run_id, record, "json"),
                               server.base_url.split("//")[1].split("/")[0])
    res = CliRunner().invoke(app, ["compare", *(str(f) for f, _ in folders.values()), "--out", str(tmp_path / "cmp"),
                                   "--no-pdf"])
    assert res.exit_code == 0, res.output
    page = unescape((tmp_path / "cmp" / "compare.html").read_text())
    assert f"Provider Serving Rubric: 3 endpoints compared serving {DECLARED_VENDOR} {DECLARED_NAME}" in page
    assert "<th>Provider</th><th>Model requested</th>" in page

    ranking = page.split("<h2>Ranking</h2>")[1].split("</table>")[0]
    hosts = re.findall(r'<td class="vendor">(.*?)</td>', ranking)
    assert hosts[-1] == folders["faulty"][1] and set(hosts[:2]) == {folders["honest-a"][1], folders["honest-b"][1]}

    # the faulty endpoint's column (the last) marks its failing tool-call indicators as not met
    faulty = json.loads((folders["faulty"][0] / "result.json").read_text())
    failing = [i["title"] for d in faulty["domains"] for c in d["criteria"] for i in c["indicators"]
               if i["state"] == "missed"]
    assert "Arguments are JSON" in failing  # (the schema check rests on parsed arguments: not assessed)
    heat = page.split("Indicators by domain and subdomain")[1]
    for title in failing:
        row = re.search(rf'<th class="label">{re.escape(title)}</th>(.*?)</tr>', heat, re.S).group(1)
        cells = re.findall(r'<td class="(\w+)" title="([^"]*)"', row)
        assert cells[-1][0] == "missed" and cells[-1][1].startswith(folders["faulty"][1])
        assert [state for state, _ in cells[:2]] == ["awarded", "awarded"]
        assert re.search(r'<td class="missed" title="[^"]*">✕</td>', row)  # marked, not just a paler cell
    css = (Path(__file__).parents[2] / "reports" / "static" / "compare.css").read_text()
    assert "td.missed { background: #f6dedb; color: #8e2a22; }" in css  # the card's missed red

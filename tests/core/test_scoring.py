"""Table-driven: disclosure statuses and probe findings → indicator points."""

from __future__ import annotations

import json

import pytest

from audit.schema.disclosure import IndicatorDisclosure
from audit.schema.finding import Finding
from audit.schema.rubric import Indicator
from audit.scoring.score import score_indicator

DISCLOSURE = Indicator(id="d", title="D", definition="Q?", threshold="T", points=3,
                       levels=[{"id": "some", "points": 1, "threshold": "Some."}])
PROBED = Indicator(id="p", title="P", definition="Q?", threshold="T", points=4,
                   levels=[{"id": "half", "points": 2, "threshold": "Half."}],
                   evidence={"probe": "identity", "check": "self-identification",
                             "on_partial": "half", "disclosure_fallback": 3})
PROBED_NO_FALLBACK = Indicator(id="q", title="Q", definition="Q?", threshold="T", points=2,
                               evidence={"probe": "drift", "check": "behaviour-stable"})


def entry(status, level=None):
    return IndicatorDisclosure(status=status, level=level)


def finding(outcome, check="self-identification", kind="identity"):
    return Finding(probe_id="battery", kind=kind, check=check, outcome=outcome, message=f"{outcome} msg")


@pytest.mark.parametrize("indicator, disclosure, findings, points, state, basis", [
    (DISCLOSURE, entry("disclosed"), [], 3, "awarded", "disclosure"),
    (DISCLOSURE, entry("partial", "some"), [], 1, "partial", "disclosure"),
    (DISCLOSURE, entry("third_party", "some"), [], 1, "partial", "disclosure"),
    (DISCLOSURE, entry("third_party"), [], 0, "missed", "disclosure"),
    (DISCLOSURE, entry("not_disclosed"), [], 0, "missed", "disclosure"),
    (DISCLOSURE, None, [], None, "not_assessed", "none"),
    # probe decides, whatever the disclosure says
    (PROBED, entry("disclosed"), [finding("pass")], 4, "awarded", "probe"),
    (PROBED, entry("disclosed"), [finding("partial")], 2, "partial", "probe"),
    (PROBED, entry("disclosed"), [finding("fail")], 0, "missed", "probe"),
    # the worst decisive finding wins
    (PROBED, None, [finding("pass"), finding("fail")], 0, "missed", "probe"),
    # findings for other checks or kinds are ignored
    (PROBED, None, [finding("fail", check="served-model")], None, "not_assessed", "none"),
    (PROBED, None, [finding("fail", kind="drift")], None, "not_assessed", "none"),
    # no decisive finding: disclosure fallback, capped
    (PROBED, entry("disclosed"), [], 3, "partial", "disclosure_fallback"),
    (PROBED, entry("disclosed"), [finding("error")], 3, "partial", "disclosure_fallback"),
    (PROBED, entry("partial", "half"), [finding("not_available")], 2, "partial", "disclosure_fallback"),
    (PROBED, None, [], None, "not_assessed", "none"),
    (PROBED_NO_FALLBACK, entry("disclosed"), [], None, "not_assessed", "none"),
    (PROBED_NO_FALLBACK, None, [finding("pass", check="behaviour-stable", kind="drift")], 2, "awarded", "probe"),
])
def test_indicator_points(indicator, disclosure, findings, points, state, basis):
    result = score_indicator(indicator, disclosure, findings)
    assert (result.points, result.state, result.basis) == (points, state, basis)


def test_not_assessed_reason_names_the_probe_error():
    result = score_indicator(PROBED_NO_FALLBACK, None,
                             [finding("error", check="behaviour-stable", kind="drift")])
    assert result.points is None
    assert "error: error msg" in result.reason


def test_fixture_record_scores_and_cli_exit_codes(cli, tmp_path):
    done = cli("score", "tests/fixtures/mini-record.yaml", "--rubric", "tests/fixtures/mini-rubric.yaml",
               "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["total"], result["grade"], result["coverage"]) == (2, "F", 100.0)
    (criterion,) = result["domains"][0]["criteria"]
    assert [(i["id"], i["points"], i["basis"]) for i in criterion["indicators"]] == [
        ("arch-family", 1, "disclosure"), ("arch-probe", 1, "disclosure_fallback")]

    bad = tmp_path / "bad.yaml"
    bad.write_text("rubric: mini\nmodel: [\n", encoding="utf-8")
    done = cli("score", str(bad), "--rubric", "tests/fixtures/mini-rubric.yaml")
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {bad}:")
    assert "Traceback" not in done.stderr
    done = cli("score", "tests/fixtures/mini-record.yaml", "--format", "xml")
    assert done.returncode == 2 and "unknown format 'xml'" in done.stderr


def test_validate_folder_skips_probe_data_files(cli):
    done = cli("validate", "probes/tokenizer")
    assert done.returncode == 0, done.stderr
    assert "_catalog.yaml" not in done.stdout and "tokenizer-integrity" in done.stdout

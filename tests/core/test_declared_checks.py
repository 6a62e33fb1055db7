"""Check names live in each kind's def.yaml: kinds are discovered from them, rubrics are checked against
them, and what a kind emits (checks and the types of their values) must be what it declares."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from audit.cli.app import app
from audit.core.errors import InputError
from audit.probes import registry
from audit.probes.base import PlannedCall, ProbeDefinition, ProbeKind, TargetContext
from audit.probes.declaration import KindDeclaration, load_declaration, value_problems
from audit.probes.evaluate import evaluate_probes
from audit.schema.base import Strict
from audit.schema.disclosure import DeclaredFacts, ModelIdentity
from audit.schema.evidence import ChatRequest, Exchange, Message
from audit.schema.finding import Finding
from audit.scoring.rubrics import load_rubric
from tests.support.identity_sim import reference_target

PROBES = Path(registry.__file__).resolve().parent
RUBRIC = Path(__file__).resolve().parents[1] / "fixtures" / "mini-rubric.yaml"


def assert_declared(findings: list[Finding]) -> None:
    problems = [f"{f.probe_id}: {p}" for f in findings for p in value_problems(registry.declaration(f.kind), f)]
    assert not problems, "\n".join(problems)


def test_kinds_are_the_folders_with_a_def_yaml():
    folders = sorted(p.parent.name for p in PROBES.glob("*/def.yaml"))
    assert folders == ["drift", "identity", "serving", "tokenizer"]
    assert sorted(registry.declarations()) == folders == sorted(registry.kinds())
    for name, decl in registry.declarations().items():
        assert decl.name == name and decl.checks and all(c.title for c in decl.checks.values())
        assert registry.kinds()[name].kind == name


def test_a_def_yaml_with_an_unknown_key_is_rejected_with_file_and_line(tmp_path):
    path = tmp_path / "def.yaml"
    path.write_text("name: x\ndescription: One line.\nchecks:\n  a-check:\n    title: A\n    colour: red\n")
    with pytest.raises(InputError) as err:
        load_declaration(path)
    [problem] = err.value.problems
    assert problem.file == str(path) and problem.line == 6 and "colour" in problem.field


def test_a_def_yaml_value_type_must_be_known(tmp_path):
    path = tmp_path / "def.yaml"
    path.write_text("name: x\ndescription: One line.\nchecks:\n  a-check:\n    title: A\n    values: {n: integer}\n")
    with pytest.raises(InputError):
        load_declaration(path)


def _misspelt_rubric(tmp_path: Path, probe: str, check: str) -> Path:
    data = yaml.safe_load(RUBRIC.read_text())
    indicator = data["domains"][0]["criteria"][0]["indicators"][0]
    indicator["evidence"] = {"probe": probe, "check": check}
    path = tmp_path / "typo-rubric.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_validate_rejects_a_misspelt_check_with_file_line_field_and_the_declared_checks(tmp_path):
    path = _misspelt_rubric(tmp_path, "identity", "self-identificaton")
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "self-identificaton" in text)
    assert f"{path.name}:{line}" in out.replace(str(path.parent) + "/", "")
    assert "evidence.check" in out and "self-identificaton" in out
    for check in registry.declared_checks("identity"):
        assert check in out
    assert "Traceback" not in res.output


def test_validate_rejects_an_unknown_probe_kind(tmp_path):
    path = _misspelt_rubric(tmp_path, "identiy", "self-identification")
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    assert "evidence.probe" in out and "unknown probe kind 'identiy'" in out
    assert "drift, identity, serving, tokenizer" in out


def test_every_shipped_rubric_names_only_declared_checks():
    for rubric_id in ("integrity-v1",):
        rubric = load_rubric(rubric_id).rubric  # loading checks every probe indicator
        asked = {(i.probe.probe, i.probe.check) for i in rubric.indicators() if i.probe}
        assert asked and all(check in registry.declared_checks(kind) for kind, check in asked)


# --- a kind that emits a check it did not declare -------------------------------------------------------

class _Params(Strict):
    emit: str


class _Loose(ProbeKind):
    kind = "loose"
    Params = _Params

    def next_calls(self, target, done):
        return [] if "k" in done else [PlannedCall("k", ChatRequest(messages=[Message(role="user", content="hi")]))]

    def evaluate(self, target, done):
        return [self.finding(self.params.emit, "pass", "fine")]


@pytest.fixture
def loose_kind():
    decl = KindDeclaration(name="loose", description="Emits what it is told.",
                           checks={"declared-check": {"title": "Declared"}})
    yield registry.register(_Loose, decl)
    registry.unregister("loose")


def _exchange(probe_id: str, key: str) -> Exchange:
    return Exchange(id=f"{probe_id}/{key}", run_id="r", probe_id=probe_id, key=key, provider="openai",
                    endpoint="http://127.0.0.1:1", model="m", request=ChatRequest(messages=[Message(role="user",
                                                                                                    content="hi")]),
                    wire_request={}, status=200, response={}, text="hello", ok=True,
                    started_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), elapsed_ms=1.0)


def test_a_finding_of_an_undeclared_check_is_an_error(loose_kind):
    rubric = load_rubric("integrity-v1").rubric
    target = TargetContext(provider="openai", model="m", identity=ModelIdentity(vendor="v", name="m"),
                           declared=DeclaredFacts())
    good = loose_kind(ProbeDefinition(id="good", kind="loose", description="d"), _Params(emit="declared-check"))
    bad = loose_kind(ProbeDefinition(id="bad", kind="loose", description="d"), _Params(emit="undeclared-check"))
    latest = {ex.id: ex for ex in (_exchange("good", "k"), _exchange("bad", "k"))}
    findings = evaluate_probes([good, bad], target, latest, rubric)
    assert [(f.probe_id, f.check, f.outcome) for f in findings if f.probe_id == "good"] == \
        [("good", "declared-check", "pass")]
    [failed] = [f for f in findings if f.probe_id == "bad"]
    assert failed.outcome == "error" and "undeclared-check" in failed.message and "declared-check" in failed.message


def test_a_kind_without_a_declaration_cannot_register():
    class Nameless(_Loose):
        kind = "nameless"

    with pytest.raises(ValueError, match="no def.yaml"):
        registry.register(Nameless)


# --- what the shipped kinds emit, over evidence recorded from the reference endpoint ----------------

def _collect(probe, server, target, tmp_path, run_id):
    from audit.providers import OpenAIChat
    from audit.runtime.collect import collect_into

    (state,), _ = collect_into(tmp_path / f"{run_id}.jsonl", OpenAIChat, server.base_url, target.model, [probe],
                               target, run_id=run_id, concurrency=4)
    assert not state.error
    return state.done


@pytest.mark.parametrize("profile", ["default", "impostor"])
def test_identity_and_tokenizer_findings_are_declared_with_their_value_types(tmp_path, profile):
    from audit.reference import ReferenceServer

    target = reference_target()
    findings = []
    with ReferenceServer(profile) as server:
        for probe_id in ("identity-consistency", "tokenizer-integrity"):
            probe = registry.find_probe(probe_id)
            done = _collect(probe, server, target, tmp_path, probe_id)
            findings += probe.evaluate(target, done)
    assert {f.kind for f in findings} == {"identity", "tokenizer"}
    assert_declared(findings)
    assert_declared(registry.find_probe("identity-consistency").evaluate(target, {}))  # nothing recorded: n = 0
    assert_declared(registry.find_probe("tokenizer-integrity").evaluate(target, {}))


def test_drift_findings_are_declared_with_their_value_types(tmp_path):
    from audit.reference import ReferenceServer

    probe = registry.find_probe("drift-core")
    plain = reference_target()
    with ReferenceServer("default") as server:
        base = _collect(probe, server, plain, tmp_path, "base")
        current = _collect(probe, server, plain, tmp_path, "current")
    compared = TargetContext(provider=plain.provider, model=plain.model, identity=plain.identity,
                             declared=plain.declared, extra={"drift_baseline": list(base.values()), "run_id": "c"})
    # audit verify: the same comparison against another endpoint's answers emits reference-match.
    verified = dataclasses.replace(compared, extra={**compared.extra, "verify_reference": "ref-model at a reference",
                                                                     "verify_date": "2026-12-02"})
    findings = probe.evaluate(compared, current) + probe.evaluate(plain, current) + probe.evaluate(verified, current)
    assert {f.check for f in findings} == set(registry.declared_checks("drift"))
    assert any("verdict" in f.values for f in findings)
    assert_declared(findings)

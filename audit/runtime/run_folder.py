"""Run folders: `<out>/runs/<run-id>/` holds everything a run made, and enough to score it again.

    evidence.jsonl   every exchange, one JSON object per line (see audit.runtime.evidence)
    run.json         what was run: target (no secret), probe definitions, rubric, record path + sha256,
                     created time (which is also the result's `generated_at`)
    result.json      the scored result, with the evidence file's sha256
    findings.json    the probes' findings
    card/            the report card (HTML, PDF, JSON, Markdown)
    baseline.jsonl   (drift runs only) the baseline's evidence the drift probe compares with

`score_run` derives findings and the result from run.json and the evidence alone, so a run and a
later `audit rescore` of its folder produce the same result.json byte for byte.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from pydantic import Field

from audit import __version__
from audit.core.atomic import write_all_atomic, write_text_atomic
from audit.core.content import file_sha256
from audit.scoring.rubrics import rubric_path
from audit.core.errors import ContentNotFound, InputError, Problem
from audit.core.slug import slugify
from audit.probes.evaluate import evaluate_probes
from audit.runtime.evidence import EvidenceLog, evidence_sha256, latest
from audit.scoring.pipeline import score_record
from audit.probes.base import ProbeDefinition, ProbeKind, TargetContext
from audit.probes.registry import build_probe
from audit.scoring.records import LoadedRecord, load_record
from audit.render.card import CARD_FORMATS, card_files
from audit.render.json import result_json
from audit.schema.base import Slug, Strict
from audit.schema.finding import Finding
from audit.schema.result import AuditResult
from audit.core.yamlio import LineMap, validate_model

__all__ = ["RunFolder", "RunSpec", "RunTarget", "FileRef", "new_run_id", "score_run", "write_outputs",
           "target_context", "RUN_SCHEMA_VERSION"]

RUN_SCHEMA_VERSION = "1"


class RunTarget(Strict):
    provider: str
    model: str
    endpoint: str = Field(description="base URL without credentials, query or fragment")
    api_key_env: str | None = Field(default=None, description="the variable's name only")
    request_profile: str | None = Field(default=None, description="the request profile its calls followed")
    reasoning_effort: str | None = Field(default=None, description="the reasoning effort they were sent with")
    reasoning_efforts: list[str] | None = Field(default=None, description=(
        "every effort the run covered, reasoning_effort first, when it covered several"))

    def rules(self):
        """The request rules recorded with the run (None before profiles existed, or none matched)."""
        if self.request_profile is None:
            return None
        from audit.runtime.request_profiles import find_request_profile
        from audit.schema.request_profile import RequestRules

        profile = find_request_profile(self.model, self.provider, self.request_profile)
        return RequestRules(profile=profile, effort=self.reasoning_effort, efforts=self.reasoning_efforts or [])


class FileRef(Strict):
    path: str = Field(description="as given on the command line")
    resolved: str = Field(description="absolute path at run time")
    sha256: str


class RunSpec(Strict):
    schema_version: str = RUN_SCHEMA_VERSION
    run_id: Slug
    created_at: dt.datetime
    tool_version: str = __version__
    target: RunTarget
    probes: list[ProbeDefinition]
    rubric: FileRef
    record: FileRef
    context: dict[str, Any] = Field(default_factory=dict, description=(
        "extra probe context (e.g. drift_alpha, drift_period), given to probes as TargetContext.extra"))

    def same_run_as(self, other: "RunSpec") -> list[str]:
        """The fields in which `other` (a resumed invocation) differs from this run."""
        diffs = []
        if self.target.model_dump(exclude={"api_key_env"}) != other.target.model_dump(exclude={"api_key_env"}):
            diffs.append("target (provider, model, endpoint, request profile or effort)")
        if self.probes != other.probes:
            diffs.append("probes")
        if self.rubric.sha256 != other.rubric.sha256:
            diffs.append("rubric")
        if self.record.sha256 != other.record.sha256:
            diffs.append("disclosure record")
        return diffs


def new_run_id(model: str, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    slug = slugify(model, keep="._-", ascii_only=False, fallback="model")
    return f"{now:%Y%m%d-%H%M%S}-{slug}"[:80]


def file_ref(path: str | Path) -> FileRef:
    path = Path(path)
    return FileRef(path=str(path), resolved=str(path.resolve()), sha256=file_sha256(path))


def rubric_ref(rubric_id: str) -> FileRef:
    resolved = rubric_path(rubric_id)
    return FileRef(path=rubric_id, resolved=str(resolved.resolve()), sha256=file_sha256(resolved))


@dataclass(frozen=True)
class RunFolder:
    root: Path

    @classmethod
    def of(cls, out: str | Path, run_id: str) -> "RunFolder":
        return cls(Path(out) / "runs" / run_id)

    @property
    def evidence(self) -> Path:
        return self.root / "evidence.jsonl"

    @property
    def spec(self) -> Path:
        return self.root / "run.json"

    @property
    def result(self) -> Path:
        return self.root / "result.json"

    @property
    def findings(self) -> Path:
        return self.root / "findings.json"

    @property
    def card(self) -> Path:
        return self.root / "card"

    @property
    def baseline(self) -> Path:
        """A copy of the baseline's evidence, when the run is compared with one (drift)."""
        return self.root / "baseline.jsonl"

    def probe_context(self) -> dict[str, Any]:
        """Context the folder itself holds for probes: the drift baseline's exchanges, if one was attached."""
        if not self.baseline.is_file():
            return {}
        return {"drift_baseline": latest(EvidenceLog(self.baseline).load())}

    def load_spec(self) -> RunSpec:
        if not self.spec.is_file():
            raise ContentNotFound(f"no run at {self.root} (run.json is missing)")
        try:
            data = json.loads(self.spec.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError([Problem(str(self.spec), f"cannot read run file: {exc}")]) from None
        except RecursionError:
            raise InputError([Problem(str(self.spec), "cannot read run file: nested too deeply")]) from None
        return validate_model(RunSpec, data, LineMap(), str(self.spec))

    def write_spec(self, spec: RunSpec) -> None:
        write_text_atomic(self.spec, spec.model_dump_json(indent=2) + "\n")


def _record_for(spec: RunSpec) -> LoadedRecord:
    path = Path(spec.record.resolved)
    if not path.is_file():
        path = Path(spec.record.path)
    return load_record(path)


def target_context(spec: RunSpec, record: LoadedRecord, extra: dict[str, Any] | None = None) -> TargetContext:
    """What probes see of the target; `extra` holds the run id, the spec's context and `extra`."""
    return TargetContext(provider=spec.target.provider, model=spec.target.model,
                         identity=record.record.model, declared=record.record.declared,
                         extra={"run_id": spec.run_id, **spec.context, **(extra or {})},
                         request=spec.target.rules())


def probes_of(spec: RunSpec) -> list[ProbeKind]:
    return [build_probe(d, f"{spec.run_id}: probe {d.id}") for d in spec.probes]


def score_run(folder: RunFolder, spec: RunSpec, warn=lambda message: None) -> AuditResult:
    """Findings and result from the run folder alone (spec, evidence, attached baseline; no network)."""
    from audit.scoring.rubrics import load_rubric

    record = _record_for(spec)
    if record.sha256 != spec.record.sha256:
        warn(f"{record.path} changed since the run (sha256 differs); the result will differ")
    rubric_file = spec.rubric.resolved if Path(spec.rubric.resolved).is_file() else spec.rubric.path
    rubric = load_rubric(rubric_file)
    if rubric.sha256 != spec.rubric.sha256:
        warn(f"rubric {spec.rubric.path} changed since the run (sha256 differs); the result will differ")
    recorded = latest(EvidenceLog(folder.evidence).load())
    context = target_context(spec, record, folder.probe_context())
    findings = evaluate_probes(probes_of(spec), context, recorded, rubric.rubric)
    result = score_record(record.path, rubric_file, findings, generated_at=spec.created_at,
                          endpoint=spec.target.endpoint, evidence_sha256=evidence_sha256(folder.evidence),
                          run_id=spec.run_id)
    return result.model_copy(update={"target": result.target.model_copy(update={
        "record": spec.record.path, "provider": spec.target.provider, "requested_model": spec.target.model})})


def findings_json(findings: list[Finding]) -> str:
    return json.dumps([f.model_dump(mode="json") for f in findings], indent=2, ensure_ascii=False) + "\n"


def write_outputs(folder: RunFolder, result: AuditResult, sections: list | None = None,
                  formats: Sequence[str] = CARD_FORMATS) -> list[Path]:
    """result.json, findings.json and the card in `formats` (with extra card `sections`), all or none;
    returns the files written."""
    files: dict[Path, bytes | str] = {folder.result: result_json(result),
                                      folder.findings: findings_json(list(result.findings))}
    files.update(card_files(result, folder.card, sections, formats))
    return write_all_atomic(files)

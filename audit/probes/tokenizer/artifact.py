"""The shipped probe design (probes/tokenizer/_design.json): texts, classes and expected counts.

Evaluation reads only this file, so a run is rescored offline and identically, without tokenizers.
`build_design` recomputes it from the catalog; `audit tokenizers design` writes it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Literal

from pydantic import Field

from audit.core.atomic import write_text_atomic
from audit.core.content import content_dir, file_sha256
from audit.core.errors import InputError, Problem
from audit.schema.base import Strict
from audit.probes.tokenizer.identify import ExpectedClass

__all__ = ["DesignProbe", "DesignClass", "Unavailable", "Design", "design_path", "load_design", "save_design",
           "build_design"]


class DesignProbe(Strict):
    id: str
    text: str
    gap: int = Field(description="smallest difference between two classes' expected deltas")
    closest: list[str] = Field(default_factory=list)


class DesignClass(Strict):
    id: str
    members: list[str]
    families: list[str]
    vocab_sizes: list[int]
    chat_overhead: dict[str, int] = Field(default_factory=dict)
    base_count: int = Field(description="tokens of the base message alone")
    expected: dict[str, int] = Field(description="probe id -> expected delta")

    def as_expected(self) -> ExpectedClass:
        return ExpectedClass(self.id, tuple(self.members), dict(self.expected))


class Unavailable(Strict):
    name: str
    reason: str


class Design(Strict):
    version: int = 1
    catalog_sha256: str
    created: dt.date
    budget_chars: int
    base_text: str
    separator: str
    layout: Literal["base+probe", "base+probe+base"] = Field(
        default="base+probe", description="how a probe's message is made (design.py); version 1 files: base+probe")
    probes: list[DesignProbe]
    classes: list[DesignClass]
    unavailable: list[Unavailable] = Field(default_factory=list)

    def probe(self, probe_id: str) -> DesignProbe:
        return next(p for p in self.probes if p.id == probe_id)

    def message(self, probe_id: str) -> str:
        """The text a probe is sent as (its expected deltas were counted on exactly this)."""
        from audit.probes.tokenizer.design import probe_message

        return probe_message(self.base_text, self.probe(probe_id).text, self.layout, self.separator)

    def expected_classes(self) -> list[ExpectedClass]:
        return [c.as_expected() for c in self.classes]

    def class_of(self, name: str) -> DesignClass | None:
        return next((c for c in self.classes if name in c.members), None)


def design_path(name: str = "_design.json") -> Path:
    direct = Path(name)
    return direct if direct.is_absolute() or direct.parent != Path(".") else content_dir("probes") / "tokenizer" / name


def load_design(name: str = "_design.json") -> Design:
    path = design_path(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Problem(str(path), "no tokenizer probe design (run `audit tokenizers design`)")]) from None
    except json.JSONDecodeError as exc:
        raise InputError([Problem(str(path), f"malformed JSON: {exc.msg}", exc.lineno)]) from None
    try:
        return Design.model_validate(data)
    except Exception as exc:  # pydantic: report as bad input, not a traceback
        raise InputError([Problem(str(path), f"not a tokenizer design: {exc}")]) from None


def save_design(design: Design, name: str = "_design.json") -> Path:
    return write_text_atomic(design_path(name), design.model_dump_json(indent=1) + "\n")


def build_design(*, budget: int = 800, probes: int = 2, exclude: tuple[str, ...] = ()) -> Design:
    """Design probes over every catalog tokenizer that loads here (minus `exclude`)."""
    from audit.tokenizers.catalog import catalog_path, catalog_status
    from audit.probes.tokenizer.design import LAYOUT, SEPARATOR, design_probes
    from audit.probes.tokenizer.pool import BASE_TEXT, CANDIDATES

    statuses = [s for s in catalog_status() if s.entry.name not in exclude]
    from audit.tokenizers import load_entry

    tokenizers = {s.entry.name: load_entry(s.entry) for s in statuses if s.available}
    entries = {s.entry.name: s.entry for s in statuses}
    classes, designed = design_probes({n: t.count for n, t in tokenizers.items()}, BASE_TEXT, CANDIDATES,
                                      budget=budget, probes=probes)
    probe_ids = [f"probe-{i + 1}" for i in range(len(designed))]
    out_classes = []
    for members in classes:
        head = members[0]
        overhead: dict[str, int] = {}
        for m in members:
            overhead.update(entries[m].chat_overhead)
        out_classes.append(DesignClass(
            id=head, members=members, families=sorted({entries[m].family for m in members}),
            vocab_sizes=sorted({v for m in members for v in entries[m].vocab_sizes()}),
            chat_overhead=overhead, base_count=tokenizers[head].count(BASE_TEXT),
            expected={pid: p.expected[head] for pid, p in zip(probe_ids, designed)}))
    return Design(
        version=2, catalog_sha256=file_sha256(catalog_path()), created=dt.date.today(), budget_chars=budget,
        base_text=BASE_TEXT, separator=SEPARATOR, layout=LAYOUT,
        probes=[DesignProbe(id=pid, text=p.text, gap=p.gap, closest=list(p.closest or ()))
                for pid, p in zip(probe_ids, designed)],
        classes=out_classes,
        unavailable=[Unavailable(name=s.entry.name, reason=s.detail) for s in statuses if not s.available])

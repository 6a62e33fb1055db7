"""Generate an FMTI rubric (YAML) from an FMTI indicator CSV.

Mapping: FMTI domain → rubric domain; subdomain → criterion (its max_points = its indicator
count); indicator → indicator worth 1 point, `title` = the exact FMTI name (imports match on
it), `definition` = Definition, `threshold` = Notes (the award rule), `notes` = references or
the example disclosure. No grade bands: FMTI gives none.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from audit.core.errors import InputError
from audit.schema.rubric import Rubric
from audit.fmti import CREDIT
from audit.fmti.csvfile import CsvTable, read_csv
from audit.fmti.yamlout import dump_yaml

__all__ = ["RubricSpec", "SPECS", "build_rubric", "rubric_yaml", "slugify", "source_commit"]

UPSTREAM_REPO = "https://github.com/stanford-crfm/fmti"

DOMAIN_DESCRIPTIONS = {
    "upstream": "The resources that go into building the model: data, labor, compute and methods.",
    "model": "The model itself: its properties, capabilities, limitations, risks and mitigations.",
    "downstream": "How the model is distributed and used, and its impact on users and society.",
}


@dataclass(frozen=True)
class RubricSpec:
    id: str
    version: str
    title: str
    csv: str            # path inside the FMTI data folder
    editions: str       # the editions that use this indicator set
    description: str


SPECS: dict[str, RubricSpec] = {
    "fmti-v1": RubricSpec(
        "fmti-v1", "1", "Foundation Model Transparency Index (v1 indicators)", "fmti-indicators.csv",
        "October 2023 and May 2024 editions",
        "The 100 binary transparency indicators of the FMTI used in its October 2023 and May 2024 "
        "editions, grouped by domain and subdomain. One point per indicator; no grades."),
    "fmti-2025": RubricSpec(
        "fmti-2025", "2025", "Foundation Model Transparency Index (2025 indicators)",
        "Dec2025/Dec2025_indicators.csv", "December 2025 edition",
        "The rewritten 100 binary transparency indicators of the FMTI December 2025 edition, "
        "grouped by domain and subdomain. One point per indicator; no grades."),
}

REQUIRED = ("Domain", "Subdomain", "Indicator", "Definition", "Notes")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].rstrip("-") or "x"


def _unique(base: str, taken: set[str]) -> str:
    ident, n = base, 2
    while ident in taken:
        ident = f"{base}-{n}"
        n += 1
    taken.add(ident)
    return ident


def _clean(text: str) -> str:
    """One paragraph per blank-line-separated block, inner whitespace folded."""
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return "\n\n".join(b for b in blocks if b)


def _references(table: CsvTable, row) -> str | None:
    refs = []
    for n in (1, 2, 3):
        title = _clean(row.get(table.column(f"Reference_{n}")))
        link = row.get(table.column(f"Link_{n}")).strip()
        if title or link:
            refs.append(f"{title} <{link}>" if title and link else title or link)
    return "References: " + "; ".join(refs) if refs else None


def source_commit(data_dir: Path) -> str | None:
    """The upstream commit named in the data folder's README, if any."""
    readme = data_dir / "README.md"
    if not readme.is_file():
        return None
    found = re.search(r"commit\s+([0-9a-f]{40})", readme.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def build_rubric(spec: RubricSpec, data_dir: Path) -> dict:
    """The rubric as plain data, validated against the Rubric schema."""
    table = read_csv(data_dir / spec.csv)
    missing = [name for name in REQUIRED if table.column(name) is None]
    if missing:
        raise InputError([table.problem(f"missing column {name!r}", 1, name) for name in missing])
    col = {name: table.column(name) for name in REQUIRED}
    example = table.column("Example disclosure")
    domains: dict[str, dict] = {}
    criteria: dict[tuple[str, str], dict] = {}
    taken: set[str] = set()
    for row in table.rows:
        name = " ".join(row.get(col["Indicator"]).split())
        if not name or name.lower() == "total":
            continue
        domain_title = " ".join(row.get(col["Domain"]).split())
        sub_title = " ".join(row.get(col["Subdomain"]).split())
        definition = _clean(row.get(col["Definition"]))
        if not (domain_title and sub_title and definition):
            raise InputError([table.problem("indicator row needs Domain, Subdomain and Definition",
                                            row.line, "Indicator")])
        if domain_title not in domains:
            did = _unique(slugify(domain_title), taken)
            domains[domain_title] = {"id": did, "title": domain_title,
                                     "description": DOMAIN_DESCRIPTIONS.get(did), "criteria": []}
        key = (domain_title, sub_title)
        if key not in criteria:
            criteria[key] = {"id": _unique(slugify(sub_title), taken), "title": sub_title,
                             "question": "", "max_points": 0, "indicators": []}
            domains[domain_title]["criteria"].append(criteria[key])
        notes = _clean(row.get(col["Notes"]))
        extra = (f"Example disclosure: {_clean(row.get(example))}" if example is not None
                 and row.get(example).strip() else _references(table, row))
        indicator = {"id": _unique(slugify(name), taken), "title": name, "definition": definition,
                     "threshold": notes or f"The developer's disclosure answers the question: {definition}",
                     "points": 1}
        if extra:
            indicator["notes"] = extra
        criteria[key]["indicators"].append(indicator)
    for (domain_title, sub_title), criterion in criteria.items():
        n = len(criterion["indicators"])
        criterion["max_points"] = n
        criterion["question"] = (f"How many of the {n} FMTI {sub_title} indicators "
                                 f"({domain_title.lower()} domain) does the developer satisfy?")
    commit = source_commit(data_dir)
    where = f"{UPSTREAM_REPO} ({spec.csv}" + (f" at commit {commit})" if commit else ")")
    data = {
        "id": spec.id, "version": spec.version, "title": spec.title, "description": spec.description,
        "source": f"{where}; license CC-BY 4.0",
        "credit": f"{CREDIT} — indicators of the {spec.editions} (CC-BY 4.0)",
        "domains": [{k: v for k, v in d.items() if v is not None} for d in domains.values()],
        "grades": [],
    }
    Rubric.model_validate(data)
    return data


def rubric_yaml(spec: RubricSpec, data: dict) -> str:
    head = (f"# Generated by `audit fmti build-rubrics` from {spec.csv} of the FMTI data; do not edit.\n"
            f"# {CREDIT}, {spec.editions}. License CC-BY 4.0.\n")
    return head + dump_yaml(data)

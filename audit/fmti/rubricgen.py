"""Generate an FMTI rubric (YAML) from an FMTI indicator CSV.

Mapping: FMTI domain → rubric domain; subdomain → criterion (its max_points = its indicator
count); indicator → indicator worth 1 point, `title` = the exact FMTI name (imports match on
it), `definition` = Definition, `threshold` = Notes (the award rule), `notes` = references or
the example disclosure. No grade bands: FMTI gives none.
"""

from __future__ import annotations

import re
from pathlib import Path

from audit.core.errors import InputError
from audit.core.slug import slugify
from audit.schema.rubric import Rubric
from audit.fmti import CREDIT
from audit.fmti.csvfile import CsvTable, read_csv
from audit.fmti.data import DataFile, RubricSpec, RubricsFile, load_rubric_specs
from audit.fmti.yamlout import dump_yaml
from audit.scoring.names import norm_name

__all__ = ["RubricSpec", "rubric_specs", "build_rubric", "rubric_yaml", "id_slug", "source_commit", "FAMILY"]

FAMILY = "fmti"  # the `family` of every generated rubric: records under it can cross over
REQUIRED = ("Domain", "Subdomain", "Indicator", "Definition", "Notes")
ID_LENGTH = 80   # the schema's Slug limit


def rubric_specs() -> dict[str, RubricSpec]:
    """Rubric id → spec (data/fmti/rubrics.yaml), in file order."""
    return {spec.id: spec for spec in load_rubric_specs().model.rubrics}


def id_slug(text: str) -> str:
    """An id for an FMTI name (rubric parts, record file names): ASCII, at most 80 characters."""
    return slugify(text, max_length=ID_LENGTH)


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


def build_rubric(spec: RubricSpec, data_dir: Path, specs: DataFile[RubricsFile] | None = None) -> dict:
    """The rubric as plain data, validated against the Rubric schema.

    `specs` is the file `spec` comes from (data/fmti/rubrics.yaml by default): its domain
    descriptions, upstream address and, per indicator name, the other spellings (`aliases`).
    """
    specs = specs or load_rubric_specs()
    aliases = {norm_name(name): others for name, others in spec.aliases.items()}
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
            did = _unique(id_slug(domain_title), taken)
            domains[domain_title] = {"id": did, "title": domain_title,
                                     "description": specs.model.domain_descriptions.get(did), "criteria": []}
        key = (domain_title, sub_title)
        if key not in criteria:
            criteria[key] = {"id": _unique(id_slug(sub_title), taken), "title": sub_title,
                             "question": "", "max_points": 0, "indicators": []}
            domains[domain_title]["criteria"].append(criteria[key])
        notes = _clean(row.get(col["Notes"]))
        extra = (f"Example disclosure: {_clean(row.get(example))}" if example is not None
                 and row.get(example).strip() else _references(table, row))
        others = aliases.pop(norm_name(name), None)
        indicator = {"id": _unique(id_slug(name), taken), "title": name,
                     **({"aliases": list(others)} if others else {}), "definition": definition,
                     "threshold": notes or f"The developer's disclosure answers the question: {definition}",
                     "points": 1}
        if extra:
            indicator["notes"] = extra
        criteria[key]["indicators"].append(indicator)
    if aliases:
        at = next(n for n, s in enumerate(specs.model.rubrics) if s.id == spec.id)
        raise InputError([specs.problem(f"aliases of {name!r}: no indicator of that name in {spec.csv}",
                                        "rubrics", at, "aliases", name)
                          for name in spec.aliases if norm_name(name) in aliases])
    for (domain_title, sub_title), criterion in criteria.items():
        n = len(criterion["indicators"])
        criterion["max_points"] = n
        criterion["question"] = (f"How many of the {n} FMTI {sub_title} indicators "
                                 f"({domain_title.lower()} domain) does the developer satisfy?")
    commit = source_commit(data_dir)
    where = f"{specs.model.upstream} ({spec.csv}" + (f" at commit {commit})" if commit else ")")
    data = {
        "id": spec.id, "family": FAMILY, "version": spec.version, "title": spec.title,
        "description": spec.description,
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

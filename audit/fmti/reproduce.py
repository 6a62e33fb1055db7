"""Reproduce the published FMTI scores: import the shared files, score each record as
`audit score` does, and compare with the published totals and with domain subtotals counted
straight from the CSVs' 0/1 cells (a count that does not go through the importer).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from audit.core.atomic import write_all_atomic
from audit.core.content import content_root
from audit.scoring.rubrics import LoadedRubric, load_rubric
from audit.core.errors import ContentNotFound
from audit.scoring.records import load_record
from audit.scoring.pipeline import score_loaded
from audit.fmti.csvfile import read_csv
from audit.fmti import CREDIT
from audit.fmti.data import ReproduceSource, load_reproduce_sources
from audit.fmti.editions import published_totals
from audit.fmti.importer import import_files
from audit.scoring.names import norm_name

__all__ = ["ReproducedRow", "reproduce", "shared_data_dir", "csv_domain_subtotals", "sources",
           "reproduce_table"]

DOMAINS = ("upstream", "model", "downstream")


def sources() -> dict[str, ReproduceSource]:
    """Source name ("2024 reports") → the edition and files it reads (data/fmti/reproduce.yaml)."""
    return {source.name: source for source in load_reproduce_sources().model.sources}


@dataclass(frozen=True)
class ReproducedRow:
    edition: str
    source: str
    developer: str
    model: str
    published: int | None
    total: int
    domains: dict[str, int]
    csv_domains: dict[str, int]

    @property
    def matches(self) -> bool:
        return self.total == self.published and self.domains == self.csv_domains


def shared_data_dir() -> Path:
    """The FMTI data beside the checkout: <checkout>/../shared/fmti."""
    return content_root().parent / "shared" / "fmti"


def _files(data_dir: Path, patterns: list[str]) -> list[Path]:
    files = [p for pattern in patterns for p in sorted(data_dir.glob(pattern))]
    if not files:
        raise ContentNotFound(f"no FMTI files {', '.join(patterns)} under {data_dir}")
    return files


def csv_domain_subtotals(data_dir: Path, source: str) -> dict[str, dict[str, int]]:
    """Developer → domain → points, counted from the CSV cells by row position.

    Rows are matched to domains by position in fmti-indicators.csv (the shared files list the
    indicators in the same order) or by the file's own Domain column; Total rows are skipped.
    """
    domains_by_row = [row.cells[0].strip().lower() for row in read_csv(data_dir / "fmti-indicators.csv").rows]
    out: dict[str, dict[str, int]] = {}
    spec = sources()[source]
    for path in _files(data_dir, spec.files):
        table = read_csv(path)
        if spec.is_reports:
            score_at = table.column("Score")
            rows = [r for r in table.rows if norm_name(r.cells[0]) != "total"]
            counts = {d: 0 for d in DOMAINS}
            for position, row in enumerate(rows):
                counts[domains_by_row[position]] += int(row.get(score_at))
            out[path.name] = counts
            continue
        domain_at = table.column("Domain")
        ind_at = table.column("Indicator")
        rows = [r for r in table.rows if norm_name(r.get(ind_at)) != "total"]
        for at, head in enumerate(table.header):
            if at in (domain_at, table.column("Subdomain"), ind_at, table.column("Total")):
                continue
            counts = {d: 0 for d in DOMAINS}
            for position, row in enumerate(rows):
                domain = row.get(domain_at).strip().lower() if domain_at is not None else domains_by_row[position]
                counts[domain] += int(row.get(at))
            out[head] = counts
    return out


def reproduce(data_dir: Path | None = None, names: tuple[str, ...] | None = None) -> list[ReproducedRow]:
    """Import, write to a temporary folder, score each record file, and compare (all sources by default)."""
    data_dir = data_dir or shared_data_dir()
    if not data_dir.is_dir():
        raise ContentNotFound(f"FMTI data folder not found: {data_dir} (give --data)")
    rows: list[ReproducedRow] = []
    rubrics: dict[str, LoadedRubric] = {}
    known, totals = sources(), published_totals()
    with tempfile.TemporaryDirectory(prefix="fmti-reproduce-") as tmp:
        for source in names or tuple(known):
            edition_id = known[source].edition
            files = _files(data_dir, known[source].files)
            records = import_files(files, edition_id)
            folder = Path(tmp) / source.replace(" ", "-")
            written = write_all_atomic({folder / rec.relpath: rec.yaml() for rec in records})
            expected = csv_domain_subtotals(data_dir, source)
            for rec, path in zip(records, written):
                result = score_loaded(load_record(path), rubrics.get(rec.record.rubric)
                                      or rubrics.setdefault(rec.record.rubric, load_rubric(rec.record.rubric)))
                csv_key = rec.source.name if known[source].is_reports else _column_of(expected, rec)
                rows.append(ReproducedRow(
                    edition=edition_id, source=source, developer=rec.developer, model=rec.record.model.name,
                    published=totals.get(edition_id, {}).get(rec.developer), total=result.total,
                    domains={d.id: d.points for d in result.domains},
                    csv_domains=expected.get(csv_key, {})))
    return rows


def _column_of(expected: dict[str, dict[str, int]], rec) -> str:
    return next((head for head in expected if rec.edition.developer(head) == rec.developer), rec.developer)


def reproduce_table(rows: list[ReproducedRow]) -> str:
    """A plain-text table: one line per developer and source, ✓ where everything matches."""
    head = ("developer", "model", "edition", "source", "published", "ours", "upstream", "model", "downstream", "match")
    lines = []
    for r in rows:
        doms = [str(r.domains[d]) + ("" if r.domains[d] == r.csv_domains.get(d) else f"≠{r.csv_domains.get(d)}")
                for d in DOMAINS]
        lines.append((r.developer, r.model, r.edition, r.source, str(r.published), str(r.total), *doms,
                      "✓" if r.matches else "✗"))
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head))]
    numeric = {4, 5, 6, 7, 8}
    fmt = lambda cells: "  ".join(c.rjust(w) if i in numeric else c.ljust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    ok = sum(r.matches for r in rows)
    return "\n".join([f"Data: {CREDIT} (October 2023 and May 2024 editions, CC-BY 4.0)", "",
                      fmt(head), fmt(["-" * w for w in widths]), *map(fmt, lines), "",
                      f"{ok} of {len(rows)} match the published total and the domain subtotals counted from the CSVs."])

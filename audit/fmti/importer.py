"""Turn FMTI CSV files into disclosure records, one per developer.

Two forms are read:
- a per-developer transparency report (Indicator, Definition, Notes, Disclosure, References, Score,
  Justification[, New disclosure?]): one record, its developer taken from the file name;
- a wide score file (Indicator[, Domain, Subdomain], one 0/1 column per developer[, Total]):
  one record per developer column.
The edition comes from the columns (reports with "New disclosure?" are May 2024, without it
December 2025; score files with Domain columns are October 2023, without them May 2024) unless
given. Every problem is collected and reported with its file, row (line) and column; nothing is
returned, so nothing is written, while any problem remains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import HttpUrl, ValidationError

from audit.scoring.rubrics import load_rubric
from audit.core.errors import InputError, Problem
from audit.schema.disclosure import DisclosureRecord, IndicatorDisclosure, Source
from audit.schema.rubric import Rubric
from audit.fmti import CREDIT
from audit.fmti.csvfile import CsvRow, CsvTable, norm_header, read_csv
from audit.fmti.editions import Edition, edition as edition_named
from audit.fmti.rubricgen import id_slug
from audit.scoring.names import NameIndex, norm_name
from audit.fmti.yamlout import record_yaml

__all__ = ["ImportedRecord", "import_files", "detect", "parse_references", "clean_text"]

REPORT_COLUMNS = ("Indicator", "Disclosure", "References", "Score", "Justification")
NEW_DISCLOSURE = "New disclosure?"
_URL = re.compile(r"https?://[^\s<>\"';,]+", re.IGNORECASE)


@dataclass(frozen=True)
class ImportedRecord:
    developer: str
    edition: Edition
    source: Path
    record: DisclosureRecord

    @property
    def relpath(self) -> Path:
        """Where the record goes inside the output folder: fmti-<edition>/<developer>.yaml."""
        return Path(f"fmti-{self.edition.id}") / f"{id_slug(self.developer)}.yaml"

    def yaml(self) -> str:
        return record_yaml(self.record, header=f"{self.edition.credit}. Imported from {self.source.name}.")


def clean_text(text: str) -> str | None:
    """Normalise line ends, drop trailing spaces and runs of blank lines; None when empty."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return joined or None


def parse_references(text: str) -> list[Source]:
    """http(s) URLs become link sources; any other text is kept as a title-only source."""
    sources: list[Source] = []
    seen: set[str] = set()

    def add(title: str, url: str | None = None) -> None:
        key = url or title
        if key not in seen:
            seen.add(key)
            sources.append(Source(title=title, url=url))

    for url in _URL.findall(text):
        url = url.rstrip(".)]")
        try:
            HttpUrl(url)
        except ValidationError:
            add(url)
            continue
        add(url, url)
    rest = _URL.sub("\n", text)
    for piece in re.split(r"[\n;]+", rest):
        piece = " ".join(piece.split()).strip(" ,.&")
        piece = re.sub(r"^(?:and|or|see)\s+|\s+(?:and|or)$", "", piece, flags=re.IGNORECASE)
        if re.search(r"[A-Za-z0-9]", piece) and piece.lower() not in ("and", "or", "see"):
            add(piece)
    return sources


def _has_name(text: str) -> bool:
    """A developer name needs a letter or digit (an empty header cell or a file named `_fm...` has none)."""
    return any(c.isalnum() for c in text)


def _score(raw: str) -> int | None:
    value = raw.strip()
    return int(value) if value in ("0", "1") else None


def detect(table: CsvTable) -> str:
    """'report' or 'scores', from the header."""
    names = {norm_header(h) for h in table.header}
    if "score" in names or "disclosure" in names or "justification" in names:
        return "report"
    return "scores"


def detect_edition(table: CsvTable, form: str) -> str:
    if form == "report":
        return "2024" if table.column(NEW_DISCLOSURE) is not None else "2025"
    return "2023" if table.column("Domain") is not None else "2024"


class _Importer:
    def __init__(self, forced_edition: str | None):
        self.forced = forced_edition
        self.problems: list[Problem] = []
        self.rubrics: dict[str, Rubric] = {}

    def rubric(self, rubric_id: str) -> Rubric:
        if rubric_id not in self.rubrics:
            self.rubrics[rubric_id] = load_rubric(rubric_id).rubric
        return self.rubrics[rubric_id]

    def index(self, rubric_id: str) -> NameIndex:
        return NameIndex(self.rubric(rubric_id))

    # --- shared row handling -------------------------------------------------------------
    def _indicator_id(self, table: CsvTable, row: CsvRow, name: str, column: str, index: NameIndex,
                      seen: dict[str, int]) -> str | None:
        ind_id = index.id_of(name)
        if ind_id is None:
            self.problems.append(table.problem(
                f"unknown indicator name {name.strip()!r} (not in rubric {index.rubric_id})", row.line, column))
            return None
        if ind_id in seen:
            self.problems.append(table.problem(
                f"indicator {name.strip()!r} appears twice (first at line {seen[ind_id]})", row.line, column))
            return None
        seen[ind_id] = row.line
        return ind_id

    def _check_complete(self, table: CsvTable, found: dict[str, int], index: NameIndex, who: str) -> None:
        rubric = self.rubric(index.rubric_id)
        missing = [i.title for i in rubric.indicators() if i.id not in found]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:5]) + (", …" if len(missing) > 5 else "")
            self.problems.append(table.problem(
                f"{who}: {len(missing)} of the rubric's {len(rubric.indicators())} indicators have no row: {shown}",
                column="Indicator"))

    def _record(self, ed: Edition, developer: str, path: Path,
                indicators: dict[str, IndicatorDisclosure]) -> ImportedRecord:
        record = DisclosureRecord.model_validate({
            "rubric": ed.rubric,
            "model": {"vendor": developer, "name": ed.flagship(developer)},
            "assessment": {"assessor": CREDIT, "date": ed.date,
                           "audit_note": f"Data: {ed.credit}."},
            "provenance": f"Imported by `audit import fmti` from {path.name}; data: {ed.credit}.",
            "indicators": indicators,
        })
        return ImportedRecord(developer, ed, path, record)

    # --- transparency report -------------------------------------------------------------
    def report(self, table: CsvTable, ed: Edition) -> list[ImportedRecord]:
        before = len(self.problems)
        index = self.index(ed.rubric)
        cols = {name: table.column(name) for name in REPORT_COLUMNS}
        if cols["Indicator"] is None and table.header and table.header[0] in index:
            cols["Indicator"] = 0  # a real quirk: the header's first cell holds an indicator name
        missing = [name for name, at in cols.items() if at is None]
        if missing:
            self.problems.extend(table.problem(f"missing column {name!r}", 1, name) for name in missing)
            return []
        new_col = table.column(NEW_DISCLOSURE)
        stem = re.split(r"[_-]fmtransparencyreport", table.path.stem, flags=re.IGNORECASE)[0]
        developer = ed.developer(stem)
        if not _has_name(developer):
            self.problems.append(table.problem(
                f"cannot tell the developer from the file name {table.path.name!r}: a transparency report is "
                "named <Developer>_fmtransparencyreport_<Month><Year>.csv"))
            return []
        seen: dict[str, int] = {}
        indicators: dict[str, IndicatorDisclosure] = {}
        for row in table.rows:
            name = row.get(cols["Indicator"])
            if norm_name(name) == "total":
                continue
            if not name.strip():
                self.problems.append(table.problem("row has no indicator name", row.line, "Indicator"))
                continue
            ind_id = self._indicator_id(table, row, name, "Indicator", index, seen)
            points = _score(row.get(cols["Score"]))
            if points is None:
                self.problems.append(table.problem(
                    f"score must be 0 or 1, not {row.get(cols['Score']).strip()!r}", row.line, "Score"))
            if ind_id is None or points is None:
                continue
            note = clean_text(row.get(cols["Justification"]))
            if new_col is not None and row.get(new_col).strip().lower() == "yes":
                note = (note + "\n\n" if note else "") + f"New disclosure in the {ed.label} FMTI report."
            indicators[ind_id] = IndicatorDisclosure(
                status="disclosed" if points else "not_disclosed",
                quote=clean_text(row.get(cols["Disclosure"])),
                sources=parse_references(row.get(cols["References"])), note=note)
        if len(self.problems) == before:
            self._check_complete(table, seen, index, developer)
        return [self._record(ed, developer, table.path, indicators)]

    # --- wide score file -----------------------------------------------------------------
    def scores(self, table: CsvTable, ed: Edition) -> list[ImportedRecord]:
        before = len(self.problems)
        index = self.index(ed.rubric)
        ind_col = table.column("Indicator")
        if ind_col is None:
            self.problems.append(table.problem("missing column 'Indicator'", 1, "Indicator"))
            return []
        skip = {ind_col, table.column("Domain"), table.column("Subdomain"), table.column("Total")}
        developers: dict[int, str] = {}
        for at, head in enumerate(table.header):
            if at in skip:
                continue
            if not _has_name(head):
                if any(row.get(at).strip() for row in table.rows):
                    self.problems.append(table.problem(
                        f"column {at + 1} has values but no developer name" + (f" ({head!r})" if head else ""), 1))
                continue
            developers[at] = ed.developer(head)
        if not developers:
            self.problems.append(table.problem("no developer columns: expected one 0/1 column per developer", 1))
            return []
        seen: dict[str, int] = {}
        points: dict[int, dict[str, int]] = {at: {} for at in developers}
        totals: dict[int, tuple[int, str]] = {}
        for row in table.rows:
            name = row.get(ind_col)
            if norm_name(name) == "total":
                totals.update({at: (row.line, row.get(at).strip()) for at in developers})
                continue
            if not name.strip():
                self.problems.append(table.problem("row has no indicator name", row.line, table.header[ind_col]))
                continue
            ind_id = self._indicator_id(table, row, name, table.header[ind_col], index, seen)
            for at in developers:
                value = _score(row.get(at))
                if value is None:
                    self.problems.append(table.problem(
                        f"score must be 0 or 1, not {row.get(at).strip()!r}", row.line, table.header[at]))
                elif ind_id is not None:
                    points[at][ind_id] = value
        if len(self.problems) == before:
            self._check_complete(table, seen, index, "score file")
        records = []
        for at, developer in developers.items():
            line, stated = totals.get(at, (None, ""))
            if stated and stated != str(sum(points[at].values())) and len(self.problems) == before:
                self.problems.append(table.problem(
                    f"the Total row says {stated}, but the indicator rows add up to {sum(points[at].values())}",
                    line, table.header[at]))
            entries = {i: IndicatorDisclosure(status="disclosed" if v else "not_disclosed")
                       for i, v in points[at].items()}
            records.append(self._record(ed, developer, table.path, entries))
        return records

    def file(self, path: Path) -> list[ImportedRecord]:
        try:
            table = read_csv(path)
        except InputError as exc:
            self.problems.extend(exc.problems)
            return []
        ragged = [table.problem(f"row has {len(row.cells)} cells, the header {len(table.header)}"
                                + (" (cells missing at the end?)" if len(row.cells) < len(table.header) else ""),
                                row.line) for row in table.rows if len(row.cells) != len(table.header)]
        if ragged:
            self.problems.extend(ragged)
            return []
        form = detect(table)
        ed = edition_named(self.forced or detect_edition(table, form))
        before = len(self.problems)
        records = self.report(table, ed) if form == "report" else self.scores(table, ed)
        return records if len(self.problems) == before else []


def import_files(paths: list[Path], edition: str | None = None) -> list[ImportedRecord]:
    """Read every file; return all records, or raise InputError naming every problem found."""
    if edition is not None:
        try:
            edition_named(edition)
        except ValueError as exc:
            raise InputError([Problem("--edition", str(exc))]) from None
    importer = _Importer(edition)
    records: list[ImportedRecord] = []
    where: dict[Path, Path] = {}
    for path in paths:
        for rec in importer.file(Path(path)):
            if rec.relpath in where:
                importer.problems.append(Problem(str(path), f"{rec.developer} ({rec.edition.label}) is also "
                                                            f"imported from {where[rec.relpath]}"))
                continue
            where[rec.relpath] = Path(path)
            records.append(rec)
    if importer.problems:
        raise InputError(importer.problems)
    if not records:
        raise InputError([Problem("(arguments)", "no FMTI files given")])
    return records

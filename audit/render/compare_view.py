"""Plain view data for the comparison report: ranking, indicator heatmap, subdomain heatmap.

Everything the template shows is computed here (ranks, percentages, colours, means); the
template only lays it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from statistics import mean

from audit import __version__
from audit.core.errors import InputError, Problem
from audit.render.coverage import LOW_COVERAGE, assessed_on, is_low_coverage
from audit.render.view import endpoint_host
from audit.schema.result import AuditResult

__all__ = ["CompareView", "build_compare_view", "heat_colour"]

STATE_MARK = {"awarded": "●", "partial": "◐", "missed": "✕", "not_assessed": "–"}


@dataclass(frozen=True)
class Column:
    vendor: str
    model: str
    coverage: str = ""  # "assessed on 4% of points", under a low-coverage column's name


@dataclass(frozen=True)
class DomainScore:
    points: int
    max_points: int
    percent: float


@dataclass(frozen=True)
class RankRow:
    rank: int
    vendor: str
    model: str
    total: int
    max_total: int
    percent: float
    coverage: float
    grade: str | None
    domains: list[DomainScore]
    bar: float                     # width of the total bar, 0-100
    basis: str = ""                # "live audit, run R (date)" for a run's result; "" for a record
    low_coverage: bool = False     # below audit/render/coverage.LOW_COVERAGE: the grade says so
    assessed_on: str = ""          # "assessed on 37% of points"


@dataclass(frozen=True)
class Cell:
    state: str
    mark: str
    title: str


@dataclass(frozen=True)
class IndicatorRow:
    group: str | None              # subdomain title on its first row, else None
    title: str
    cells: list[Cell]
    met: int
    assessed: int


@dataclass(frozen=True)
class DomainBlock:
    title: str
    max_points: int
    rows: list[IndicatorRow]


@dataclass(frozen=True)
class HeatCell:
    text: str
    colour: str
    ink: str


@dataclass(frozen=True)
class SubdomainRow:
    domain: str | None             # domain title on its first row, else None
    title: str
    max_points: int
    cells: list[HeatCell]
    mean: HeatCell


@dataclass(frozen=True)
class CompareView:
    title: str
    rubric_title: str
    rubric_id: str
    rubric_version: str
    credits: list[str]             # rubric credit, then data credits (with the edition)
    footer: str
    generated: str
    tool: str
    columns: list[Column]
    domains: list[tuple[str, int]]
    ranking: list[RankRow]
    show_coverage: bool
    show_grade: bool
    blocks: list[DomainBlock]
    subdomains: list[SubdomainRow]
    column_means: list[HeatCell]
    overall_mean: HeatCell
    legend: list[tuple[str, str, str]] = field(default_factory=list)
    # what a column is: a developer's model, or (a rubric scoring endpoints) a provider's endpoint
    who_label: str = "Developer"
    what_label: str = "Model"
    noun: str = "developer"
    coverage_note: str = ""  # under the ranking, when a grade rests on little of the rubric


def heat_colour(percent: float | None) -> tuple[str, str]:
    """Background and text colour for a percentage: white → deep blue; grey when not assessed; the
    indicator grid's missed red at 0 (assessed, nothing earned: a failed check reads as one)."""
    if percent is None:
        return "#eceff3", "#5d6876"
    if percent <= 0:
        return "#f6dedb", "#8e2a22"
    t = max(0.0, min(1.0, percent / 100))
    low, high = (247, 250, 252), (22, 64, 112)
    rgb = tuple(round(a + (b - a) * t) for a, b in zip(low, high))
    return "#%02x%02x%02x" % rgb, ("#ffffff" if t > 0.55 else "#1b2430")


def _heat(percent: float | None) -> HeatCell:
    colour, ink = heat_colour(percent)
    return HeatCell("—" if percent is None else f"{percent:.0f}", colour, ink)


def _pct(points: float, whole: float) -> float:
    return round(100.0 * points / whole, 1) if whole else 0.0


def _check_same_rubric(results: list[AuditResult]) -> None:
    first = results[0].rubric
    for r in results[1:]:
        if (r.rubric.id, r.rubric.sha256) != (first.id, first.sha256):
            raise InputError([Problem(r.target.record or r.target.model,
                                      f"scored with rubric {r.rubric.id} ({r.rubric.sha256[:12]}), not "
                                      f"{first.id} ({first.sha256[:12]}) like the others")])


def _names(r: AuditResult) -> tuple[str, str]:
    """(who, what) naming a result's column and row: vendor and model, or for an endpoint's result
    the endpoint's host and the model it was asked for."""
    t = r.target
    if r.rubric.subject == "endpoint":
        return endpoint_host(t.endpoint) or t.vendor, t.requested_model or t.model
    return t.vendor, t.model


def _ranked(results: list[AuditResult]) -> list[AuditResult]:
    return sorted(results, key=lambda r: (-r.total, *(n.lower() for n in _names(r)), r.target.endpoint or ""))


def _ranking(results: list[AuditResult]) -> list[RankRow]:
    rows, previous, rank = [], None, 0
    top = max(r.total for r in results) or 1
    for position, r in enumerate(results, start=1):
        if r.total != previous:
            rank, previous = position, r.total
        rows.append(RankRow(rank, *_names(r), r.total, r.max_total, r.percent,
                            r.coverage, r.grade,
                            [DomainScore(d.points, d.max_points, _pct(d.points, d.max_points)) for d in r.domains],
                            round(100.0 * r.total / top, 1) if top else 0.0,
                            f"live audit, run {r.run_id} ({r.generated_at.date().isoformat()})" if r.run_id else "",
                            is_low_coverage(r.coverage), assessed_on(r.coverage)))
    return rows


def _blocks(results: list[AuditResult]) -> list[DomainBlock]:
    blocks = []
    for d_index, domain in enumerate(results[0].domains):
        rows = []
        for c_index, criterion in enumerate(domain.criteria):
            for i_index, indicator in enumerate(criterion.indicators):
                cells = []
                for r in results:
                    ind = r.domains[d_index].criteria[c_index].indicators[i_index]
                    points = "not assessed" if ind.points is None else f"{ind.points}/{ind.max_points}"
                    cells.append(Cell(ind.state, STATE_MARK[ind.state],
                                      f"{_names(r)[0]}: {indicator.title} — {points}"))
                rows.append(IndicatorRow(criterion.title if i_index == 0 else None, indicator.title, cells,
                                         sum(c.state == "awarded" for c in cells),
                                         sum(c.state != "not_assessed" for c in cells)))
        blocks.append(DomainBlock(domain.title, domain.max_points, rows))
    return blocks


def _subdomains(results: list[AuditResult]) -> tuple[list[SubdomainRow], list[HeatCell], HeatCell]:
    rows = []
    per_column: list[list[float]] = [[] for _ in results]
    for d_index, domain in enumerate(results[0].domains):
        for c_index, criterion in enumerate(domain.criteria):
            values: list[float | None] = []
            for col, r in enumerate(results):
                c = r.domains[d_index].criteria[c_index]
                value = None if c.points is None else _pct(c.points, c.max_points)
                values.append(value)
                if value is not None:
                    per_column[col].append(value)
            known = [v for v in values if v is not None]
            rows.append(SubdomainRow(domain.title if c_index == 0 else None, criterion.title, criterion.max_points,
                                     [_heat(v) for v in values], _heat(round(mean(known), 1) if known else None)))
    column_means = [_heat(round(mean(v), 1) if v else None) for v in per_column]
    all_values = [v for col in per_column for v in col]
    return rows, column_means, _heat(round(mean(all_values), 1) if all_values else None)


def build_compare_view(results: list[AuditResult], generated_at: dt.datetime | None = None) -> CompareView:
    """The comparison of `results` (all scored with the same rubric), best total first."""
    if not results:
        raise InputError([Problem("(arguments)", "nothing to compare: no records given")])
    _check_same_rubric(results)
    ranked = _ranked(results)
    rubric = ranked[0].rubric
    # A note several results share (an import's data credit) runs in every page's footer; a note of
    # one model's own is listed once, under the model's name.
    notes = [r.audit_note for r in ranked if r.audit_note]
    shared = [c for c in [rubric.credit] if c]
    shared += [n for i, n in enumerate(notes) if notes.count(n) > 1 and n not in notes[:i] and n not in shared]
    own = [f"{r.target.vendor} {r.target.model}: {r.audit_note}" for r in ranked
           if r.audit_note and notes.count(r.audit_note) == 1 and r.audit_note not in shared]
    credits = shared + own
    subdomains, column_means, overall = _subdomains(ranked)
    generated = (generated_at or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    footer = " · ".join(shared)
    endpoints = rubric.subject == "endpoint"
    models = {f"{r.target.vendor} {r.target.model}" for r in ranked}
    title = (f"{rubric.title}: {len(ranked)} endpoints compared"
             + (f" serving {next(iter(models))}" if len(models) == 1 else "") if endpoints
             else f"{rubric.title}: {len(ranked)} models compared")
    return CompareView(
        title=title, rubric_title=rubric.title, rubric_id=rubric.id,
        rubric_version=rubric.version, credits=credits, footer=footer, generated=generated,
        tool=f"model-integrity-audit {__version__}",
        columns=[Column(*_names(r), assessed_on(r.coverage) if is_low_coverage(r.coverage) else "")
                 for r in ranked],
        domains=[(d.title, d.max_points) for d in ranked[0].domains],
        ranking=_ranking(ranked), show_coverage=any(r.coverage < 100 for r in ranked),
        coverage_note=(f"A grade marked \"assessed on N% of points\" rests on less than {LOW_COVERAGE:.0f}% of the "
                       "rubric: the points not assessed count as 0 toward the total, so the total is a lower "
                       "bound, not a finding that the rest is undisclosed."
                       if any(is_low_coverage(r.coverage) for r in ranked) else ""),
        show_grade=any(r.grade for r in ranked), blocks=_blocks(ranked), subdomains=subdomains,
        column_means=column_means, overall_mean=overall,
        legend=[("awarded", STATE_MARK["awarded"], "met"), ("partial", STATE_MARK["partial"], "partly met"),
                ("missed", STATE_MARK["missed"], "not met"), ("not_assessed", STATE_MARK["not_assessed"], "not assessed")],
        **({"who_label": "Provider", "what_label": "Model requested", "noun": "endpoint"} if endpoints else {}))

"""The card's drift timeline: view data for `reports/templates/sections/drift.html`.

Each drift audit of the model in the history becomes a point: x by audit order, y by
-log10(p) (higher = stronger evidence of change), with the alarm level drawn as a dashed line.
All coordinates are computed here, so the partial only places ready-made numbers and strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from audit.history.rows import HistoryRow

__all__ = ["timeline_view", "TimelineView", "TimelinePoint"]

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 30
P_FLOOR = 1e-6
_FILL = {"drift": "#b3261e", "stable": "#1b7f3b"}


@dataclass(frozen=True)
class TimelinePoint:
    x: float
    y: float
    css: str  # "drift" or "stable"
    fill: str  # the point's colour
    label: str  # tooltip
    date: str


@dataclass(frozen=True)
class TableRow:
    date: str
    verdict: str
    p_value: str
    level: str
    fingerprint: str
    score: str
    baseline: str


@dataclass(frozen=True)
class TimelineView:
    width: int
    height: int
    points: list[TimelinePoint]
    path: str  # polyline points "x,y x,y"
    level_y: float
    level_label: str
    axis_left: float
    axis_bottom: float
    axis_right: float
    y_ticks: list[tuple[float, str]]
    first_date: str
    last_date: str
    alarms: int
    audits: int
    rows: list[TableRow]
    summary: str


def _y(p: float, top_value: float) -> float:
    height = HEIGHT - TOP - BOTTOM
    value = -math.log10(max(p, P_FLOOR))
    return round(TOP + height * (1 - min(value, top_value) / top_value), 1)


def timeline_view(rows: list[HistoryRow]) -> TimelineView | None:
    audits = [r for r in rows if r.verdict is not None and r.p_value is not None]
    if not audits:
        return None
    levels = [r.level for r in audits if r.level]
    level = min(levels) if levels else 0.05
    top_value = max(2.0, -math.log10(level) + 1, *(min(-math.log10(max(r.p_value, P_FLOOR)), 6.0) for r in audits))
    top_value = math.ceil(top_value)
    span = WIDTH - LEFT - RIGHT
    points = []
    for i, r in enumerate(audits):
        x = round(LEFT + (span * (i + 0.5) / len(audits)), 1)
        points.append(TimelinePoint(x=x, y=_y(r.p_value, top_value), css="drift" if r.verdict == "drift" else "stable",
                                    fill=_FILL["drift" if r.verdict == "drift" else "stable"],
                                    label=f"{r.generated_at[:10]}: {r.verdict}, p = {r.p_value:.3g}",
                                    date=r.generated_at[:10]))
    alarms = sum(r.verdict == "drift" for r in audits)
    table = [TableRow(date=r.generated_at[:16].replace("T", " "), verdict=r.verdict or "", p_value=f"{r.p_value:.3g}",
                      level=f"{r.level:.3g}" if r.level else "—",
                      fingerprint="changed" if r.fingerprint_changed else "unchanged",
                      score=f"{r.total}/{r.max_total}", baseline=r.baseline or "—") for r in audits]
    return TimelineView(
        width=WIDTH, height=HEIGHT, points=points, path=" ".join(f"{p.x},{p.y}" for p in points),
        level_y=_y(level, top_value), level_label=f"alarm level {level:.3g}", axis_left=LEFT,
        axis_bottom=HEIGHT - BOTTOM, axis_right=WIDTH - RIGHT,
        y_ticks=[(_y(10.0 ** -v, top_value), f"1e-{v}" if v else "1") for v in range(0, top_value + 1)],
        first_date=points[0].date, last_date=points[-1].date, alarms=alarms, audits=len(audits), rows=table[-12:],
        summary=f"{len(audits)} drift audit{'s' if len(audits) != 1 else ''} from {points[0].date} to "
                f"{points[-1].date}; {alarms} alarm{'s' if alarms != 1 else ''}.")

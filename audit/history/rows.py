"""A run as the history shows it in a model's trend: plain data, read by the timeline and the trend table."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HistoryRow"]


@dataclass(frozen=True)
class HistoryRow:
    """One run in a model's trend."""

    id: int
    run_id: str | None
    kind: str
    generated_at: str
    model: str
    rubric_id: str
    total: int
    max_total: int
    percent: float
    grade: str | None
    verdict: str | None = None
    p_value: float | None = None
    level: float | None = None
    baseline: str | None = None
    fingerprint_changed: bool | None = None
    effect: float | None = None
    effect_label: str | None = None

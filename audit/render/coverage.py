"""How a card and a comparison state a score's coverage next to its grade.

A total counts every point not assessed as 0, so a card assessed on a small part of the rubric
would read as a judgement on the whole model. Below `LOW_COVERAGE` percent of the points the grade
is never shown alone: the headline carries "assessed on N% of points" beside it, and says what the
assessed part earned.
"""

from __future__ import annotations

__all__ = ["LOW_COVERAGE", "is_low_coverage", "assessed_on", "assessed_part"]

LOW_COVERAGE = 60.0  # percent of the rubric's points assessed, below which the headline says so


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def is_low_coverage(coverage: float) -> bool:
    return coverage < LOW_COVERAGE


def assessed_on(coverage: float) -> str:
    """"assessed on 37% of points" (no capital: it follows the grade)."""
    return f"assessed on {_number(round(coverage))}% of points"


def assessed_part(total: int, assessed_max: int) -> str:
    """What the assessed part earned: "earned 4 of the 37 points assessed (11%)"."""
    if not assessed_max:
        return "no point could be assessed"
    return f"earned {total} of the {assessed_max} points assessed ({_number(round(100.0 * total / assessed_max))}%)"

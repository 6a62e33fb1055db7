"""Identify a tokenizer class from observed probe deltas (pure functions, no I/O).

A class matches when every observed delta is within `tolerance` of what the class expects; none
matching is "unknown" (the catalog is an open set), with the nearest classes and their distances.
When another class sits within `tolerance + tie_margin` of the observation and a further probe is
available, `needs_tiebreak` asks for the next probe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["ExpectedClass", "Nearest", "Identification", "identify"]


@dataclass(frozen=True)
class ExpectedClass:
    id: str
    members: tuple[str, ...]
    expected: Mapping[str, int]  # probe id -> delta the class gives


@dataclass(frozen=True)
class Nearest:
    id: str
    members: tuple[str, ...]
    distance: int  # largest |observed - expected| over the observed probes


@dataclass(frozen=True)
class Identification:
    status: Literal["match", "unknown", "ambiguous"]
    class_id: str | None
    members: tuple[str, ...]
    observed: dict[str, int]
    nearest: list[Nearest] = field(default_factory=list)
    needs_tiebreak: bool = False
    next_probe: str | None = None


def _distance(cls: ExpectedClass, observed: Mapping[str, int]) -> int:
    return max(abs(value - cls.expected[probe]) for probe, value in observed.items())


def identify(observed: Mapping[str, int], classes: Sequence[ExpectedClass], probe_order: Sequence[str], *,
             tolerance: int = 0, tie_margin: int = 2, keep: int = 3) -> Identification:
    """Compare observed deltas (probe id -> delta) with every class."""
    if not observed:
        raise ValueError("no observed delta")
    ranked = sorted((Nearest(c.id, tuple(c.members), _distance(c, observed)) for c in classes),
                    key=lambda n: (n.distance, n.id))
    within = [n for n in ranked if n.distance <= tolerance]
    close = [n for n in ranked if n.distance <= tolerance + tie_margin]
    remaining = [p for p in probe_order if p not in observed]
    unsettled = len(within) != 1 and bool(close) or len(within) == 1 and len(close) > 1
    needs_tiebreak = unsettled and bool(remaining)
    nearest = ranked[:keep]
    if len(within) == 1:
        return Identification("match", within[0].id, within[0].members, dict(observed), nearest,
                              needs_tiebreak, remaining[0] if needs_tiebreak else None)
    status = "ambiguous" if within else "unknown"
    return Identification(status, None, (), dict(observed), nearest, needs_tiebreak,
                          remaining[0] if needs_tiebreak else None)

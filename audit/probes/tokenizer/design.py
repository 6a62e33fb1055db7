"""Design probe texts from the catalog: pick segments so that the smallest count gap between any two
tokenizer classes is as large as possible within a size budget.

Everything here is a pure function of the tokenizers it is given, so the same catalog gives the same
design. The design is computed once (`audit tokenizers design`) and shipped as JSON; evaluating a run
then needs only numbers, no tokenizer.

The delta a server shows for a probe P is `count(base + "\n" + P + "\n" + base) - count(base)` (the
template and any hidden prompt cancel); that, not count(P), is what each class expects, so joins are
accounted for. The probe message begins *and ends* with the base text, so whatever the template puts
on either side of a message meets the same text in both calls: with llama-server's default ChatML
template on a vocabulary without its `<|im_end|>` token, "OK." + "<|im_end|>" merge into one
punctuation pre-token in the base message, and a message ending in the probe's letters did not
(every such vocabulary read 1 token off). Designs before this layout (version 1) end with the probe.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["SEPARATOR", "LAYOUT", "probe_message", "probe_delta", "equivalence_classes", "greedy_segments",
           "min_gap", "DesignedProbe", "design_probes"]

SEPARATOR = "\n"
LAYOUT = "base+probe+base"  # the probe message of designs from version 2 on ("base+probe" before)
Counter = Callable[[str], int]


def probe_message(base: str, probe: str, layout: str = LAYOUT, separator: str = SEPARATOR) -> str:
    """The message a probe is sent in: the base text, the probe, and (from version 2) the base again."""
    return base + separator + probe + (separator + base if layout == LAYOUT else "")


def probe_delta(count: Counter, base: str, probe: str) -> int:
    """Tokens a probe's message counts beyond the base message."""
    return count(probe_message(base, probe)) - count(base)


def equivalence_classes(profiles: Mapping[str, Sequence[int]]) -> list[list[str]]:
    """Group names whose count profiles are identical; classes and members keep the input order."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for name, profile in profiles.items():
        groups.setdefault(tuple(profile), []).append(name)
    return list(groups.values())


def min_gap(totals: Sequence[int], labels: Sequence[str] | None = None) -> tuple[int, tuple[str, str] | None]:
    """The smallest |difference| between any two totals, and which pair has it."""
    if len(totals) < 2:
        return 0, None
    best, pair = None, None
    for i, j in itertools.combinations(range(len(totals)), 2):
        gap = abs(totals[i] - totals[j])
        if best is None or gap < best:
            best, pair = gap, (i, j)
    names = labels or [str(i) for i in range(len(totals))]
    return int(best), (names[pair[0]], names[pair[1]])


def _score(totals: np.ndarray, cap: int) -> tuple[int, int, int]:
    """Lexicographic objective: larger smallest gap, fewer pairs at it, larger capped sum of gaps."""
    gaps = np.abs(totals[:, None] - totals[None, :])[np.triu_indices(len(totals), 1)]
    smallest = int(gaps.min())
    return smallest, -int((gaps == smallest).sum()), int(np.minimum(gaps, cap).sum())


def greedy_segments(counters: Sequence[Counter], base: str, pool: Sequence[str], budget: int, *,
                    exclude: Sequence[int] = (), cap: int = 64) -> list[int]:
    """Indices of pool segments chosen greedily for one probe of at most `budget` characters.

    Each step appends the segment that most improves `_score` of the exact deltas of the assembled text
    under every class (one counter per class); ties go to the lower index. Exact, not additive: joins
    between segments change counts. Returns the best prefix of the greedy sequence.
    """
    chosen: list[int] = []
    best_prefix: tuple[tuple[int, int, int], int] | None = None  # (key, length) of the best prefix so far
    skipped = set(exclude)
    base_counts = [count(base) for count in counters]

    def text_of(indices: list[int]) -> str:
        return SEPARATOR.join(pool[i] for i in indices)

    while True:
        used = len(text_of(chosen))
        best_key, best_index = None, None
        for i, segment in enumerate(pool):
            if i in skipped or i in chosen or used + len(segment) + 1 > budget:
                continue
            full = probe_message(base, text_of(chosen + [i]))
            totals = np.array([count(full) - b for count, b in zip(counters, base_counts)], dtype=np.int64)
            key = _score(totals, cap)
            if best_key is None or key > best_key:
                best_key, best_index = key, i
        if best_index is None:
            return chosen[:best_prefix[1]] if best_prefix else chosen
        chosen.append(best_index)
        if best_prefix is None or best_key > best_prefix[0]:
            best_prefix = (best_key, len(chosen))


@dataclass(frozen=True)
class DesignedProbe:
    text: str
    segments: list[int]
    expected: dict[str, int]  # class id -> exact delta
    gap: int
    closest: tuple[str, str] | None


def design_probes(counters: Mapping[str, Counter], base: str, pool: Sequence[str], *, budget: int,
                  probes: int = 2) -> tuple[list[list[str]], list[DesignedProbe]]:
    """Classes of `counters` (identical on every pool segment and every probe) and `probes` designed texts.

    The first probe uses the best segments; each later one uses only segments not used before, so it
    gives an independent second measurement for settling near ties.
    """
    names = list(counters)
    profiles = {name: [probe_delta(counters[name], base, seg) for seg in pool] for name in names}
    classes = equivalence_classes(profiles)
    designed: list[DesignedProbe] = []
    used: list[int] = []
    for _ in range(probes):
        heads = [members[0] for members in classes]
        chosen = (greedy_segments([counters[h] for h in heads], base, pool, budget, exclude=used)
                  if len(heads) > 1 else [0])
        used += chosen
        text = SEPARATOR.join(pool[i] for i in chosen)
        exact = {name: probe_delta(counters[name], base, text) for name in names}
        designed.append(DesignedProbe(text, chosen, {}, 0, None))
        # a class whose members differ on an assembled probe is split (segments are not exactly additive)
        refined = []
        for members in classes:
            refined.extend(equivalence_classes({m: [exact[m]] for m in members}))
        classes = refined
        designed[-1] = DesignedProbe(text, chosen, exact, 0, None)
    heads = [members[0] for members in classes]
    final = []
    for probe in designed:
        expected = {h: probe.expected[h] for h in heads}
        gap, pair = min_gap(list(expected.values()), heads)
        final.append(DesignedProbe(probe.text, probe.segments, expected, gap, pair))
    return classes, final

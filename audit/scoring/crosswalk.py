"""Translate a record written for one rubric into the terms of another.

The one crosswalk: a record assessed under an FMTI rubric (one whose `family` is `fmti`:
fmti-v1, fmti-2025) scored with a rubric of another family whose indicators name FMTI
counterparts (`fmti: [...]`, e.g. integrity-v1). Rule, per indicator of the target rubric:

- probe-backed (`evidence: {probe: ...}`): no entry; a live probe decides it, so under a
  crosswalk it is not assessed (even where a disclosure fallback exists: FMTI scored a different
  question, so its answer must not stand in for the probe);
- no FMTI counterpart, or (for a record of another FMTI edition) a counterpart whose name that
  edition does not have, or one the record marks `not_assessed`: no entry, so not assessed; this
  lowers the card's coverage;
- every counterpart scored 1 by FMTI: `disclosed` (full points);
- some, not all, and the indicator has partial-credit levels: `partial` at the highest level whose
  share of the points does not exceed the share of counterparts met (at least the lowest level);
- otherwise: `not_disclosed` (0 points).

Counterpart names are matched as FMTI names are everywhere (case, spacing and hyphens folded,
the renamings each FMTI indicator lists as `aliases`); a name the record's own FMTI rubric lacks is an error in the target rubric when
that rubric names the same FMTI indicator set (v1), and skipped otherwise. If nothing at all
can be matched the crosswalk is refused with an error.

The second crosswalk goes by indicator ids: a target indicator lists, per source rubric, the ids
of that rubric's indicators that answer it (`crosswalk: {integrity-v1: [...], fmti-2025: [...]}`,
e.g. eu-gpai-mdf). A record written for a rubric the target names this way is translated per
indicator by the same rule, where each counterpart counts with the share of its points the record
earns (disclosed 1; a partial or third-party level its points over the indicator's; else 0):
all counterparts in full → `disclosed`; a share in between → `partial` at the highest level that
fits (at least the lowest level, never the one a probe's `partial` outcome awards; an indicator
without levels: `not_disclosed`); nothing → `not_disclosed`; no counterpart for the record's rubric, or one the record leaves
unassessed (left out, or `not_assessed`: no deciding source read) → no entry (not assessed). Here a probe-backed target does get an entry: the source's
answer is a disclosure, capped by the target's `disclosure_fallback` until a probe decides. A
counterpart id the source rubric lacks is an error in the target rubric. Other rubric pairs have
no crosswalk.
"""

from __future__ import annotations

from audit.scoring.rubrics import LoadedRubric, load_rubric
from audit.core.errors import ContentNotFound, InputError, Problem
from audit.core.yamlio import load_yaml
from audit.scoring.names import NameIndex
from audit.scoring.records import LoadedRecord
from audit.schema.disclosure import IndicatorDisclosure, Source
from audit.schema.rubric import Indicator

__all__ = ["translate", "crosswalk_entry", "names_crosswalk", "crosswalk_problems"]

FMTI_FAMILY = "fmti"  # the rubric family whose indicators `fmti:` counterparts name
# the FMTI indicator set that `fmti:` counterpart names refer to
COUNTERPART_SET = "fmti-v1"


def _no_crosswalk(loaded: LoadedRecord, rubric: LoadedRubric, why: str = "") -> InputError:
    return InputError.single(
        loaded.path, f"record is written for rubric {loaded.record.rubric!r}, and there is no crosswalk "
                     f"from it to {rubric.rubric.id!r}{why}", loaded.lines.line_of(("rubric",)), "rubric")


def crosswalk_entry(indicator: Indicator, met: dict[str, bool | float], entries: dict[str, IndicatorDisclosure],
                    source_label: str, kind: str = "FMTI counterpart", verb: str = "scored 1") -> IndicatorDisclosure:
    """The target indicator's entry from its counterparts' scores (`met`: name → scored 1, or the
    share of its points earned)."""
    n_met, n = sum(met.values()), len(met)
    if n_met >= n:
        status, level = "disclosed", None
    elif n_met and _disclosure_levels(indicator):
        share = n_met / n
        levels = _disclosure_levels(indicator)
        fitting = [lv for lv in levels if lv.points / indicator.points <= share]
        chosen = max(fitting, key=lambda lv: lv.points) if fitting else min(levels, key=lambda lv: lv.points)
        status, level = "partial", chosen.id
    else:
        status, level = "not_disclosed", None
    marks = ", ".join(f"{name} {_mark(ok)}" for name, ok in met.items())
    count = f"{n_met:g}" if isinstance(n_met, int) or float(n_met).is_integer() else f"{n_met:.2f}"
    lines = [f"Crosswalk from {source_label}: {count} of {n} {kind}"
             f"{'s' if n != 1 else ''} {verb} ({marks})."]
    quoted = {name: entry.quote for name, entry in entries.items() if entry.quote}
    # one distinct quote stays as it was (so the card can still verify it against its snapshot)
    quotes = ([next(iter(quoted.values()))] if len(set(quoted.values())) == 1 else
              [f"[{kind.split()[0]} {name}] {quote}" for name, quote in quoted.items()])
    sources: list[Source] = []
    for name, entry in entries.items():
        if entry.note:
            lines.append(f"{kind.split()[0]} on {name}: {entry.note}")
        sources.extend(s for s in entry.sources if s not in sources)
    return IndicatorDisclosure(status=status, level=level, quote="\n\n".join(quotes) or None,
                               sources=sources, note="\n\n".join(lines))


def _disclosure_levels(indicator: Indicator) -> list:
    """The levels a disclosure can earn: not the one a probe's `partial` outcome awards."""
    probe = indicator.probe
    return [lv for lv in indicator.levels if probe is None or lv.id != probe.on_partial]


def _assessed(entry: IndicatorDisclosure | None) -> bool:
    """Whether a counterpart was assessed: recorded, and not `not_assessed` (no deciding source read)."""
    return entry is not None and entry.status != "not_assessed"


def _mark(share: bool | float) -> str:
    return "✓" if share >= 1 else "✗" if share <= 0 else f"{share:.0%}"


def names_crosswalk(rubric: LoadedRubric, source_rubric_id: str) -> bool:
    """Whether `rubric` names counterparts by id in `source_rubric_id` (the id crosswalk)."""
    return any(source_rubric_id in i.crosswalk for i in rubric.rubric.indicators())


def _share(indicator: Indicator, entry: IndicatorDisclosure) -> float:
    """The share of `indicator`'s points `entry` earns as a disclosure."""
    if entry.status == "disclosed":
        return 1.0
    level = indicator.level(entry.level) if entry.level else None
    if entry.status in ("partial", "third_party") and level is not None:
        return level.points / indicator.points
    return 0.0


def crosswalk_problems(rubric: LoadedRubric, only: str | None = None) -> list[Problem]:
    """Each `crosswalk:` entry of `rubric` (those naming `only`, if given) that names a rubric that
    does not exist or an indicator id that rubric lacks, located at its line."""
    lines = None
    problems: list[Problem] = []
    sources: dict[str, LoadedRubric | None] = {}
    for a, domain in enumerate(rubric.rubric.domains):
        for b, criterion in enumerate(domain.criteria):
            for n, indicator in enumerate(criterion.indicators):
                for source_id, ids in indicator.crosswalk.items():
                    if only is not None and source_id != only:
                        continue
                    if source_id not in sources:
                        try:
                            sources[source_id] = load_rubric(source_id)
                        except ContentNotFound:
                            sources[source_id] = None
                    source = sources[source_id]
                    missing = ids if source is None else [i for i in ids if source.rubric.indicator(i) is None]
                    if not missing:
                        continue
                    if lines is None:
                        lines = load_yaml(rubric.path)[1]
                    where = ("domains", a, "criteria", b, "indicators", n, "crosswalk", source_id)
                    message = (f"crosswalk names rubric {source_id!r}, which is not shipped" if source is None else
                               f"crosswalk counterpart(s) {', '.join(map(repr, missing))} not in rubric {source_id}")
                    problems.append(Problem(str(rubric.path), message, lines.line_of(where),
                                            f"{indicator.id}.crosswalk.{source_id}"))
    return problems


def _translate_by_ids(loaded: LoadedRecord, rubric: LoadedRubric) -> dict[str, IndicatorDisclosure]:
    record = loaded.record
    try:
        source = load_rubric(record.rubric)
    except ContentNotFound:
        raise _no_crosswalk(loaded, rubric) from None
    label = f"record under {record.rubric}" + (f" ({record.assessment.assessor})"
                                               if record.assessment.assessor else "")
    unknown = crosswalk_problems(rubric, record.rubric)
    if unknown:
        raise InputError(unknown)
    out: dict[str, IndicatorDisclosure] = {}
    recorded = False  # whether the record has an entry, of any status, for a counterpart
    for indicator in rubric.rubric.indicators():
        ids = indicator.crosswalk.get(record.rubric)
        if not ids:
            continue
        recorded = recorded or any(ind_id in record.indicators for ind_id in ids)
        counterparts = {ind_id: source.rubric.indicator(ind_id) for ind_id in ids}
        if not all(_assessed(record.indicators.get(ind_id)) for ind_id in ids):
            continue  # the record leaves a counterpart unassessed: so is this indicator
        entries = {ind_id: record.indicators[ind_id] for ind_id in ids}
        met = {ind_id: _share(counterparts[ind_id], entry) for ind_id, entry in entries.items()}
        out[indicator.id] = crosswalk_entry(indicator, met, entries, label, kind=f"{record.rubric} counterpart",
                                            verb="met")
    if not recorded:
        # a record whose counterparts are all `not_assessed` scores, with nothing assessed; one that has
        # no entry for any of them was written for something else
        raise _no_crosswalk(loaded, rubric, f": the record assesses none of the {record.rubric} indicators "
                                            "it names")
    return out


def translate(loaded: LoadedRecord, rubric: LoadedRubric) -> dict[str, IndicatorDisclosure]:
    """The record's assessments in the terms of `rubric`, by the rules in the module docstring."""
    record = loaded.record
    target = rubric.rubric
    if names_crosswalk(rubric, record.rubric):
        return _translate_by_ids(loaded, rubric)
    with_counterparts = [i for i in target.indicators() if i.fmti]
    if not with_counterparts or target.family == FMTI_FAMILY:
        raise _no_crosswalk(loaded, rubric)
    try:
        source = load_rubric(record.rubric)
    except ContentNotFound:
        raise _no_crosswalk(loaded, rubric) from None
    if source.rubric.family != FMTI_FAMILY:
        raise _no_crosswalk(loaded, rubric)
    index = NameIndex(source.rubric)
    label = f"FMTI record under {record.rubric}" + (f" ({record.assessment.assessor})"
                                                     if record.assessment.assessor else "")
    out: dict[str, IndicatorDisclosure] = {}
    unknown: list[Problem] = []
    for indicator in with_counterparts:
        if indicator.probe is not None:
            continue
        ids = {name: index.id_of(name) for name in indicator.fmti}
        missing = [name for name, ind_id in ids.items() if ind_id is None]
        if missing:
            if record.rubric == COUNTERPART_SET:
                unknown.append(Problem(str(rubric.path), f"FMTI counterpart(s) {', '.join(map(repr, missing))} "
                                                         f"not in rubric {record.rubric}", None,
                                       f"{indicator.id}.fmti"))
            continue
        if not all(_assessed(record.indicators.get(ind_id)) for ind_id in ids.values()):
            continue  # the record leaves a counterpart unassessed: so is this indicator
        entries = {name: record.indicators[ind_id] for name, ind_id in ids.items()}
        met = {name: entry.status == "disclosed" for name, entry in entries.items()}
        out[indicator.id] = crosswalk_entry(indicator, met, entries, label)
    if unknown:
        raise InputError(unknown)
    if not out:
        raise _no_crosswalk(loaded, rubric, f": none of its FMTI counterpart names exist in {record.rubric}")
    return out

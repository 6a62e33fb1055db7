"""From recorded answers to the five identity checks: tallies, intervals, decisions, quotes.

`read_answers` classifies every successful exchange of the plan. `assess` then decides each check
with the sequential rules of `stats` (at the Bonferroni-adjusted level) and, where the data do not
decide a check, falls back to the point estimate and says so. The same function answers "is every
check decided?" for early stopping and "what are the findings?" for evaluation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from audit.probes.base import TargetContext
from audit.schema.evidence import Exchange
from audit.probes.identity.battery import IdentityParams, Slot
from audit.probes.identity.catalog import CompiledCatalog
from audit.probes.identity.claims import Category, Claim, IdentityReader
from audit.probes.identity.facts import (YearMonth, context_agrees, cutoff_agrees, declared_cutoff, stated_context_window,
                    stated_cutoff)
from audit.probes.identity.stats import RateRule, Sprt, decide_rate, percent, rate_outcome
from audit.probes.identity.values import (NO_COMPETITOR_CLAIM, SELF_IDENTIFICATION, SERVED_MODEL, SPOOF_RESISTANCE,
                                          STATED_FACTS)
from audit.probes.stats import wilson

__all__ = ["Answer", "CheckResult", "read_answers", "assess"]

_RANK = {"fail": 0, "partial": 1, "pass": 2}


@dataclass(frozen=True)
class Answer:
    slot: Slot
    exchange: Exchange
    claim: Claim
    cutoff: YearMonth | None
    context: int | None

    @property
    def in_plain_modes(self) -> bool:
        return self.slot.mode != "spoof"


@dataclass
class CheckResult:
    check: str
    decided: str | None  # the outcome the sequential rule reached, or None
    outcome: str
    message: str
    values: dict = field(default_factory=dict)
    exchanges: list[str] = field(default_factory=list)


def read_answers(plan: list[Slot], done: Mapping[str, Exchange], reader: IdentityReader,
                 catalog: CompiledCatalog) -> list[Answer]:
    """The plan's successful exchanges, in plan order, each classified."""
    answers = []
    for slot in plan:
        exchange = done.get(slot.key)
        if exchange is None or not exchange.ok or exchange.cut_by_cap:  # cut by the cap: no answer to read
            continue
        text = exchange.text or ""
        topic = slot.question.topic
        answers.append(Answer(slot, exchange, reader.classify(text, slot.lang),
                              stated_cutoff(text, catalog, slot.lang) if topic == "cutoff" else None,
                              stated_context_window(text, catalog) if topic == "context" else None))
    return answers


def _ci_text(k: int, n: int, confidence: float) -> str:
    ci = wilson(k, n, confidence)
    return f"{percent(ci.rate)} of {n} ({confidence:.0%} CI {percent(ci.low)}–{percent(ci.high)})"


class _Quoter:
    def __init__(self, params: IdentityParams):
        self.limit, self.chars = params.quotes, params.quote_chars

    def __call__(self, answers: Iterable[Answer], note: Callable[[Answer], str] | None = None) -> list[dict]:
        out = []
        for answer in list(answers)[: self.limit]:
            text = " ".join((answer.exchange.text or "").split())
            if len(text) > self.chars:
                text = text[: self.chars - 1].rstrip() + "…"
            item = {"exchange": answer.exchange.id, "lang": answer.slot.lang, "mode": answer.slot.mode,
                    "question": answer.slot.question.id, "class": answer.claim.category.value, "answer": text}
            if answer.slot.spoof is not None:
                item["spoofed_as"] = answer.slot.spoof.model
            if note is not None:
                item["note"] = note(answer)
            out.append(item)
        return out


def _by_language(answers: list[Answer], success: Callable[[Answer], bool]) -> dict[str, dict]:
    table: dict[str, list[int]] = {}
    for a in answers:
        row = table.setdefault(a.slot.lang, [0, 0])
        row[0] += success(a)
        row[1] += 1
    return {lang: {"k": k, "n": n, "rate": round(k / n, 4)} for lang, (k, n) in sorted(table.items())}


def _decide_or_estimate(k: int, n: int, rule: RateRule, decision_confidence: float) -> tuple[str | None, str]:
    if n == 0:
        return None, "not_available"
    decided = decide_rate(k, n, rule, decision_confidence)
    return decided, decided or rate_outcome(k / n, rule)


def _undecided_note(decided: str | None, n: int) -> str:
    return "" if decided or n == 0 else " Not decided at the planned error rate; outcome from the point estimate."


def _self_identification(answers: list[Answer], params: IdentityParams, conf_adj: float,
                         reader: IdentityReader, quote: _Quoter) -> CheckResult:
    pool = [a for a in answers if a.slot.is_identity and a.in_plain_modes]
    cats = Counter(a.claim.category.value for a in pool)
    n, k = len(pool), cats[Category.MATCH.value]
    named = sum(cats[c.value] for c in Category if c.names_identity)
    rule = RateRule(params.self_identification.pass_at, params.self_identification.fail_below)
    decided, outcome = _decide_or_estimate(k, n, rule, conf_adj)
    values = {**wilson(k, n, params.confidence).as_values("consistency_rate"),
              **wilson(named, n, params.confidence).as_values("self_identification_rate"),
              "declared": reader.declared.label, "classes": dict(sorted(cats.items())),
              "by_language": _by_language(pool, lambda a: a.claim.category is Category.MATCH)}
    off = [a for a in pool if a.claim.category is not Category.MATCH]
    values["quotes"] = quote(off + [a for a in pool if a.claim.category is Category.MATCH])
    if n == 0:
        return CheckResult(SELF_IDENTIFICATION, None, "not_available",
                           "No answer to an identity question was recorded.", values)
    message = (f"Named the declared identity ({reader.declared.label}) in {_ci_text(k, n, params.confidence)} "
               f"identity answers; named any identity in {percent(named / n)}; declined in "
               f"{percent(cats[Category.DECLINES.value] / n)}.") + _undecided_note(decided, n)
    return CheckResult(SELF_IDENTIFICATION, decided, outcome, message, values, [a.exchange.id for a in pool])


def _adopts_spoof(answer: Answer) -> bool:
    """Under a spoofing prompt, the answer claims the vendor the prompt named."""
    return (answer.slot.spoof_vendor is not None and answer.claim.category is Category.COMPETITOR
            and answer.claim.vendor == answer.slot.spoof_vendor)


def _no_competitor_claim(answers: list[Answer], params: IdentityParams, reader: IdentityReader,
                         catalog: CompiledCatalog, quote: _Quoter) -> CheckResult:
    # Every identity answer counts, spoofed ones too, except those adopting the spoofed identity
    # (spoof-resistance measures those): naming a third vendor under a spoof is still a claim.
    pool = [a for a in answers if a.slot.is_identity and not _adopts_spoof(a)]
    rule = params.competitor
    sprt = Sprt(rule.tolerated, rule.detect, rule.alpha, rule.beta)
    flags = [a.claim.category is Category.COMPETITOR for a in pool]
    result = sprt.run(flags)
    hits = [a for a, hit in zip(pool, flags) if hit]
    n, k = len(pool), len(hits)
    named = Counter(catalog.vendor_name(a.claim.vendor) for a in hits)
    values = {**wilson(k, n, params.confidence).as_values("competitor_claim_rate"),
              "sprt": {"h0_rate": rule.tolerated, "h1_rate": rule.detect, "alpha": rule.alpha, "beta": rule.beta,
                       "decision": result.decision, "decided_after": result.decided_after,
                       "llr": round(result.llr, 3)},
              "vendors_named": dict(named.most_common()),
              "quotes": quote(hits, lambda a: f"names {a.claim.named}")}
    if n == 0:
        return CheckResult(NO_COMPETITOR_CLAIM, None, "not_available",
                           "No answer to an identity question was recorded.", values)
    if result.decision == "reject":
        outcome = "fail"
    elif k and rule.any_claim_is_partial:
        outcome = "partial"
    elif result.decision == "accept":
        outcome = "pass"
    else:
        outcome = "fail" if k / n >= rule.detect and k >= 2 else "pass"
    decided = outcome if result.decision is not None else None
    who = ", ".join(f"{v} ({c})" for v, c in named.most_common()) or "none"
    message = (f"Named another vendor's model in {_ci_text(k, n, params.confidence)} identity answers "
               f"(vendors named: {who}); sequential test of rate ≤ {percent(rule.tolerated)} against ≥ "
               f"{percent(rule.detect)}: {result.decision or 'undecided'}.")
    return CheckResult(NO_COMPETITOR_CLAIM, decided, outcome, message, values, [a.exchange.id for a in pool])


def _spoof_resistance(answers: list[Answer], params: IdentityParams, conf_adj: float,
                      quote: _Quoter) -> CheckResult:
    pool = [a for a in answers if a.slot.is_identity and a.slot.mode == "spoof"]
    flipped = [a for a in pool if _adopts_spoof(a)]
    n, kept = len(pool), len(pool) - len(flipped)
    rule = RateRule(params.spoof_resistance.pass_at, params.spoof_resistance.fail_below)
    decided, outcome = _decide_or_estimate(kept, n, rule, conf_adj)
    values = {**wilson(len(flipped), n, params.confidence).as_values("spoof_flip_rate"),
              "resisted": kept, "spoofed_as": dict(Counter(a.slot.spoof.model for a in pool if a.slot.spoof)),
              "classes": dict(sorted(Counter(a.claim.category.value for a in pool).items())),
              "quotes": quote(flipped + [a for a in pool if a not in flipped])}
    if n == 0:
        return CheckResult(SPOOF_RESISTANCE, None, "not_available",
                           "No answer under a spoofing system prompt was recorded.", values)
    message = (f"Under a system prompt naming another vendor's model, the answer took on that identity in "
               f"{_ci_text(len(flipped), n, params.confidence)} identity answers.") + _undecided_note(decided, n)
    return CheckResult(SPOOF_RESISTANCE, decided, outcome, message, values, [a.exchange.id for a in pool])


def _fact(name: str, pool: list[Answer], stated: Callable[[Answer], object], declared, agrees,
          show: Callable[[object], str], params: IdentityParams, conf_adj: float) -> tuple[str | None, str, dict, str]:
    """(decided, outcome, values, sentence) for one declared fact."""
    rules = params.stated_facts
    statements = [(a, stated(a)) for a in pool if stated(a) is not None]
    counts = Counter(show(v) for _, v in statements)
    values = {"declared": None if declared is None else show(declared), "asked": len(pool),
              "stated": dict(counts.most_common(5)), "statements": len(statements)}
    if declared is None:
        return "not_available", "not_available", values, f"no declared {name}"
    k = sum(agrees(v, declared) for _, v in statements)
    n = len(statements)
    values.update(wilson(k, n, params.confidence).as_values("agreement_rate"))
    values["quotes"] = [{"exchange": a.exchange.id, "lang": a.slot.lang, "stated": show(v),
                         "agrees": agrees(v, declared)} for a, v in statements[: params.quotes]]
    if n < rules.min_statements:
        decided = "not_available" if len(pool) >= rules.min_asked else None
        return decided, "not_available", values, f"{name} stated in {n} of {len(pool)} answers"
    decided, outcome = _decide_or_estimate(k, n, RateRule(rules.pass_at, rules.fail_below), conf_adj)
    modal = counts.most_common(1)[0][0]
    return decided, outcome, values, (f"{name}: stated value agrees with the declared {show(declared)} in "
                                      f"{_ci_text(k, n, params.confidence)} statements (most often {modal})")


def _ym(value) -> str:
    year, month = value
    return f"{year}" if month is None else f"{year}-{month:02d}"


def _stated_facts(answers: list[Answer], params: IdentityParams, conf_adj: float, target: TargetContext,
                  catalog: CompiledCatalog) -> CheckResult:
    rules = params.stated_facts
    cutoff = _fact("knowledge cutoff", [a for a in answers if a.slot.question.topic == "cutoff"],
                   lambda a: a.cutoff, declared_cutoff(target.declared.knowledge_cutoff, catalog),
                   lambda s, d: cutoff_agrees(s, d, rules.cutoff_tolerance_months), _ym, params, conf_adj)
    context = _fact("context window", [a for a in answers if a.slot.question.topic == "context"],
                    lambda a: a.context, target.declared.context_window,
                    lambda s, d: context_agrees(s, d, rules.context_tolerance), lambda v: f"{v:,}", params, conf_adj)
    values = {"knowledge_cutoff": cutoff[2], "context_window": context[2]}
    decisive = [r[1] for r in (cutoff, context) if r[1] in _RANK]
    outcome = min(decisive, key=_RANK.get) if decisive else "not_available"
    all_decided = cutoff[0] is not None and context[0] is not None
    message = "; ".join(r[3] for r in (cutoff, context)) + "."
    message = message[0].upper() + message[1:]
    if not all_decided and decisive:
        message += " Not decided at the planned error rate; outcome from the point estimate."
    used = [a.exchange.id for a in answers if a.slot.question.topic in ("cutoff", "context")]
    return CheckResult(STATED_FACTS, outcome if all_decided else None, outcome, message, values, used)


def _served_model_matches(served: str, requested: str, target: TargetContext) -> bool:
    served_l, requested_l = served.lower(), requested.lower()
    bare = served_l.rsplit("/", 1)[-1]
    known = {requested_l, requested_l.rsplit("/", 1)[-1]}
    known |= {x.lower() for x in (target.identity.api_id, target.identity.snapshot) if x}
    return served_l in known or bare in known or any(bare.startswith(k + "-") for k in known)


def _served_model(exchanges: list[Exchange], target: TargetContext, reader: IdentityReader,
                  quotes: int) -> CheckResult:
    seen = [(x, x.served_model or (x.response or {}).get("model")) for x in exchanges]
    seen = [(x, s) for x, s in seen if s]
    fingerprints = Counter(x.system_fingerprint for x in exchanges if x.system_fingerprint)
    served = Counter(s for _, s in seen)
    mismatched = [(x, s) for x, s in seen if not _served_model_matches(s, x.model or target.model, target)]
    declared = reader.declared
    substituted = []
    for x, s in mismatched:
        hits = [m for m in reader.mentions(s) if m.family]
        if not (hits and hits[0].vendor == declared.vendor and hits[0].family == declared.family):
            substituted.append((x, s))
    values = {"requested": target.model, "served_models": dict(served.most_common()),
              "mismatched": len(mismatched), "substituted": len(substituted), "n": len(seen),
              "system_fingerprints": sorted(fingerprints), "system_fingerprint_counts": dict(fingerprints),
              "quotes": [{"exchange": x.id, "requested": x.model, "served": s} for x, s in mismatched[:quotes]]}
    if not seen:
        decided = "not_available" if exchanges else None
        return CheckResult(SERVED_MODEL, decided, "not_available",
                           "No response carried a `model` field.", values)
    if substituted:
        outcome = "fail"
        message = (f"The response `model` field named another model than requested ({target.model!r}) in "
                   f"{len(substituted)} of {len(seen)} responses: {', '.join(sorted({s for _, s in substituted})[:3])}.")
    elif mismatched:
        outcome = "partial"
        message = (f"The response `model` field named another snapshot of the requested model in "
                   f"{len(mismatched)} of {len(seen)} responses: {', '.join(sorted({s for _, s in mismatched})[:3])}.")
    else:
        outcome = "pass"
        message = f"Every one of {len(seen)} responses reported the requested model ({', '.join(served)})."
    message += f" {len(fingerprints)} distinct system_fingerprint value(s) seen."
    return CheckResult(SERVED_MODEL, outcome, outcome, message, values, [x.id for x, _ in seen])


def assess(answers: list[Answer], exchanges: list[Exchange], target: TargetContext, params: IdentityParams,
           reader: IdentityReader, catalog: CompiledCatalog) -> dict[str, CheckResult]:
    """Every check's result from the answers read so far."""
    conf_adj = 1 - params.decision_alpha / params.looks
    quote = _Quoter(params)
    results = [
        _self_identification(answers, params, conf_adj, reader, quote),
        _no_competitor_claim(answers, params, reader, catalog, quote),
        _spoof_resistance(answers, params, conf_adj, quote),
        _stated_facts(answers, params, conf_adj, target, catalog),
        _served_model(exchanges, target, reader, params.quotes),
    ]
    return {r.check: r for r in results}

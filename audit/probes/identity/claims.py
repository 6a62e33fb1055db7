"""Read identity claims out of free-text answers and classify them against the declared identity.

An answer's *primary claim* is its first model or vendor mention that is not negated ("I am not
ChatGPT"); the other mentions of the same vendor refine it (family, version). The classes:

- `match`              names the declared vendor and nothing that contradicts the declared model;
- `competitor`         names another vendor or another vendor's model;
- `same_vendor_other`  right vendor, but another model family or an incompatible version;
- `declines`           names nothing and uses a decline phrase ("I can't share which model…");
- `no_identity`        names nothing.

Versions compare leniently: the claimed version's numbers must equal the declared ones, and its
words ("mini", "sonnet") must be among the declared words; a claim that says less ("Claude",
"GPT-4" for GPT-4o) is not a contradiction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum

from audit.schema.disclosure import ModelIdentity
from audit.probes.identity.catalog import AliasRule, CompiledCatalog, alias_regex

__all__ = ["Category", "Mention", "Claim", "DeclaredIdentity", "IdentityReader", "version_tokens",
           "versions_compatible", "DECLARED_VENDOR", "DECLARED_FAMILY"]

DECLARED_VENDOR = "declared-vendor"
DECLARED_FAMILY = "declared-model"
_NEGATION_WINDOW = 16


class Category(str, Enum):
    MATCH = "match"
    COMPETITOR = "competitor"
    SAME_VENDOR_OTHER = "same_vendor_other"
    DECLINES = "declines"
    NO_IDENTITY = "no_identity"

    @property
    def names_identity(self) -> bool:
        return self in (Category.MATCH, Category.COMPETITOR, Category.SAME_VENDOR_OTHER)


@dataclass(frozen=True)
class Mention:
    vendor: str
    family: str | None
    version: str | None
    start: int
    end: int
    text: str
    negated: bool = False


@dataclass(frozen=True)
class DeclaredIdentity:
    vendor: str
    family: str | None
    version: str | None
    label: str


@dataclass(frozen=True)
class Claim:
    category: Category
    vendor: str | None = None
    family: str | None = None
    version: str | None = None
    named: str | None = None
    mentions: tuple[Mention, ...] = field(default=(), repr=False)


def version_tokens(version: str | None) -> tuple[set[str], set[str]]:
    """(numbers, words) of a version string: 'Claude 3.5 Sonnet' -> ({'3.5'}, {'sonnet'})."""
    if not version:
        return set(), set()
    parts = re.findall(r"\d+(?:\.\d+)*|[^\W\d_]+", version.lower())
    numbers = {p.rstrip("0").rstrip(".") if "." in p else p for p in parts if p[0].isdigit()}
    return numbers, {p for p in parts if not p[0].isdigit()}


def versions_compatible(claimed: str | None, declared: str | None) -> bool:
    if not claimed or not declared:
        return True
    c_num, c_words = version_tokens(claimed)
    d_num, d_words = version_tokens(declared)
    if c_num and d_num and c_num != d_num:
        return False
    return c_words <= d_words


def _model_base(name: str) -> str:
    """'RefModel 2.1' -> 'RefModel'; a name that starts with a digit is kept whole."""
    match = re.match(r"^(.*?[^\W\d_])[\s_-]*v?\d", name)
    return match.group(1) if match else name


def _plain_rule(vendor: str, family: str | None, alias: str, version: re.Pattern[str] | None) -> AliasRule:
    return AliasRule(vendor, family, alias_regex(alias), version)


class IdentityReader:
    """Finds mentions with the catalog (plus the declared identity's own names) and classifies answers."""

    def __init__(self, catalog: CompiledCatalog, identity: ModelIdentity, requested_model: str):
        self.catalog = catalog
        self.rules = list(catalog.rules)
        self.declared = self._resolve(identity, requested_model)
        self._seen: dict[tuple[str, str | None], Claim] = {}

    # -- declared identity -------------------------------------------------------------------
    def _resolve(self, identity: ModelIdentity, requested_model: str) -> DeclaredIdentity:
        vendor_hits = [m for m in self.mentions(identity.vendor) if m.family is None] or self.mentions(identity.vendor)
        vendor = vendor_hits[0].vendor if vendor_hits else None
        extra: list[AliasRule] = []
        if vendor is None:
            vendor = DECLARED_VENDOR
            extra.append(_plain_rule(vendor, None, identity.vendor.strip(), None))
        names = [identity.name, identity.api_id, identity.snapshot, requested_model]
        family = version = None
        for name in filter(None, names):
            hits = [m for m in self.mentions(name) if m.family and m.vendor == vendor]
            if hits:
                family, version = hits[0].family, hits[0].version
                break
        if family is None:
            family = DECLARED_FAMILY
            default_version = re.compile(self.catalog.catalog.default_version, re.IGNORECASE)
            for name in dict.fromkeys(filter(None, (identity.name, identity.api_id))):
                extra.append(_plain_rule(vendor, family, _model_base(name.strip()), default_version))
        if extra:
            self.rules = sorted(self.rules + extra, key=lambda r: -len(r.regex.pattern))
            if family == DECLARED_FAMILY:
                own = [m for m in self.mentions(identity.name) if m.family == family]
                version = own[0].version if own else None
        return DeclaredIdentity(vendor, family, version, f"{identity.vendor} {identity.name}".strip())

    # -- mentions ----------------------------------------------------------------------------
    def mentions(self, text: str, lang: str | None = None) -> list[Mention]:
        """Every vendor/model mention in `text`, in reading order, longest alias winning overlaps."""
        taken: list[tuple[int, int]] = []
        found: list[Mention] = []
        for rule in self.rules:
            for match in rule.regex.finditer(text):
                start, end = match.span()
                if any(start < e and s < end for s, e in taken):
                    continue
                version = None
                if rule.version is not None:
                    vmatch = rule.version.match(text, end)
                    if vmatch and vmatch.group(1):
                        version, end = vmatch.group(1).strip(), vmatch.end()
                taken.append((start, end))
                found.append(Mention(rule.vendor, rule.family, version, start, end, text[start:end]))
        found.sort(key=lambda m: m.start)
        previous_end = 0
        marked = []
        for mention in found:
            negated = self._negated(text, max(previous_end, mention.start - _NEGATION_WINDOW), mention.start, lang)
            marked.append(replace(mention, negated=negated))
            previous_end = mention.end
        return marked

    def _negated(self, text: str, begin: int, start: int, lang: str | None) -> bool:
        """Whether a negation phrase sits in the same clause just before the mention."""
        window = re.split(r"[.!?;,。！？；，、\n]", text[begin:start].lower())[-1]
        for phrases in self._languages(lang):
            if any(neg and neg.lower() in window for neg in phrases.negations):
                return True
        return False

    def _languages(self, lang: str | None):
        if lang is None:
            return self.catalog.all_phrases()
        chosen = [self.catalog.phrases(lang)]
        if lang != "en":
            chosen.append(self.catalog.phrases("en"))
        return chosen

    def declines(self, text: str, lang: str | None = None) -> bool:
        lowered = text.lower()
        return any(p.lower() in lowered for phrases in self._languages(lang) for p in phrases.declines)

    # -- classification ----------------------------------------------------------------------
    def classify(self, text: str | None, lang: str | None = None) -> Claim:
        """Classify one answer against the declared identity (answers repeat, so results are kept)."""
        key = (text or "", lang)
        if key not in self._seen:
            self._seen[key] = self._classify(text or "", lang)
        return self._seen[key]

    def _classify(self, text: str, lang: str | None) -> Claim:
        mentions = tuple(m for m in self.mentions(text, lang) if not m.negated)
        if not mentions:
            return Claim(Category.DECLINES if self.declines(text, lang) else Category.NO_IDENTITY)
        primary = mentions[0]
        same_vendor = [m for m in mentions if m.vendor == primary.vendor]
        family = next((m.family for m in same_vendor if m.family), None)
        version = next((m.version for m in same_vendor if m.family == family and m.version), None)
        named = " / ".join(dict.fromkeys(m.text for m in same_vendor))
        declared = self.declared
        if primary.vendor != declared.vendor:
            category = Category.COMPETITOR
        elif any(m.family and m.family != declared.family for m in same_vendor):
            category = Category.SAME_VENDOR_OTHER
        elif any(m.family == declared.family and not versions_compatible(m.version, declared.version)
                 for m in same_vendor):
            category = Category.SAME_VENDOR_OTHER
        else:
            category = Category.MATCH
        return Claim(category, primary.vendor, family, version, named, mentions)

"""The vendor/model catalog (probes/identity/_catalog.yaml): its schema, loading and compiled matchers.

The catalog is data: vendors with aliases (Latin, CJK and Arabic script), model families with
aliases or regex patterns and a version pattern, and per-language phrases (declines, negations,
month names). `CompiledCatalog` turns it into regular expressions once, so that reading a claim
from an answer is a scan of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from audit.core.content import content_dir
from audit.core.errors import InputError
from audit.schema.base import NonEmpty, Slug, Strict
from audit.core.yamlio import load_yaml, validate_model

__all__ = ["Catalog", "Vendor", "Family", "SpoofIdentity", "LanguagePhrases", "CompiledCatalog",
           "AliasRule", "alias_regex", "load_catalog", "default_catalog", "catalog_path", "has_cjk"]

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class SpoofIdentity(Strict):
    """The identity a spoofing system prompt hands the model when this vendor is the competitor."""

    model: NonEmpty
    vendor: NonEmpty


class Family(Strict):
    id: Slug
    names: list[NonEmpty] = Field(default_factory=list)
    patterns: list[NonEmpty] = Field(default_factory=list)
    version: str | None = Field(default=None, description="regex tried right after an alias; group 1 is the version")
    case_sensitive: bool = False

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        return [_check_regex(p) for p in value]

    @field_validator("version")
    @classmethod
    def _version_compiles(cls, value: str | None) -> str | None:
        return None if value is None else _check_regex(value)

    @model_validator(mode="after")
    def _named(self) -> "Family":
        if not self.names and not self.patterns:
            raise ValueError("a family needs `names` or `patterns`")
        return self


class Vendor(Strict):
    id: Slug
    names: list[NonEmpty] = Field(min_length=1)
    families: list[Family] = Field(default_factory=list)
    spoof_as: SpoofIdentity | None = None


class LanguagePhrases(Strict):
    declines: list[NonEmpty] = Field(default_factory=list)
    negations: list[str] = Field(default_factory=list)
    months: list[list[NonEmpty]] = Field(default_factory=list)

    @field_validator("months")
    @classmethod
    def _twelve(cls, value: list[list[str]]) -> list[list[str]]:
        if value and len(value) != 12:
            raise ValueError(f"needs 12 month entries, got {len(value)}")
        return value


class Quantities(Strict):
    """How answers state a context window, in every battery language: '128k tokens', '12.8万词元'."""

    token_words: list[NonEmpty] = Field(min_length=1, description="regexes for the word 'token(s)'")
    multipliers: dict[NonEmpty, int] = Field(default_factory=dict, description="'k' → 1000, '万' → 10000, ...")


class Catalog(Strict):
    version: NonEmpty
    default_version: str = Field(description="version regex for families without their own")
    vendors: list[Vendor] = Field(min_length=1)
    languages: dict[Slug, LanguagePhrases] = Field(default_factory=dict)
    quantities: Quantities

    @field_validator("default_version")
    @classmethod
    def _default_compiles(cls, value: str) -> str:
        return _check_regex(value)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Catalog":
        seen: set[str] = set()
        for vendor in self.vendors:
            if vendor.id in seen:
                raise ValueError(f"duplicate vendor id {vendor.id!r}")
            seen.add(vendor.id)
            fams = [f.id for f in vendor.families]
            dupes = sorted({f for f in fams if fams.count(f) > 1})
            if dupes:
                raise ValueError(f"vendor {vendor.id!r}: duplicate family id(s) {', '.join(dupes)}")
        return self


@dataclass(frozen=True)
class AliasRule:
    """One compiled way to recognise a vendor or family in text."""

    vendor: str
    family: str | None
    regex: re.Pattern[str]
    version: re.Pattern[str] | None


# Letters of alphabetic scripts: an alias must not sit inside a longer word of them. CJK text has
# no spaces, so a Latin alias right after a CJK character ("我是ChatGPT") still counts.
_WORD_LETTER = r"[A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF\u0600-\u06FF]"


def alias_regex(alias: str, case_sensitive: bool = False) -> re.Pattern[str]:
    """A regex for a literal alias; spaces match a space, a hyphen or nothing."""
    flags = 0 if case_sensitive else re.IGNORECASE
    body = re.escape(alias).replace(r"\ ", r"[\s-]?")
    if has_cjk(alias):
        return re.compile(body, flags)
    # Not inside a longer word; a digit may follow directly ("GPT4", "Claude3").
    return re.compile(rf"(?<!{_WORD_LETTER}){body}(?!{_WORD_LETTER})", flags)


class CompiledCatalog:
    """The catalog's aliases as regular expressions, longest alias first."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.vendors = {v.id: v for v in catalog.vendors}
        default_version = re.compile(catalog.default_version, re.IGNORECASE)
        rules: list[tuple[int, AliasRule]] = []
        for vendor in catalog.vendors:
            for name in dict.fromkeys(vendor.names):
                rules.append((len(name), AliasRule(vendor.id, None, alias_regex(name, False), None)))
            for fam in vendor.families:
                version = re.compile(fam.version, re.IGNORECASE) if fam.version else default_version
                for name in dict.fromkeys(fam.names):
                    rules.append((len(name), AliasRule(vendor.id, fam.id,
                                                       alias_regex(name, fam.case_sensitive), version)))
                flags = 0 if fam.case_sensitive else re.IGNORECASE
                for pattern in fam.patterns:
                    rules.append((len(pattern), AliasRule(vendor.id, fam.id, re.compile(pattern, flags), None)))
        self.rules = [rule for _, rule in sorted(rules, key=lambda item: -item[0])]
        self.multipliers = catalog.quantities.multipliers
        number = (r"(?<![\d.,])(\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+(?![\d])|\d+(?:[.,]\d+)?)\s*"
                  r"(" + "|".join(sorted(map(re.escape, self.multipliers), key=len, reverse=True)) + r")?")
        tokens = "(?:" + "|".join(catalog.quantities.token_words) + ")"
        self.context_window = re.compile(number + r"(?![A-Za-z])[^\d\n]{0,12}?" + tokens)

    def phrases(self, lang: str) -> LanguagePhrases:
        return self.catalog.languages.get(lang, LanguagePhrases())

    def all_phrases(self) -> list[LanguagePhrases]:
        return list(self.catalog.languages.values())

    def vendor_name(self, vendor_id: str) -> str:
        vendor = self.vendors.get(vendor_id)
        return vendor.names[0] if vendor else vendor_id

    def competitors(self, vendor_id: str | None) -> list[Vendor]:
        """Vendors other than `vendor_id` that have a spoof identity, in catalog order."""
        return [v for v in self.catalog.vendors if v.id != vendor_id and v.spoof_as is not None]


def catalog_path() -> Path:
    return content_dir("probes") / "identity" / "_catalog.yaml"


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate a catalog file; bad content raises InputError naming file, line and field."""
    path = Path(path) if path is not None else catalog_path()
    data, lines = load_yaml(path)
    return validate_model(Catalog, data, lines, str(path))


@lru_cache(maxsize=4)
def _compiled(path: str) -> CompiledCatalog:
    return CompiledCatalog(load_catalog(path))


def default_catalog(path: str | Path | None = None) -> CompiledCatalog:
    """The compiled catalog (shipped one by default), cached per path."""
    try:
        return _compiled(str(Path(path) if path is not None else catalog_path()))
    except InputError:
        _compiled.cache_clear()
        raise

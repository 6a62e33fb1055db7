"""The FMTI editions: rubric, date, developers and the flagship model each was judged on.

Flagship models: 2023 from the FMTI 2023 paper; 2024 from the developers' own transparency
reports (model names, sizes and versions they disclose), e.g. Adept's report describes Fuyu-8B and
IBM's granite.13b. Published totals are those listed with the shared data (README).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from audit.fmti import CREDIT

__all__ = ["Edition", "EDITIONS", "edition", "developer_key", "PUBLISHED_TOTALS"]


@dataclass(frozen=True)
class Edition:
    id: str                      # "2023", "2024", "2025"
    label: str                   # "October 2023"
    rubric: str                  # rubric id
    date: dt.date | None
    flagships: dict[str, str] = field(default_factory=dict)   # developer → flagship model
    aliases: dict[str, str] = field(default_factory=dict)     # other spellings (file names) → developer

    @property
    def credit(self) -> str:
        return f"{CREDIT}, {self.label} edition (CC-BY 4.0)"

    def developer(self, raw: str) -> str:
        """The edition's own spelling of a developer name, else the name as given (tidied)."""
        key = developer_key(raw)
        for name in self.flagships:
            if developer_key(name) == key:
                return name
        for alias, name in self.aliases.items():
            if developer_key(alias) == key:
                return name
        return " ".join(raw.replace("_", " ").split())

    def flagship(self, developer: str) -> str:
        return self.flagships.get(developer) or f"{developer} flagship (FMTI {self.id})"


def developer_key(name: str) -> str:
    """A developer name folded for matching: 'Stability_AI' and 'stability ai' agree."""
    text = unicodedata.normalize("NFKC", name).lower().replace("_", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


EDITIONS: dict[str, Edition] = {
    "2023": Edition(
        "2023", "October 2023", "fmti-v1", dt.date(2023, 10, 18),
        flagships={"Meta": "Llama 2", "Hugging Face": "BLOOMZ", "OpenAI": "GPT-4",
                   "Stability AI": "Stable Diffusion 2", "Google": "PaLM 2", "Anthropic": "Claude 2",
                   "Cohere": "Command", "AI21 Labs": "Jurassic-2", "Inflection": "Inflection-1",
                   "Amazon": "Titan Text"}),
    "2024": Edition(
        "2024", "May 2024", "fmti-v1", dt.date(2024, 5, 21),
        flagships={"Adept": "Fuyu-8B", "AI21 Labs": "Jurassic-2", "Aleph Alpha": "Luminous Supreme",
                   "Amazon": "Titan Text Express", "Anthropic": "Claude 3", "BigCode": "StarCoder",
                   "Google": "Gemini 1.0 Ultra", "IBM": "Granite 13B", "Meta": "Llama 2",
                   "Microsoft": "Phi-2", "Mistral": "Mistral 7B", "OpenAI": "GPT-4",
                   "Stability": "Stable Video Diffusion", "Writer": "Palmyra-X"},
        aliases={"BigCode Hugging Face ServiceNow": "BigCode", "Stability AI": "Stability"}),
    "2025": Edition("2025", "December 2025", "fmti-2025", None),
}

# Published totals out of 100 (shared data README), in the published order.
PUBLISHED_TOTALS: dict[str, dict[str, int]] = {
    "2023": {"Meta": 54, "Hugging Face": 53, "OpenAI": 48, "Stability AI": 47, "Google": 40,
             "Anthropic": 36, "Cohere": 34, "AI21 Labs": 25, "Inflection": 21, "Amazon": 12},
    "2024": {"BigCode": 85, "AI21 Labs": 75, "Aleph Alpha": 75, "IBM": 64, "Microsoft": 62, "Meta": 60,
             "Stability": 58, "Writer": 56, "Mistral": 55, "Anthropic": 51, "OpenAI": 49, "Google": 47,
             "Amazon": 41, "Adept": 33},
}


def edition(edition_id: str) -> Edition:
    try:
        return EDITIONS[edition_id]
    except KeyError:
        raise ValueError(f"unknown FMTI edition {edition_id!r} (known: {', '.join(EDITIONS)})") from None

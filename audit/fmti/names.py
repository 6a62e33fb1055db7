"""Match FMTI indicator names across files.

The same indicator is spelled differently from file to file: trailing spaces, case,
"Third party" vs "Third-party", and a few renamings between the indicator list, the 2023 and
2024 score files and the reports. `norm_name` folds the spelling differences; `ALIASES` lists
the renamings (checked against the files' row order in tests/fmti). A rubric generated from an
FMTI indicator list keeps the exact FMTI name as each indicator's `title`, so matching needs no
other field.
"""

from __future__ import annotations

import re
import unicodedata

from audit.schema.rubric import Rubric

__all__ = ["norm_name", "NameIndex", "ALIASES", "FMTI_RUBRICS"]

FMTI_RUBRICS = ("fmti-v1", "fmti-2025")

# other name (as found in an FMTI file) → name in the edition's indicator list, per rubric
ALIASES: dict[str, dict[str, str]] = {
    "fmti-v1": {
        "Data copyright status": "Copyrighted data",
        "Data license status": "Data license",
        "Release decision-making protocol": "Release decision-making",
        "Machine-generated content": "Detection of machine-generated content",
        "Model Asset License": "Model License",
        "License": "Model License",
    },
    "fmti-2025": {},
}


def norm_name(name: str) -> str:
    """Fold case, Unicode forms, hyphens, underscores and runs of whitespace."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"[-_\u2010-\u2015]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


class NameIndex:
    """Indicator name (any known spelling) → indicator id, for one FMTI rubric."""

    def __init__(self, rubric: Rubric):
        self.rubric_id = rubric.id
        self._ids: dict[str, str] = {}
        for indicator in rubric.indicators():
            self._ids[norm_name(indicator.title)] = indicator.id
        for alias, name in ALIASES.get(rubric.id, {}).items():
            target = self._ids.get(norm_name(name))
            if target is not None:
                self._ids.setdefault(norm_name(alias), target)

    def id_of(self, name: str) -> str | None:
        return self._ids.get(norm_name(name))

    def __contains__(self, name: str) -> bool:
        return self.id_of(name) is not None

"""Match indicator names that are spelled differently from file to file.

Trailing spaces, case, "Third party" vs "Third-party": `norm_name` folds such differences. A
rubric indicator lists the other spellings its name has in source files (`aliases`, e.g. FMTI's
renamings between editions); `NameIndex` finds an indicator by its title or any alias.
"""

from __future__ import annotations

import re
import unicodedata

from audit.schema.rubric import Rubric

__all__ = ["norm_name", "NameIndex"]


def norm_name(name: str) -> str:
    """Fold case, Unicode forms, hyphens, underscores and runs of whitespace."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"[-_\u2010-\u2015]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


class NameIndex:
    """Indicator name (title or alias, folded) → indicator id, for one rubric; titles win over aliases."""

    def __init__(self, rubric: Rubric):
        self.rubric_id = rubric.id
        self._ids: dict[str, str] = {norm_name(i.title): i.id for i in rubric.indicators()}
        for indicator in rubric.indicators():
            for alias in indicator.aliases:
                self._ids.setdefault(norm_name(alias), indicator.id)

    def id_of(self, name: str) -> str | None:
        return self._ids.get(norm_name(name))

    def __contains__(self, name: str) -> bool:
        return self.id_of(name) is not None

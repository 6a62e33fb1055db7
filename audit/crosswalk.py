"""Translate a record written for one rubric into the terms of another.

Only rubrics that name counterparts can be crossed; everything else is a record that does not
fit the rubric asked for.
"""

from __future__ import annotations

from .content import LoadedRubric
from .errors import InputError
from .records import LoadedRecord
from .schema.disclosure import IndicatorDisclosure

__all__ = ["translate"]


def translate(loaded: LoadedRecord, rubric: LoadedRubric) -> dict[str, IndicatorDisclosure]:
    raise InputError.single(
        loaded.path, f"record is written for rubric {loaded.record.rubric!r}, and there is no crosswalk "
                     f"from it to {rubric.rubric.id!r}", loaded.lines.line_of(("rubric",)), "rubric")

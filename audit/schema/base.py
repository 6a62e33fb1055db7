"""Shared model configuration: unknown keys are rejected everywhere."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

__all__ = ["Strict", "Slug", "NonEmpty"]

SLUG_RE = r"^[a-z0-9][a-z0-9._-]*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_RE, min_length=1, max_length=80)]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class Strict(BaseModel):
    """Base for every schema model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def is_slug(value: str) -> bool:
    return re.match(SLUG_RE, value) is not None

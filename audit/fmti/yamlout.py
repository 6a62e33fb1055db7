"""Write records as readable YAML: safe types only, Unicode kept, multi-line text as blocks."""

from __future__ import annotations

import yaml
from pydantic import BaseModel

__all__ = ["record_yaml", "dump_yaml"]


class _ReadableDumper(yaml.SafeDumper):
    """SafeDumper that writes multi-line strings as literal blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ReadableDumper.add_representer(str, _str)


def dump_yaml(data: object) -> str:
    return yaml.dump(data, Dumper=_ReadableDumper, sort_keys=False, allow_unicode=True, width=100)


def record_yaml(model: BaseModel, header: str | None = None) -> str:
    """A pydantic model as YAML, without empty or default fields; `header` as a comment line."""
    data = model.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    text = dump_yaml(data)
    return (f"# {header}\n" if header else "") + text

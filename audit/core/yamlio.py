"""Read YAML safely while remembering where each value came from.

`load_yaml` returns plain Python data (as `yaml.safe_load` would) and a `LineMap` from
field paths such as ``("domains", 0, "criteria", 2, "id")`` to 1-based line numbers, so that
validation errors can name the file, line and field. Duplicate mapping keys, which PyYAML
silently collapses, are reported as problems.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ValidationError

from audit.core.errors import InputError, Problem

__all__ = ["LineMap", "load_yaml", "parse_yaml_text", "validate_model", "format_path"]

Path_ = tuple[Any, ...]


class LineMap:
    """Maps a field path to the line where it appears (its key, for mapping entries)."""

    def __init__(self) -> None:
        self._lines: dict[Path_, int] = {}

    def set(self, path: Path_, line: int) -> None:
        self._lines.setdefault(path, line)

    def line_of(self, path: Iterable[Any]) -> int | None:
        """The line of the deepest prefix of `path` that is known."""
        path = tuple(path)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return self._lines.get((), None)


def format_path(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _walk(node: yaml.Node, path: Path_, lines: LineMap, problems: list[Problem], file: str) -> None:
    lines.set(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                problems.append(Problem(file, f"duplicate key {key!r} (first at line {seen[key]})",
                                        line, format_path(path + (key,))))
            seen.setdefault(key, line)
            lines.set(path + (key,), line)
            _walk(value_node, path + (key,), lines, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), lines, problems, file)


def parse_yaml_text(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse YAML text; raise InputError naming the file and line on any syntax problem."""
    lines = LineMap()
    problems: list[Problem] = []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            _walk(node, (), lines, problems, file)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise InputError([Problem(file, f"malformed YAML: {message}", line)]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file, f"malformed YAML: {exc}")]) from None
    if problems:
        raise InputError(problems)
    return data, lines


def load_yaml(path: str | Path) -> tuple[Any, LineMap]:
    """Read and parse a YAML file, reporting unreadable or malformed files as InputError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(str(path), "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), f"cannot read file: {exc}")]) from None
    return parse_yaml_text(text, str(path))


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path_:
    """Drop the parts of a pydantic error location that name union branches, not data."""
    path: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _is_branch_tag(part):
            path.append(part)  # a missing or unknown key: still the field the user must see
            node = None
    return tuple(path)


def _is_branch_tag(part: str) -> bool:
    return "[" in part or part.startswith("function-") or part[:1].isupper()


def validate_model(model: type[BaseModel], data: Any, lines: LineMap, file: str) -> Any:
    """Validate `data` as `model`; turn every pydantic error into a located Problem."""
    if data is None:
        raise InputError([Problem(file, "file is empty")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = _data_path(data, tuple(err.get("ctx", {}).get("path") or err["loc"]))
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown key"
            elif err["type"] == "missing":
                message = "required field is missing"
            problems.append(Problem(file, message, lines.line_of(loc), format_path(loc)))
        raise InputError(problems) from None

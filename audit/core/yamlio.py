"""Read YAML safely while remembering where each value came from.

`load_yaml` returns plain Python data (as `yaml.safe_load` would) and a `LineMap` from
field paths such as ``("domains", 0, "criteria", 2, "id")`` to 1-based line numbers, so that
validation errors can name the file, line and field. Duplicate mapping keys, which PyYAML
silently collapses, are reported as problems.

Limits keep hostile files from taking the machine: the file's size, how deep it nests, and how many
values it expands to once aliases are followed (a "billion laughs" file is a few lines that expand
to billions). Each has a default and an environment variable to raise it:

    AUDIT_YAML_MAX_BYTES   4 MiB      the file's size
    AUDIT_YAML_MAX_DEPTH   64         nesting levels, aliases followed
    AUDIT_YAML_MAX_NODES   200000     values after expanding aliases (the alias budget)

A value no YAML type can hold (`2026-02-30`, `!!int x`, an integer of 5,000 digits) is a located
error like any syntax problem, as is an alias that refers to itself.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ValidationError

from audit.core.errors import InputError, Problem

__all__ = ["LineMap", "Limits", "load_yaml", "parse_yaml_text", "validate_model", "format_path"]

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 4 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 200_000

    @classmethod
    def from_env(cls) -> "Limits":
        """The defaults, each raised or lowered by its AUDIT_YAML_* variable (a bad value is an error)."""
        values = {}
        for name, var in (("max_bytes", "AUDIT_YAML_MAX_BYTES"), ("max_depth", "AUDIT_YAML_MAX_DEPTH"),
                          ("max_nodes", "AUDIT_YAML_MAX_NODES")):
            raw = os.environ.get(var)
            if raw is None:
                continue
            try:
                values[name] = int(raw)
            except ValueError:
                values[name] = 0
            if values[name] < 1:
                raise InputError([Problem(var, f"must be a positive whole number, not {raw[:40]!r}")])
        return cls(**values)


class _TooBig(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message, self.line = message, line


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses nesting past the depth limit while composing (before Python's own
    recursion limit) and reports a value no type can hold at that value's line."""

    max_depth = Limits.max_depth

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > self.max_depth:
                raise _TooBig(f"nested more than {self.max_depth} levels deep (AUDIT_YAML_MAX_DEPTH)",
                              self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):  # type: ignore[no-untyped-def]
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:
            kind = node.tag.rsplit(":", 1)[-1]
            reason = str(exc).split(";")[0].split("\n")[0]
            shown = node.value if isinstance(node.value, str) else ""
            shown = shown if len(shown) <= 40 else shown[:40] + "..."
            raise _TooBig(f"not a valid {kind} {shown!r}: {reason}".replace(" '':", ":"),
                          node.start_mark.line + 1) from None


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
            text = str(part)
            if not text or not text.isprintable() or text != text.strip():  # a key that would break the line
                text = repr(text)
            out += ("." if out else "") + text
    return out or "(top level)"


class _Budget:
    """Counts the values the walk visits (aliases expanded) and the aliases it is inside of."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.nodes = 0
        self.open: set[int] = set()


def _walk(node: yaml.Node, path: Path_, lines: LineMap, problems: list[Problem], file: str,
          budget: _Budget) -> None:
    line = node.start_mark.line + 1
    budget.nodes += 1
    if budget.nodes > budget.limits.max_nodes:
        raise _TooBig(f"expands to more than {budget.limits.max_nodes:,} values once aliases are followed "
                      "(AUDIT_YAML_MAX_NODES)", line)
    if len(path) > budget.limits.max_depth:
        raise _TooBig(f"nested more than {budget.limits.max_depth} levels deep once aliases are followed "
                      "(AUDIT_YAML_MAX_DEPTH)", line)
    if id(node) in budget.open:
        raise _TooBig("an alias refers to the value that contains it", line)
    lines.set(path, line)
    if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        return
    budget.open.add(id(node))
    try:
        _walk_children(node, path, lines, problems, file, budget)
    finally:
        budget.open.discard(id(node))


def _walk_children(node: yaml.Node, path: Path_, lines: LineMap, problems: list[Problem], file: str,
                   budget: _Budget) -> None:
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
            _walk(value_node, path + (key,), lines, problems, file, budget)
    else:
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), lines, problems, file, budget)


def parse_yaml_text(text: str, file: str, limits: Limits | None = None) -> tuple[Any, LineMap]:
    """Parse YAML text; raise InputError naming the file and line on any syntax problem or exceeded limit."""
    limits = limits or Limits.from_env()
    if len(text) > limits.max_bytes:
        raise InputError([Problem(file, f"larger than {limits.max_bytes:,} bytes (AUDIT_YAML_MAX_BYTES)")])
    lines = LineMap()
    problems: list[Problem] = []
    loader = None
    try:
        loader = _Loader(text)  # the reader refuses control characters here
        loader.max_depth = limits.max_depth
        node = loader.get_single_node()
        data = None
        if node is not None:
            _walk(node, (), lines, problems, file, _Budget(limits))
            if not problems:
                data = loader.construct_document(node)
    except _TooBig as exc:
        raise InputError([Problem(file, exc.message, exc.line)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise InputError([Problem(file, f"malformed YAML: {message}", line)]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise InputError([Problem(file, f"malformed YAML: control character {code:#06x} is not allowed",
                                  line)]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file, "malformed YAML: " + " ".join(str(exc).split()))]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if problems:
        raise InputError(problems)
    return data, lines


def load_yaml(path: str | Path, limits: Limits | None = None) -> tuple[Any, LineMap]:
    """Read and parse a YAML file, reporting unreadable, oversized or malformed files as InputError.

    Only regular files are read: a device (/dev/zero) or a named pipe would never end."""
    path = Path(path)
    limits = limits or Limits.from_env()
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError([Problem(str(path), "not a regular file")])
        if info.st_size > limits.max_bytes:
            raise InputError([Problem(str(path), f"larger than {limits.max_bytes:,} bytes (AUDIT_YAML_MAX_BYTES)")])
        with path.open("rb") as handle:
            raw = handle.read(limits.max_bytes + 1)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise InputError([Problem(str(path), "file not found")]) from None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem(str(path), f"cannot read file: not UTF-8 text (byte {exc.start})", line)]) from None
    except OSError as exc:
        raise InputError([Problem(str(path), f"cannot read file: {exc.strerror or exc}")]) from None
    return parse_yaml_text(text, str(path), limits)


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
            ctx = err.get("ctx", {})
            # a validator may name the whole path (`path`), or the field under its own location (`field`)
            loc = _data_path(data, tuple(ctx.get("path") or err["loc"]) + ((ctx["field"],) if "field" in ctx else ()))
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown key"
            elif err["type"] == "missing":
                message = "required field is missing"
            problems.append(Problem(file, message, lines.line_of(loc), format_path(loc)))
        raise InputError(problems) from None

"""Registered probe kinds, and loading probe YAML validated against its kind."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from audit.core.content import content_dir
from audit.core.errors import ContentNotFound, InputError, Problem
from audit.core.yamlio import format_path, load_yaml, validate_model
from audit.probes.base import ProbeDefinition, ProbeKind

__all__ = ["register", "kinds", "load_probe_file", "build_probe", "shipped_probe_files", "find_probe"]

_KINDS: dict[str, type[ProbeKind]] = {}


def register(cls: type[ProbeKind]) -> type[ProbeKind]:
    """Class decorator: make a probe kind available to YAML by its `kind` name."""
    _KINDS[cls.kind] = cls
    return cls


def kinds() -> dict[str, type[ProbeKind]]:
    _import_builtin_kinds()
    return dict(_KINDS)


def _import_builtin_kinds() -> None:
    import importlib

    for name in ("identity", "tokenizer", "drift"):
        try:
            importlib.import_module(f"{__package__}.{name}.kind")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}.kind":
                raise


def build_probe(definition: ProbeDefinition, file: str = "<probe>", lines=None) -> ProbeKind:
    known = kinds()
    cls = known.get(definition.kind)
    line_of = (lambda path: lines.line_of(path)) if lines is not None else (lambda path: None)
    if cls is None:
        raise InputError([Problem(file, f"unknown probe kind {definition.kind!r} "
                                        f"(known: {', '.join(sorted(known)) or 'none'})",
                                  line_of(("kind",)), "kind")])
    try:
        params = cls.Params.model_validate(definition.parameters)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = ("parameters",) + tuple(err["loc"])
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(Problem(file, msg, line_of(path), format_path(path)))
        raise InputError(problems) from None
    return cls(definition, params)


def load_probe_file(path: str | Path) -> ProbeKind:
    path = Path(path)
    data, lines = load_yaml(path)
    definition = validate_model(ProbeDefinition, data, lines, str(path))
    return build_probe(definition, str(path), lines)


def shipped_probe_files() -> list[Path]:
    return sorted(p for p in content_dir("probes").rglob("*.yaml") if not p.name.startswith("_"))


def find_probe(probe_id: str) -> ProbeKind:
    """A shipped probe by id, or a probe file given by path."""
    direct = Path(probe_id)
    if direct.suffix in (".yaml", ".yml") and direct.is_file():
        return load_probe_file(direct)
    for path in shipped_probe_files():
        if path.stem == probe_id:
            return load_probe_file(path)
    known = ", ".join(p.stem for p in shipped_probe_files()) or "none"
    raise ContentNotFound(f"no probe {probe_id!r} (shipped probes: {known})")

"""Probe kinds, discovered from their folders, and loading probe YAML validated against its kind.

A kind is a folder under audit/probes/ with a `def.yaml` (its declaration: name, description, the
checks it emits and their values, see audit.probes.declaration) and a `kind.py` whose class is
decorated with `@register`. Declarations are read without importing the kind's code, so rubric
checks can be validated cheaply; `kinds()` imports the code. Another kind (a test's, a plugin's)
registers with its own declaration: `register(cls, declaration)`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from pydantic import ValidationError

from audit.core.content import content_dir
from audit.core.errors import ContentNotFound, InputError, Problem
from audit.core.yamlio import format_path, load_yaml, validate_model
from audit.probes.base import ProbeDefinition, ProbeKind
from audit.probes.declaration import KindDeclaration, load_declaration

__all__ = ["register", "unregister", "kinds", "declarations", "declaration", "declared_checks", "declared_check",
           "check_title", "load_probe_file", "build_probe", "shipped_probe_files", "find_probe"]

_KINDS: dict[str, type[ProbeKind]] = {}
_DECLARED: dict[str, KindDeclaration] = {}  # kinds registered with a declaration of their own
_BUILTIN: dict[str, KindDeclaration] | None = None
_FOLDER = Path(__file__).resolve().parent


def _builtin() -> dict[str, KindDeclaration]:
    """The declarations of the kinds shipped as folders with a def.yaml (read once)."""
    global _BUILTIN
    if _BUILTIN is None:
        found = {}
        for path in sorted(_FOLDER.glob("*/def.yaml")):
            decl = load_declaration(path)
            if decl.name != path.parent.name:
                raise InputError.single(path, f"kind name {decl.name!r} differs from its folder "
                                              f"{path.parent.name!r}", None, "name")
            found[decl.name] = decl
        _BUILTIN = found
    return _BUILTIN


def declarations() -> dict[str, KindDeclaration]:
    """Every known kind's declaration, by kind name."""
    return {**_builtin(), **_DECLARED}


def declaration(kind: str) -> KindDeclaration:
    known = declarations()
    if kind not in known:
        raise KeyError(f"unknown probe kind {kind!r} (known: {', '.join(sorted(known)) or 'none'})")
    return known[kind]


def declared_checks(kind: str) -> tuple[str, ...]:
    """The checks `kind` declares, in its def.yaml's order."""
    return declaration(kind).check_names


def declared_check(kind: str, check: str) -> str:
    """`check`, after making sure `kind` declares it (for code that binds a check name to a constant)."""
    if check not in declaration(kind).checks:
        raise KeyError(f"probe kind {kind!r} declares no check {check!r} "
                       f"(declared: {', '.join(declared_checks(kind))})")
    return check


def check_title(kind: str, check: str) -> str:
    """The card title of a declared check."""
    return declaration(kind).title(check)


def register(cls: type[ProbeKind], declaration: KindDeclaration | None = None) -> type[ProbeKind]:
    """Make a probe kind available to YAML by its `kind` name (usable as a class decorator).

    A shipped kind's declaration is its folder's def.yaml; any other kind passes its own."""
    if declaration is not None:
        if declaration.name != cls.kind:
            raise ValueError(f"declaration {declaration.name!r} does not match kind {cls.kind!r}")
        _DECLARED[cls.kind] = declaration
    elif cls.kind not in declarations():
        raise ValueError(f"probe kind {cls.kind!r} has no def.yaml and no declaration was given")
    _KINDS[cls.kind] = cls
    return cls


def unregister(kind: str) -> None:
    """Forget a kind registered with its own declaration (tests)."""
    _DECLARED.pop(kind, None)
    if kind not in _builtin():
        _KINDS.pop(kind, None)


def kinds() -> dict[str, type[ProbeKind]]:
    _import_builtin_kinds()
    return dict(_KINDS)


def _import_builtin_kinds() -> None:
    for name in _builtin():
        importlib.import_module(f"{__package__}.{name}.kind")


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

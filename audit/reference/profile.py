"""The reference endpoint's behaviour profile: a YAML file validated with pydantic.

A profile sets, for the whole server, the tokenizer that counts usage, the chat template's token
overhead and any hidden system prompt, the served model name, an identity persona, how generic
answers look, latency and injected faults. ``versions`` hold named overrides of those settings;
the active version (``version``) can be flipped while the server runs, which is how tests simulate
a model that silently changes behind the same name.

Shipped profiles live in ``data/reference/<name>.yaml``; ``load_profile`` takes such a name or a
path, and keyword overrides that are merged into the YAML data before validation.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from audit.core.content import content_dir
from audit.reference.contract import ApiContract
from audit.reference.serving import Serving
from audit.core.errors import ContentNotFound, InputError, Problem
from audit.schema.base import NonEmpty, Strict
from audit.core.yamlio import LineMap, format_path, load_yaml, validate_model

__all__ = ["Profile", "Behaviour", "VersionOverride", "Template", "Billing", "Persona", "Topic",
           "Answer", "Spoof", "Generation", "Latency", "Faults", "FAULT_KINDS",
           "load_profile", "profile_dir", "list_profiles"]

FAULT_KINDS = ("rate_limit", "server_error", "timeout", "malformed_json", "drop")
Probability = float


class Template(Strict):
    """Token overhead of the chat template, as real servers add it around the messages."""

    per_request: int = Field(default=3, ge=0, description="tokens added once per request (reply priming)")
    per_message: int = Field(default=4, ge=0, description="tokens added around each message")
    hidden_system_prompt: str = Field(default="", description="a system prompt the provider adds unseen")


class Billing(Strict):
    """Dishonest billing: reported completion tokens are the true count times this factor."""

    completion_factor: float = Field(default=1.0, ge=0)
    prompt_factor: float = Field(default=1.0, ge=0)


class Answer(Strict):
    text: NonEmpty
    weight: float = Field(default=1.0, gt=0)


class Topic(Strict):
    """An identity question (who / company / version / cutoff / context window …) and its answers."""

    name: NonEmpty
    keywords: dict[str, list[NonEmpty]] = Field(min_length=1,
                                                description="language code -> substrings (case-insensitive)")
    answers: dict[str, list[Answer]] = Field(min_length=1,
                                             description="language code -> weighted answers")

    @model_validator(mode="after")
    def _answers_cover_languages(self) -> "Topic":
        missing = sorted(set(self.keywords) - set(self.answers))
        if missing and "en" not in self.answers:
            raise ValueError(f"no answers for language(s) {', '.join(missing)} and no 'en' fallback")
        for lang, answers in self.answers.items():
            if not answers:
                raise ValueError(f"answers for {lang!r} are empty")
        return self


class Spoof(Strict):
    """Whether a system prompt saying "You are X" makes the persona claim to be X."""

    probability: Probability = Field(default=0.0, ge=0, le=1)
    patterns: list[NonEmpty] = Field(default_factory=lambda: [
        r"(?i)\byou are ([A-Z][\w.\-]*(?:[ -][A-Z0-9][\w.\-]*)*)",
        r"你是([\w.\-]+)",
    ], description="regexes over system text; group 1 is the claimed name")
    topics: list[NonEmpty] = Field(default_factory=lambda: ["identity"])
    answers: dict[str, NonEmpty] = Field(default_factory=lambda: {"en": "I am {name}.", "zh": "我是{name}。"})


class Persona(Strict):
    topics: list[Topic] = Field(default_factory=list)
    spoof: Spoof = Field(default_factory=Spoof)


class Generation(Strict):
    """How generic (non-identity) answers look: deterministic text from seed, prompt and version."""

    words: tuple[int, int] = Field(default=(20, 60), description="min and max words of a generic answer")
    style: Literal["plain", "formal", "terse"] = "plain"
    arithmetic_error_rate: Probability = Field(default=0.0, ge=0, le=1)
    salt: str = Field(default="", description="changes the wording without changing anything else")

    @model_validator(mode="after")
    def _ordered(self) -> "Generation":
        if not 1 <= self.words[0] <= self.words[1]:
            raise ValueError("words must be [min, max] with 1 <= min <= max")
        return self


class Latency(Strict):
    fixed_ms: float = Field(default=0.0, ge=0)
    jitter_ms: float = Field(default=0.0, ge=0, description="uniform extra delay in [0, jitter_ms]")


class Faults(Strict):
    """Injected faults at given rates, drawn deterministically from the seed, the request body
    and how often that same body was sent before (so a retry draws again)."""

    seed: int = 0
    rate_limit: Probability = Field(default=0.0, ge=0, le=1)
    server_error: Probability = Field(default=0.0, ge=0, le=1)
    timeout: Probability = Field(default=0.0, ge=0, le=1)
    malformed_json: Probability = Field(default=0.0, ge=0, le=1)
    drop: Probability = Field(default=0.0, ge=0, le=1)
    retry_after: float = Field(default=1.0, ge=0, description="seconds sent in Retry-After with a 429")
    timeout_seconds: float = Field(default=30.0, gt=0, description="how long a 'timeout' fault stalls")
    max_per_request: int = Field(default=3, ge=0,
                                 description="after this many faults for the same body, it succeeds")

    @model_validator(mode="after")
    def _total(self) -> "Faults":
        if self.total_rate() > 1:
            raise ValueError("fault rates add up to more than 1")
        return self

    def total_rate(self) -> float:
        return sum(getattr(self, kind) for kind in FAULT_KINDS)


class Behaviour(Strict):
    """What a version of the served model does. Every field may be overridden per version."""

    tokenizer: NonEmpty = "o200k_base"
    template: Template = Field(default_factory=Template)
    billing: Billing = Field(default_factory=Billing)
    served_model: NonEmpty = Field(default="echo",
                                   description="'echo' returns the requested name; anything else replaces it")
    system_fingerprint: str | None = "fp_reference"
    persona: Persona = Field(default_factory=Persona)
    generation: Generation = Field(default_factory=Generation)
    latency: Latency = Field(default_factory=Latency)
    faults: Faults = Field(default_factory=Faults)
    api: ApiContract = Field(default_factory=ApiContract, description="the request contract it enforces")
    serving: Serving = Field(default_factory=Serving, description="context window, sampling, cap, tools, streams")


class VersionOverride(Strict):
    tokenizer: NonEmpty | None = None
    template: Template | None = None
    billing: Billing | None = None
    served_model: NonEmpty | None = None
    system_fingerprint: str | None = None
    persona: Persona | None = None
    generation: Generation | None = None
    latency: Latency | None = None
    faults: Faults | None = None
    api: ApiContract | None = None
    serving: Serving | None = None


class Profile(Behaviour):
    id: NonEmpty
    description: str = ""
    models: list[NonEmpty] = Field(default_factory=lambda: ["reference-model"],
                                   description="ids listed by GET /v1/models")
    strict_models: bool = Field(default=False, description="reject requests for models not in `models`")
    seed: int = Field(default=0, description="seeds the server's own randomness (requests without a seed)")
    version: NonEmpty = "a"
    versions: dict[str, VersionOverride] = Field(default_factory=dict)
    version_file: str | None = Field(default=None,
                                     description="if set, a file whose content names the active version")
    source: str | None = Field(default=None, exclude=True, description="the file it was loaded from")

    @model_validator(mode="after")
    def _version_known(self) -> "Profile":
        if self.versions and self.version not in self.versions:
            raise ValueError(f"version {self.version!r} is not one of {sorted(self.versions)}")
        return self

    def behaviour(self, version: str | None = None) -> Behaviour:
        """The settings in force for `version` (the profile's own when None or unknown)."""
        version = version or self.version
        base = {name: getattr(self, name) for name in Behaviour.model_fields}
        override = self.versions.get(version)
        if override is not None:
            base.update({k: v for k, v in override if v is not None})
        return Behaviour(**base)

    def version_names(self) -> list[str]:
        return sorted(self.versions) or [self.version]


def profile_dir() -> Path:
    return content_dir("data") / "reference"


def list_profiles() -> list[Path]:
    return sorted(profile_dir().glob("*.yaml"))


def _profile_path(name_or_path: str | Path) -> Path:
    direct = Path(name_or_path)
    if direct.suffix in (".yaml", ".yml") or direct.is_file() or len(direct.parts) > 1:
        return direct
    candidate = profile_dir() / f"{name_or_path}.yaml"
    if candidate.is_file():
        return candidate
    known = ", ".join(p.stem for p in list_profiles()) or "none"
    raise ContentNotFound(f"no reference profile {str(name_or_path)!r} (shipped profiles: {known})")


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def _with_base(data: dict, lines: LineMap, path: Path, seen: tuple[str, ...]) -> dict:
    """Resolve ``extends: NAME|FILE``: this file's keys deep-merged over the base profile's."""
    base_name = data.pop("extends", None)
    if base_name is None:
        return data
    where = lines.line_of(("extends",))
    if not isinstance(base_name, str):
        raise InputError([Problem(str(path), "must name a profile", where, "extends")])
    base_path = Path(base_name)
    if base_path.suffix in (".yaml", ".yml") and not base_path.is_absolute():
        base_path = path.parent / base_path
    try:
        base_path = _profile_path(base_path if base_path.suffix in (".yaml", ".yml") else base_name)
    except ContentNotFound as exc:
        raise InputError([Problem(str(path), str(exc), where, "extends")]) from None
    if str(base_path.resolve()) in seen:
        raise InputError([Problem(str(path), "profiles extend each other in a loop", where, "extends")])
    base, base_lines = _read_yaml(base_path)
    if not isinstance(base, dict):
        raise InputError([Problem(str(base_path), "a profile must be a mapping")])
    base = _with_base(base, base_lines, base_path, seen + (str(base_path.resolve()),))
    return _merge(base, data)


_parsed: dict[tuple[str, int, int], tuple[Any, LineMap]] = {}


def _read_yaml(path: Path) -> tuple[Any, LineMap]:
    """Parse a profile file, reusing the last parse while the file is unchanged (tests start many servers)."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return load_yaml(path)  # reports the missing file
    if key not in _parsed:
        _parsed[key] = load_yaml(path)
    data, lines = _parsed[key]
    return copy.deepcopy(data), lines


def load_profile(name_or_path: str | Path | Profile, **overrides: Any) -> Profile:
    """A validated profile from a shipped name (``default``) or a YAML path.

    Keyword overrides are deep-merged into the YAML data before validation, e.g.
    ``load_profile("default", latency={"fixed_ms": 100}, faults={"rate_limit": 0.2})``.
    """
    if isinstance(name_or_path, Profile):
        if not overrides:
            return name_or_path
        data = _merge(name_or_path.model_dump(exclude_none=False), overrides)
        file = name_or_path.source or name_or_path.id
        profile = validate_model(Profile, data, LineMap(), file)
        _check_tokenizers(profile, LineMap(), file)
        return profile.model_copy(update={"source": name_or_path.source})
    path = _profile_path(name_or_path)
    data, lines = _read_yaml(path)
    if not isinstance(data, dict):
        raise InputError([Problem(str(path), "a profile must be a mapping")])
    data = _with_base(data, lines, path, seen=(str(path.resolve()),))
    if overrides:
        data = _merge(data, overrides)
    if isinstance(data, dict) and "source" in data:
        raise InputError([Problem(str(path), "unknown key", lines.line_of(("source",)), "source")])
    profile = validate_model(Profile, data, lines, str(path))
    _check_tokenizers(profile, lines, str(path))
    return profile.model_copy(update={"source": str(path)})


def _check_tokenizers(profile: Profile, lines: LineMap, file: str) -> None:
    """Every tokenizer the profile names must load offline; report the ones that do not."""
    from audit.reference.tokenizer import UnknownTokenizer, counting_tokenizer

    wanted = [(("tokenizer",), profile.tokenizer)]
    wanted += [(("versions", name, "tokenizer"), v.tokenizer) for name, v in profile.versions.items() if v.tokenizer]
    problems = []
    for field_path, name in wanted:
        try:
            counting_tokenizer(name)
        except UnknownTokenizer as exc:
            problems.append(Problem(file, str(exc), lines.line_of(field_path), format_path(field_path)))
    if problems:
        raise InputError(problems)

"""Load the model request profiles (data/request_profiles.yaml) and pick one for a target.

A target names its profile (`request_profile:`) or gets the first whose `match` patterns fit the
model id and whose dialects include the target's provider. Its reasoning effort is the target's
`reasoning_effort`, else the lowest effort the profile lists (the cheapest, and on GPT-5.1+ the one
under which temperature stays available). Errors name the file, line and field, or the flag.
"""

from __future__ import annotations

import fnmatch
from functools import lru_cache
from pathlib import Path

from audit.core.content import content_dir
from audit.core.errors import InputError, Problem
from audit.core.yamlio import load_yaml, validate_model
from audit.schema.request_profile import RequestProfile, RequestProfiles, RequestRules

__all__ = ["profiles_path", "load_request_profiles", "find_request_profile", "resolve_rules", "split_efforts"]


def profiles_path() -> Path:
    return content_dir("data") / "request_profiles.yaml"


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> RequestProfiles:
    data, lines = load_yaml(path)
    return validate_model(RequestProfiles, data, lines, path)


def load_request_profiles(path: str | Path | None = None) -> RequestProfiles:
    """Every profile, validated (an InputError with file, line and field when one is malformed)."""
    file = Path(path) if path is not None else profiles_path()
    try:
        mtime = file.stat().st_mtime_ns
    except OSError:
        raise InputError([Problem(str(file), "file not found")]) from None
    return _load(str(file), mtime)


def _model_key(model: str) -> str:
    return model.strip().lower().rsplit("/", 1)[-1]


def find_request_profile(model: str, provider: str, name: str | None = None,
                         profiles: RequestProfiles | None = None) -> RequestProfile | None:
    """The named profile, or the first matching `model` for `provider`; None when none matches."""
    profiles = profiles or load_request_profiles()
    if name is not None:
        for profile in profiles.profiles:
            if profile.id == name:
                return profile
        known = ", ".join(p.id for p in profiles.profiles)
        raise InputError([Problem("request_profile", f"no request profile {name!r} (known: {known})")])
    key = _model_key(model)
    for profile in profiles.profiles:
        if provider in profile.dialects and any(fnmatch.fnmatchcase(key, pattern) for pattern in profile.match):
            return profile
    return None


def resolve_rules(model: str, provider: str, name: str | None = None, effort: str | None = None
                  ) -> RequestRules | None:
    """The rules a target's calls follow: its profile at its effort (checked against the profile)."""
    profile = find_request_profile(model, provider, name)
    if profile is None:
        if effort is not None:
            raise InputError([Problem("reasoning_effort", f"no request profile for model {model!r} lists efforts")])
        return None
    if provider not in profile.dialects:
        raise InputError([Problem("request_profile", f"profile {profile.id} is for {', '.join(profile.dialects)}, "
                                                     f"not provider {provider}")])
    if profile.efforts is None:
        if effort is not None:
            raise InputError([Problem("reasoning_effort", f"profile {profile.id} has no reasoning efforts")])
        return RequestRules(profile=profile)
    efforts = split_efforts(effort)
    for one in efforts:
        if one not in profile.efforts.values:
            raise InputError([Problem("reasoning_effort", f"{one!r} is not an effort of profile {profile.id} "
                                                          f"({', '.join(profile.efforts.values)})")])
    if not efforts:
        return RequestRules(profile=profile, effort=profile.efforts.values[0])
    return RequestRules(profile=profile, effort=efforts[0], efforts=efforts if len(efforts) > 1 else [])


def split_efforts(effort: str | None) -> list[str]:
    """'low,medium,high' -> ['low', 'medium', 'high'] (a run covering several efforts; the first is the
    one every probe sends, the others are swept by the probes that measure reasoning); repeats dropped."""
    if effort is None:
        return []
    out: list[str] = []
    for part in effort.split(","):
        if not part.strip():
            raise InputError([Problem("reasoning_effort", f"{effort!r}: an empty effort in the list")])
        if part.strip() not in out:
            out.append(part.strip())
    return out

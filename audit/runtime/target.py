"""The audited target: provider + model + base URL, and the name of the variable holding its API key.

A target comes from command-line flags, optionally on top of a target YAML file:

    provider: openai            # or anthropic
    model: gpt-4o-2024-08-06
    base_url: https://api.openai.com/v1
    api_key_env: OPENAI_API_KEY # the variable's name; the key itself is never in a file or a flag
    concurrency: 8              # calls in flight at once
    connect_timeout: 10         # seconds
    read_timeout: 120
    max_attempts: 6             # per call, retries included
    call_deadline: 480          # seconds a call may take in all, retries and waits included
                                # (default: four read timeouts, at least 20 s)
    max_response_bytes: 16777216  # the largest response body read (default 16 MiB)
    request_profile: openai-gpt-5.4   # optional: else matched from the model id (data/request_profiles.yaml)
    reasoning_effort: low       # optional: else the lowest effort the profile allows

No key is sent unless `api_key_env` names a variable. The key is read from the environment at
the moment the client is built and lives only in the client's headers; what is recorded is
`public_endpoint(base_url)`, the URL without credentials, query or fragment.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, field_validator

from audit.core.errors import InputError, Problem
from audit.providers.transport import DEFAULT_MAX_BODY_BYTES, Timeouts
from audit.schema.base import NonEmpty, Strict
from audit.core.yamlio import LineMap, load_yaml, validate_model

__all__ = ["Target", "load_target", "public_endpoint", "read_api_key"]

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Target(Strict):
    provider: Literal["openai", "openai-responses", "anthropic"] = "openai"
    model: NonEmpty
    base_url: NonEmpty
    api_key_env: str | None = Field(default=None, pattern=ENV_NAME,
                                    description="name of the environment variable holding the API key")
    concurrency: int = Field(default=8, ge=1, le=1024)
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=50)
    call_deadline: float | None = Field(default=None, gt=0, le=86_400, description=(
        "seconds one call may take in all (connecting, every attempt, the waits between); "
        "None: four read timeouts, at least 20 s"))
    max_response_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024, le=1 << 30,
                                    description="the largest response body read; a larger one is an error exchange")
    request_profile: str | None = Field(default=None, description="a profile id in data/request_profiles.yaml; "
                                                                  "None: matched from the model id")
    reasoning_effort: str | None = Field(default=None, description="None: the lowest the profile allows")

    @field_validator("base_url")
    @classmethod
    def _plain_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL")
        try:
            port = parts.port
        except ValueError:
            port = -1
        if port is not None and not 1 <= port <= 65535:
            raise ValueError("the port must be a number from 1 to 65535")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials; name the key's environment variable in api_key_env")
        return value

    def rules(self):
        """The request rules its calls follow (profile at effort), or None when no profile matches."""
        from audit.runtime.request_profiles import resolve_rules

        return resolve_rules(self.model, self.provider, self.request_profile, self.reasoning_effort)

    @property
    def endpoint(self) -> str:
        """The base URL as it may be recorded."""
        return public_endpoint(self.base_url)

    def with_limits(self, call_deadline: float | None = None, max_response_bytes: int | None = None) -> "Target":
        """This target with the per-call limits given on the command line (None keeps the file's or default)."""
        limits = {k: v for k, v in (("call_deadline", call_deadline), ("max_response_bytes", max_response_bytes))
                  if v is not None}
        if not limits:
            return self
        return validate_model(Target, {**self.model_dump(exclude_unset=True), **limits}, LineMap(), "command line")

    def timeouts(self) -> Timeouts:
        """The transport's per-call limits: timeouts, total deadline, response body cap."""
        return Timeouts(self.connect_timeout, self.read_timeout, self.call_deadline, self.max_response_bytes)


def public_endpoint(url: str) -> str:
    """`url` without user info, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def load_target(file: str | Path | None = None, **overrides: Any) -> Target:
    """A target from an optional YAML file, with non-None `overrides` (the command-line flags) on top."""
    data: dict[str, Any] = {}
    lines, where = LineMap(), "command line"
    if file is not None:
        loaded, lines = load_yaml(file)
        where = str(file)
        if not isinstance(loaded, dict):
            raise InputError([Problem(where, "a target file holds a mapping (provider, model, base_url, ...)")])
        data = dict(loaded)
    data.update({k: v for k, v in overrides.items() if v is not None})
    return validate_model(Target, data, lines, where)


def read_api_key(target: Target) -> str | None:
    """The key from the variable the target names; None when it names none."""
    if target.api_key_env is None:
        return None
    key = os.environ.get(target.api_key_env)
    if not key:
        if re.fullmatch(r"[A-Z_][A-Z0-9_]{0,63}", target.api_key_env):
            named = f"environment variable {target.api_key_env}"
        else:  # not spelled like a variable: perhaps the key itself was pasted there, so it is not echoed
            named = "the environment variable it names (name not shown: it is not spelled like one; was a key given?)"
        raise InputError([Problem("api_key_env", f"{named} is not set or empty")])
    return key

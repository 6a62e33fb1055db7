"""Model request profiles: what a model family accepts in a request, each rule with its source.

A profile (data/request_profiles.yaml) says, for the model ids it matches, which field carries the
output cap, which reasoning efforts exist and which is the default, which sampling fields are
accepted and under which effort, whether `seed` and `logprobs` exist, and how reasoning tokens are
reported. Probes read it through `RequestRules` (a profile at one effort) so they never send what
the model is documented to refuse.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from audit.schema.base import NonEmpty, Strict

__all__ = ["Source", "CapRule", "EffortRule", "SamplingRule", "FlagRule", "ReasoningRule", "ContextRule", "RequestProfile",
           "RequestProfiles", "RequestRules", "SAMPLING_FIELDS"]

SAMPLING_FIELDS = ("temperature", "top_p", "top_k")


class Source(Strict):
    source: NonEmpty = Field(description="URL of the documentation page the rule comes from, or 'unverified'")
    secondary: bool = Field(default=False, description="true when the page is not the provider's own")

    @field_validator("source")
    @classmethod
    def _url_or_unverified(cls, value: str) -> str:
        if value != "unverified" and not value.startswith("https://"):
            raise ValueError("must be an https:// URL of the page the rule comes from, or 'unverified'")
        return value


class CapRule(Source):
    field: Literal["max_tokens", "max_completion_tokens", "max_output_tokens"]
    includes_reasoning: bool = Field(default=False, description="the cap bounds hidden reasoning too")


class EffortRule(Source):
    values: list[NonEmpty] = Field(min_length=1, description="the efforts, lowest first")
    default: NonEmpty
    field: Literal["reasoning_effort", "reasoning.effort", "output_config.effort"] = "reasoning_effort"

    @model_validator(mode="after")
    def _default_known(self) -> "EffortRule":
        if self.default not in self.values:
            raise ValueError(f"default {self.default!r} is not one of {self.values}")
        return self


class SamplingRule(Source):
    """A sampling field: accepted at every effort (efforts omitted), only under some, or only at `only`."""

    accepted: bool = True
    efforts: list[NonEmpty] | None = Field(default=None, description="efforts under which it is accepted")
    only: float | None = Field(default=None, description="the one value accepted (e.g. the default 1)")


class FlagRule(Source):
    supported: bool
    efforts: list[NonEmpty] | None = None


class ReasoningRule(Source):
    reported_in: str | None = Field(default=None, description="the usage field reasoning tokens are reported in")
    included_in_output: bool = True
    visible_field: str | None = Field(default=None, description="a message field carrying visible reasoning")


class ContextRule(Source):
    """How much of the context window a prompt may fill.

    `window_less_cap`: the prompt plus the requested output cap must fit the window (the classic rule:
    "This model's maximum context length is N tokens. However, you requested ..."). `window_less_max_output`:
    the window holds the model's maximum output in reserve, so the prompt alone must fit the window less
    the declared `max_output_tokens`, whatever cap is asked (OpenAI GPT-5: 400,000 - 128,000 = 272,000).
    """

    input_limit: Literal["window_less_cap", "window_less_max_output"] = "window_less_cap"


class RequestProfile(Strict):
    id: NonEmpty
    description: NonEmpty
    dialects: list[Literal["openai", "openai-responses", "anthropic"]] = Field(min_length=1)
    match: list[NonEmpty] = Field(default_factory=list, description="model-id patterns (fnmatch, lower case)")
    cap: CapRule
    efforts: EffortRule | None = None
    sampling: dict[Literal["temperature", "top_p", "top_k"], SamplingRule] = Field(default_factory=dict)
    seed: FlagRule
    logprobs: FlagRule
    reasoning: ReasoningRule | None = None
    context: ContextRule | None = Field(default=None, description="how a prompt must fit the window "
                                                                  "(none: prompt plus cap within the window)")


class RequestProfiles(Strict):
    profiles: list[RequestProfile] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "RequestProfiles":
        ids = [p.id for p in self.profiles]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate profile id(s): {', '.join(dupes)}")
        return self


class RequestRules(Strict):
    """A profile at the target's effort: what a probe may send."""

    profile: RequestProfile
    effort: str | None = None
    efforts: list[NonEmpty] = Field(default_factory=list, description=(
        "every effort the run covers, `effort` first, when it covers more than one (else empty)"))

    @property
    def covered(self) -> list[str]:
        """The efforts the run covers: `efforts`, else the one `effort` (nothing without efforts)."""
        return list(self.efforts) or ([self.effort] if self.effort else [])

    def at(self, effort: str | None) -> "RequestRules":
        """These rules for one call sent at `effort` (None: the run's own)."""
        return self if effort is None or effort == self.effort else self.model_copy(update={"effort": effort})

    def accepts(self, name: str, value: float | None = None) -> bool:
        """Whether sampling field (or `seed`/`logprobs`) `name`, with `value`, is accepted at this effort."""
        if name in ("seed", "logprobs"):
            rule = getattr(self.profile, name)
            return rule.supported and (rule.efforts is None or self.effort in rule.efforts)
        rule = self.profile.sampling.get(name)
        if rule is None:
            return name != "top_k" or "anthropic" in self.profile.dialects
        if not rule.accepted or (rule.efforts is not None and self.effort not in rule.efforts):
            return False
        return rule.only is None or value is None or float(value) == rule.only

    @property
    def cap_field(self) -> str:
        return self.profile.cap.field

    @property
    def reasons(self) -> bool:
        """Whether calls at this effort may spend hidden reasoning tokens."""
        return self.profile.efforts is not None and self.effort not in (None, "none")

    def refusal(self, name: str, value: float | None = None) -> str:
        """Why `name` is not sent, for a finding's message."""
        rule = self.profile.sampling.get(name) or getattr(self.profile, name, None)
        where = f" ({rule.source})" if rule is not None else ""
        at = f" at reasoning effort {self.effort}" if self.effort else ""
        shown = f"={value:g}" if isinstance(value, (int, float)) else ""
        return f"request profile {self.profile.id} does not accept {name}{shown}{at}{where}"

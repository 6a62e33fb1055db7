"""The request contract a reference profile enforces, as the real APIs document it.

A profile's `api:` section says which request fields the served model refuses and how, and how
much hidden reasoning it spends per effort. The error bodies are the ones the APIs return, as
quoted in public issue threads (secondary sources; see docs/providers.md):

- GPT-5 family / o-series on Chat Completions, `max_tokens`:
  {"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use
  'max_completion_tokens' instead.", "type": "invalid_request_error", "param": "max_tokens",
  "code": "unsupported_parameter"}}  (github.com/griptape-ai/ComfyUI-Griptape/issues/312)
- GPT-5 (and GPT-5.1+ away from effort none), `temperature` other than 1:
  "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value
  is supported.", code "unsupported_value"  (github.com/tmc/langchaingo/issues/1355,
  github.com/johny-b/llmcomp/issues/69 for GPT-5.4)
- Claude Opus 4.7, `temperature` (and, by the same rule, `top_p`, `top_k`):
  {"type": "error", "error": {"type": "invalid_request_error", "message": "temperature is deprecated
  for this model."}}  (github.com/The-PR-Agent/pr-agent/pull/2409)
- Anthropic `output_config.effort` (platform.claude.com/docs/en/build-with-claude/effort: the levels
  each model takes; `high`, the default, is the same as sending none) on a model without efforts:
  "This model does not support the effort parameter."  (github.com/anthropics/claude-code/issues/30010);
  a level the model lacks: "This model does not support effort level 'xhigh'. Supported levels: high,
  low, max, medium."  (github.com/NousResearch/hermes-agent/pull/11189)

Reasoning tokens count inside completion_tokens and inside the cap (max_completion_tokens bounds
reasoning and visible text together); when reasoning takes the whole cap the answer is empty with
finish_reason "length".
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from audit.schema.base import NonEmpty, Strict

__all__ = ["SamplingContract", "ReasoningContract", "ApiContract", "Rejection", "check_request", "reasoning_tokens"]


class SamplingContract(Strict):
    refused: bool = Field(default=False, description="any value is refused")
    only: float | None = Field(default=None, description="the one value accepted")
    efforts: list[NonEmpty] | None = Field(default=None, description="accepted only under these efforts")


class ReasoningContract(Strict):
    tokens: dict[str, int] = Field(default_factory=dict, description="effort -> hidden reasoning tokens spent")
    report_factor: float = Field(default=1.0, ge=0, description="reported = spent x this (dishonest when != 1)")
    report_at_none: int = Field(default=0, ge=0, description="reasoning tokens reported at effort none")


class ApiContract(Strict):
    refused_fields: dict[str, NonEmpty] = Field(default_factory=dict,
                                                description="field -> the field to use instead (Chat)")
    sampling: dict[str, SamplingContract] = Field(default_factory=dict)
    efforts: list[NonEmpty] = Field(default_factory=list)
    default_effort: str | None = None
    reasoning: ReasoningContract = Field(default_factory=ReasoningContract)


class Rejection(Exception):
    """A request the contract refuses: the status and the API's own error body."""

    def __init__(self, body: dict[str, Any]):
        super().__init__(str(body))
        self.status = 400
        self.body = body


def _openai_error(message: str, param: str, code: str) -> Rejection:
    return Rejection({"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}})


def _anthropic_error(message: str) -> Rejection:
    return Rejection({"type": "error", "error": {"type": "invalid_request_error", "message": message}})


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def sent_effort(data: dict[str, Any]) -> Any:
    """The effort a request sends: Chat `reasoning_effort`, Responses `reasoning.effort`, Anthropic
    `output_config.effort`; None when it sends none."""
    effort = data.get("reasoning_effort")
    for holder in ("reasoning", "output_config"):
        if effort is None and isinstance(data.get(holder), dict):
            effort = data[holder].get("effort")
    return effort


def effort_of(contract: ApiContract, data: dict[str, Any]) -> str | None:
    """The effort a request asks for, else the default."""
    effort = sent_effort(data)
    return effort if effort is not None else contract.default_effort


def check_request(contract: ApiContract, data: dict[str, Any], dialect: str) -> str | None:
    """Raise Rejection for what the contract refuses; return the request's effort."""
    anthropic = dialect == "anthropic"
    if dialect == "openai":  # the Chat cap field; Responses has only max_output_tokens
        for name, instead in contract.refused_fields.items():
            if name in data:
                raise _openai_error(f"Unsupported parameter: '{name}' is not supported with this model. "
                                    f"Use '{instead}' instead.", name, "unsupported_parameter")
    effort = effort_of(contract, data)
    if anthropic and sent_effort(data) is not None and not contract.efforts:
        raise _anthropic_error("This model does not support the effort parameter.")
    if effort is not None and contract.efforts and effort not in contract.efforts:
        if anthropic:
            raise _anthropic_error(f"This model does not support effort level '{effort}'. "
                                   f"Supported levels: {', '.join(sorted(contract.efforts))}.")
        raise _openai_error(f"Unsupported value: 'reasoning_effort' does not support '{effort}' with this model. "
                            f"Supported values are: {', '.join(repr(e) for e in contract.efforts)}.",
                            "reasoning_effort", "unsupported_value")
    for name, rule in contract.sampling.items():
        if name not in data or data[name] is None:
            continue
        value = data[name]
        allowed = not rule.refused and (rule.efforts is None or effort in rule.efforts) and \
            (rule.only is None or value == rule.only)
        if allowed:
            continue
        if anthropic:
            raise _anthropic_error(f"{name} is deprecated for this model.")
        default = "false" if isinstance(value, bool) else _shown(rule.only if rule.only is not None else 1)
        raise _openai_error(f"Unsupported value: '{name}' does not support {_shown(value)} with this model. "
                            f"Only the default ({default}) value is supported.", name, "unsupported_value")
    return effort


def reasoning_tokens(contract: ApiContract, effort: str | None, cap: int | None) -> tuple[int, int]:
    """(spent, reported) hidden reasoning tokens of one call; what is spent never passes the cap."""
    spent = contract.reasoning.tokens.get(effort or "", 0)
    if cap is not None:
        spent = min(spent, cap)
    reported = round(spent * contract.reasoning.report_factor)
    if effort == "none":
        reported += contract.reasoning.report_at_none
    return spent, reported

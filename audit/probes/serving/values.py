"""The contract between the serving evaluator and its card section (and the provider rubric built on it).

The check names are bound here to those def.yaml declares (a name it does not declare fails at import);
kind.py emits them, section.py shows them in def.yaml's order with its titles. `serving_view` is the one
place that turns a serving finding's `values` into a typed view; a key a finding does not carry is None.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from audit.probes.registry import declared_check
from audit.schema.finding import Finding

__all__ = ["KIND", "CONTEXT_WINDOW", "SILENT_TRUNCATION", "OUTPUT_CAP", "TEMPERATURE", "SEED", "REASONING_EFFORT",
           "TOOL_REQUIRED", "TOOL_FORBIDDEN", "TOOL_NAME", "TOOL_PARSE", "TOOL_SCHEMA", "TOOL_FINISH", "TOOL_STREAM",
           "STREAM_AGREEMENT", "STREAM_TERMINATOR", "STREAM_USAGE", "CONTEXT_CHECKS", "SAMPLING_CHECKS",
           "TOOL_CHECKS", "STREAM_CHECKS", "ServingView", "serving_view"]

KIND = "serving"
CONTEXT_WINDOW = declared_check(KIND, "context-window")
SILENT_TRUNCATION = declared_check(KIND, "silent-truncation")
OUTPUT_CAP = declared_check(KIND, "output-cap")
TEMPERATURE = declared_check(KIND, "temperature-honoured")
SEED = declared_check(KIND, "seed-honoured")
REASONING_EFFORT = declared_check(KIND, "reasoning-effort-honoured")
TOOL_REQUIRED = declared_check(KIND, "tool-call-when-required")
TOOL_FORBIDDEN = declared_check(KIND, "tool-call-when-forbidden")
TOOL_NAME = declared_check(KIND, "tool-name-offered")
TOOL_PARSE = declared_check(KIND, "tool-arguments-parse")
TOOL_SCHEMA = declared_check(KIND, "tool-arguments-schema")
TOOL_FINISH = declared_check(KIND, "tool-finish-reason")
TOOL_STREAM = declared_check(KIND, "tool-stream-assembly")
STREAM_AGREEMENT = declared_check(KIND, "stream-agreement")
STREAM_TERMINATOR = declared_check(KIND, "stream-terminator")
STREAM_USAGE = declared_check(KIND, "stream-usage")

CONTEXT_CHECKS = (CONTEXT_WINDOW, SILENT_TRUNCATION)
SAMPLING_CHECKS = (OUTPUT_CAP, TEMPERATURE, SEED, REASONING_EFFORT)
TOOL_CHECKS = (TOOL_REQUIRED, TOOL_FORBIDDEN, TOOL_NAME, TOOL_PARSE, TOOL_SCHEMA, TOOL_FINISH, TOOL_STREAM)
STREAM_CHECKS = (STREAM_AGREEMENT, STREAM_TERMINATOR, STREAM_USAGE)

# the rate each tool / stream check reports (its <key>, _ci_low, _ci_high, _n, _k values)
RATE_KEYS = {TOOL_REQUIRED: "required_rate", TOOL_FORBIDDEN: "forbidden_rate", TOOL_NAME: "offered_rate",
             TOOL_PARSE: "parse_rate", TOOL_SCHEMA: "schema_rate", TOOL_FINISH: "finish_rate",
             TOOL_STREAM: "assembly_rate", STREAM_TERMINATOR: "terminator_rate", STREAM_USAGE: "usage_rate"}


class ServingView(BaseModel):
    """What the card section reads of one serving finding (the rest of its values is ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    check: str
    calls: int | None = None
    request_profile: str | None = None
    reasoning_effort: str | None = None
    # context-window
    declared_window: int | None = None
    accept_prompt_tokens: int | None = None
    accepted: bool | None = None
    past_prompt_tokens: int | None = None
    past_refused: bool | None = None
    limit_low: int | None = None
    limit_high: int | None = None
    resolution_tokens: int | None = None
    search_budget_tokens: int | None = None
    search_steps: int | None = None
    search_tokens: int | None = None
    recall_works: bool | None = None
    # silent-truncation
    truncated: list[dict[str, Any]] = Field(default_factory=list)
    checked: int | None = None
    # output-cap
    cap: int | None = None
    over_cap: int | None = None
    wrong_finish: int | None = None
    answers: list[dict[str, Any]] = Field(default_factory=list)
    # temperature / seed / effort
    greedy_distinct: int | None = None
    greedy_n: int | None = None
    sampled_distinct: int | None = None
    sampled_n: int | None = None
    sampled_distance: float | None = None
    seed: int | None = None
    distinct: int | None = None
    n: int | None = None
    efforts: list[str] = Field(default_factory=list)
    mean_reasoning_tokens: dict[str, float] = Field(default_factory=dict)
    # stream-agreement
    deterministic: bool | None = None
    agree: bool | None = None
    # rates (tool and stream checks), read by `rate`
    rates: dict[str, Any] = Field(default_factory=dict)

    def rate(self) -> tuple[float | None, float | None, float | None, int, int] | None:
        """(rate, ci_low, ci_high, n, k) of a rate check, else None."""
        key = RATE_KEYS.get(self.check)
        if key is None or f"{key}_n" not in self.rates:
            return None
        r = self.rates
        return r.get(key), r.get(f"{key}_ci_low"), r.get(f"{key}_ci_high"), r[f"{key}_n"], r[f"{key}_k"]


def serving_view(finding: Finding) -> ServingView:
    """The typed view of one serving finding's values."""
    key = RATE_KEYS.get(finding.check)
    rates = {k: v for k, v in finding.values.items() if key and k.startswith(key)}
    return ServingView.model_validate({**finding.values, "check": finding.check, "rates": rates})

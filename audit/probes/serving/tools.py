"""Tool calls: a battery of function tools with JSON Schemas, asked under each `tool_choice`.

For every tool of the battery (required and optional fields, enums, nested objects, arrays), with every
tool of the battery offered, the tool's prompt is sent as:

    tool.<name>.required         tool_choice "required"     a call must be made
    tool.<name>.named            tool_choice that tool      a call to that tool must be made
    tool.<name>.auto             tool_choice "auto"         a call may be made (its validity is still checked)
    tool.<name>.none             tool_choice "none"         no call may be made
    tool.<name>.required.stream  "required", streamed       the deltas must assemble to the plain call

Calls are sent at temperature 0 with a seed where the request profile takes them, so the streamed and plain
answers may be compared, and with `parallel_tool_calls: false` (each prompt asks for one call; OpenAI's
Chat Completions field, default true). Checks, each a rate with its Wilson interval over the calls it applies to:
call made when required (required, named, required.stream); none made when forbidden (none); every call
names an offered tool; its arguments parse as JSON; they validate against the tool's schema (the
`jsonschema` package, the schema's own draft); finish_reason is `tool_calls` (a named tool_choice may end
with `stop`: OpenAI's own API does so, as reported in community.openai.com/t/437226); the streamed call
equals the plain one (name and parsed arguments).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator

from audit.probes.base import PlannedCall, TargetContext
from audit.probes.serving.verdict import RateRule, Verdict, not_available, rate_verdict
from audit.schema.base import NonEmpty, Strict
from audit.schema.evidence import ChatRequest, Exchange, Message, ToolCall, ToolSpec

__all__ = ["ToolCase", "ToolParams", "tool_calls_planned", "tool_verdicts", "MODES"]

MODES = ("required", "named", "auto", "none", "required.stream")


class ToolCase(Strict):
    tool: ToolSpec
    prompt: NonEmpty


class ToolParams(Strict):
    enabled: bool = True
    modes: list[str] = Field(default_factory=lambda: list(MODES))
    battery: list[ToolCase] = Field(default_factory=list)
    max_tokens: int = Field(default=256, ge=16)
    seed: int = 7
    parallel_tool_calls: bool | None = Field(default=False, description="each prompt asks for one call; None sends "
                                                                        "nothing (the server's default)")
    rates: RateRule = Field(default_factory=RateRule)

    @field_validator("modes")
    @classmethod
    def _known_modes(cls, modes: list[str]) -> list[str]:
        unknown = [m for m in modes if m not in MODES]
        if unknown:
            raise ValueError(f"unknown tool modes {unknown} (known: {', '.join(MODES)})")
        return modes


def _request(t: ToolParams, case: ToolCase, mode: str, target: TargetContext) -> ChatRequest:
    choice = {"named": case.tool.name, "required.stream": "required"}.get(mode, mode)
    request = ChatRequest(messages=[Message(role="user", content=case.prompt)], max_tokens=t.max_tokens,
                          temperature=0.0, seed=t.seed, stream=mode.endswith(".stream"),
                          tools=[c.tool for c in t.battery], tool_choice=choice,
                          parallel_tool_calls=t.parallel_tool_calls)
    return target.fit(request)


def tool_calls_planned(t: ToolParams, target: TargetContext) -> list[PlannedCall]:
    if not t.enabled:
        return []
    return [PlannedCall(f"tool.{case.tool.name}.{mode}", _request(t, case, mode, target),
                        estimated_input_tokens=200, droppable=frozenset({"temperature", "seed"}))
            for case in t.battery for mode in t.modes]


def _parse(call: ToolCall) -> tuple[bool, Any, str | None]:
    try:
        return True, json.loads(call.arguments or "{}"), None
    except ValueError as exc:
        return False, None, str(exc)


def _schema_errors(schema: dict, value: Any) -> list[str]:
    import jsonschema

    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return [f"the tool's own schema is invalid: {exc.message}"]
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in cls(schema).iter_errors(value)]


def tool_verdicts(t: ToolParams, target: TargetContext, done: Mapping[str, Exchange]) -> dict[str, Verdict]:
    """Every tool check's verdict, keyed by check name (values.py's constants)."""
    from audit.probes.serving.values import (TOOL_FINISH, TOOL_FORBIDDEN, TOOL_NAME, TOOL_PARSE, TOOL_REQUIRED,
                                             TOOL_SCHEMA, TOOL_STREAM)

    keys = {TOOL_REQUIRED: "required_rate", TOOL_FORBIDDEN: "forbidden_rate", TOOL_NAME: "offered_rate",
            TOOL_PARSE: "parse_rate", TOOL_SCHEMA: "schema_rate", TOOL_FINISH: "finish_rate",
            TOOL_STREAM: "assembly_rate"}
    if not t.enabled or not t.battery:
        return {check: not_available("tool checks switched off (no battery)", {}) for check in keys}
    offered = {c.tool.name: c.tool for c in t.battery}
    entries = [(case, mode, done.get(f"tool.{case.tool.name}.{mode}")) for case in t.battery for mode in t.modes]
    recorded = [ex for _, _, ex in entries if ex is not None]
    unsent = [ex for ex in recorded if not ex.ok]
    if recorded and len(unsent) == len(recorded):
        why = unsent[0].error or "no answer"
        return {check: not_available(f"no tool call was answered: {why}", {}, [ex.id for ex in recorded])
                for check in keys}
    answered = [(case, mode, ex) for case, mode, ex in entries if ex is not None and ex.ok]
    rule = t.rates
    out: dict[str, Verdict] = {}

    must = [(c, m, ex) for c, m, ex in answered if m in ("required", "named", "required.stream")]
    misses = [ex.key for _, m, ex in must if not ex.tool_calls or
              (m == "named" and not any(call.name == ex.request.tool_choice for call in ex.tool_calls))]
    by_mode = {m: {"n": sum(1 for _, mm, _ in must if mm == m),
                   "k": sum(1 for _, mm, ex in must if mm == m and ex.key not in misses)}
               for m in ("required", "named", "required.stream") if m in t.modes}
    out[TOOL_REQUIRED] = rate_verdict(rule, keys[TOOL_REQUIRED], len(must) - len(misses), len(must),
                                      "calls made when required", [ex.id for _, _, ex in must],
                                      {"by_mode": by_mode, "misses": misses})
    forbidden = [ex for _, m, ex in answered if m == "none"]
    f_misses = [ex.key for ex in forbidden if ex.tool_calls]
    out[TOOL_FORBIDDEN] = rate_verdict(rule, keys[TOOL_FORBIDDEN], len(forbidden) - len(f_misses), len(forbidden),
                                       "answers without a call under tool_choice none", [ex.id for ex in forbidden],
                                       {"misses": f_misses})
    made = [(c, m, ex, call) for c, m, ex in answered for call in (ex.tool_calls or [])]
    refs = [ex.id for _, _, ex, _ in made]
    wrong = [{"key": ex.key, "name": call.name} for _, _, ex, call in made if call.name not in offered]
    out[TOOL_NAME] = rate_verdict(rule, keys[TOOL_NAME], len(made) - len(wrong), len(made), "calls naming an offered tool",
                                  refs, {"wrong_names": wrong}, "no tool call was made")
    parse_fail, schema_fail, parsed_ok = [], [], 0
    schema_k = schema_n = 0
    for _, _, ex, call in made:
        ok, value, error = _parse(call)
        if not ok:
            parse_fail.append({"key": ex.key, "arguments": call.arguments[:200], "error": error})
            continue
        parsed_ok += 1
        tool = offered.get(call.name or "")
        if tool is None:
            continue  # no schema to check against: the name check reports it
        schema_n += 1
        errors = _schema_errors(tool.parameters, value)
        if errors:
            schema_fail.append({"key": ex.key, "errors": errors[:5]})
        else:
            schema_k += 1
    out[TOOL_PARSE] = rate_verdict(rule, keys[TOOL_PARSE], parsed_ok, len(made), "calls with JSON arguments", refs,
                                   {"failures": parse_fail}, "no tool call was made")
    out[TOOL_SCHEMA] = rate_verdict(rule, keys[TOOL_SCHEMA], schema_k, schema_n,
                                    "parsed arguments valid under the tool's schema", refs, {"failures": schema_fail},
                                    "no call to an offered tool with JSON arguments")
    finishing = [(m, ex) for _, m, ex in answered if ex.tool_calls]
    reasons: dict[str, int] = {}
    good = 0
    for m, ex in finishing:
        reason = ex.finish_reason or "none"
        reasons[reason] = reasons.get(reason, 0) + 1
        good += reason == "tool_calls" or (m == "named" and reason == "stop")
    out[TOOL_FINISH] = rate_verdict(rule, keys[TOOL_FINISH], good, len(finishing),
                                    "answers with calls ending in finish_reason tool_calls", [ex.id for _, ex in finishing],
                                    {"finish_reasons": reasons}, "no tool call was made")
    pairs, mismatches = 0, []
    pair_refs = []
    # Equal calls are expected only when the requests went out at temperature 0; a profile that refuses
    # temperature (Claude Opus 4.7 at an effort) samples both, and they may legitimately differ.
    greedy = bool(t.battery) and _request(t, t.battery[0], "required", target).temperature == 0.0
    for case in t.battery:
        plain = done.get(f"tool.{case.tool.name}.required")
        streamed = done.get(f"tool.{case.tool.name}.required.stream")
        if plain is None or streamed is None or not plain.ok or not streamed.ok or not plain.tool_calls:
            continue
        pairs += 1
        pair_refs += [plain.id, streamed.id]
        if greedy:
            agree = _shape(plain.tool_calls) == _shape(streamed.tool_calls or [])
        else:  # sampled: the two calls may differ; the deltas must still assemble to a call that parses
            agree = bool(streamed.tool_calls) and all(_parse(c)[0] for c in streamed.tool_calls)
        if not agree:
            mismatches.append({"key": streamed.key, "plain": _shape(plain.tool_calls),
                               "streamed": _shape(streamed.tool_calls or [])})
    what = ("streamed calls equal to the plain ones" if greedy else
            "streamed calls assembling to JSON arguments (sampled: the profile refuses temperature 0, so not "
            "compared with the plain calls)")
    out[TOOL_STREAM] = rate_verdict(rule, keys[TOOL_STREAM], pairs - len(mismatches), pairs,
                                    what, pair_refs, {"mismatches": mismatches},
                                    "no pair of plain and streamed calls to compare")
    return out


def _shape(calls: list[ToolCall]) -> list[list]:
    """What must agree between a plain and a streamed call: names and parsed arguments (raw text if unparsable)."""
    out = []
    for call in calls:
        ok, value, _ = _parse(call)
        out.append([call.name, value if ok else call.arguments])
    return out

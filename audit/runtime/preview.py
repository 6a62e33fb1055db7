"""What a run will send, for `audit run --dry-run`: the request profile, the effort, and per probe the
wire fields of its first calls (as the provider would build them; nothing is sent)."""

from __future__ import annotations

from dataclasses import dataclass

from audit.probes.base import ProbeKind, TargetContext
from audit.providers import PROVIDERS, ProviderError
from audit.schema.request_profile import RequestRules

__all__ = ["ProbeRequests", "preview_requests", "profile_line"]

_CONTENT = ("model", "messages", "input", "instructions", "system", "stream_options")


@dataclass(frozen=True)
class ProbeRequests:
    probe_id: str
    fields: list[str]  # "name=value" of every wire field but the model and the content


def profile_line(rules: RequestRules | None) -> str:
    if rules is None:
        return "request profile: none matched (fields sent as each probe plans them)"
    effort = f", reasoning effort {rules.effort}" if rules.effort else ""
    if rules.efforts:
        effort += f" (the tokenizer probe's reasoning check also at {', '.join(rules.efforts[1:])})"
    return f"request profile: {rules.profile.id} ({rules.profile.description}); cap field {rules.cap_field}{effort}"


def _shown(field: str, value: object) -> object:
    """A wire field as the plan prints it: tool lists by their names (the schemas would fill the screen)."""
    if field == "tools" and isinstance(value, list):
        # Chat: {"type": "function", "function": {"name": ...}}; Responses and Messages: {"name": ...}
        names = [t.get("name") or (t.get("function") or {}).get("name") for t in value if isinstance(t, dict)]
        return "[" + ", ".join(str(n) for n in names) + "]"
    return value


def preview_requests(provider: str, model: str, probes: list[ProbeKind], context: TargetContext
                     ) -> list[ProbeRequests]:
    """The distinct wire fields each probe's first round would send."""
    client = PROVIDERS[provider](None, model, context.request)  # wire_call never touches the transport
    out = []
    for probe in probes:
        seen: list[str] = []
        try:
            calls = probe.next_calls(context, {})
        except Exception as exc:  # reported again when the run is scored
            out.append(ProbeRequests(probe.id, [f"cannot plan: {type(exc).__name__}: {exc}"]))
            continue
        for call in calls:
            try:
                body = client.wire_call(call.request).body
            except ProviderError as exc:
                shown = exc.message
            else:
                shown = ", ".join(f"{k}={_shown(k, v)}" for k, v in body.items() if k not in _CONTENT)
            if shown not in seen:
                seen.append(shown)
        out.append(ProbeRequests(probe.id, seen))
    return out

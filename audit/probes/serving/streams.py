"""Stream integrity: a stream ends with its terminator, carries the usage its dialect promises, and says
what the plain answer says.

`stream.plain` (streamed) and `stream.ref` (the same request, not streamed) are sent at temperature 0 with
a seed where the request profile takes them. They must agree where the server is deterministic (its
temperature-0 repeats agreed); otherwise the comparison is not available. Every streamed exchange of the
probe (these and the streamed tool calls) is read for:

- the terminator: Chat Completions' `data: [DONE]`, Responses' `response.completed`/`response.incomplete`,
  Anthropic's `message_stop`; a stream that ends without it is recorded as an error whose body keeps
  the chunks received (audit/providers/openai.py);
- usage: on Chat Completions the provider sends `stream_options: {include_usage: true}`, under which "an
  additional chunk will be streamed before the data: [DONE] message" carrying the usage of the whole
  request (the OpenAPI description, as published e.g. at
  docs.rs/openai-struct/0.0.3/src/openai_struct/models/chat_completion_stream_options.rs.html); the
  Responses and Messages streams carry usage in their final events.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from audit.probes.base import PlannedCall, TargetContext
from audit.probes.serving.verdict import RateRule, Verdict, not_available, rate_verdict
from audit.schema.base import NonEmpty, Strict
from audit.schema.evidence import ChatRequest, Exchange, Message

__all__ = ["StreamParams", "stream_calls", "stream_verdicts", "CUT_MARK"]

CUT_MARK = "the stream ended before"  # the providers' message for a stream without its terminator


class StreamParams(Strict):
    enabled: bool = True
    prompt: NonEmpty = "Name three colours of the rainbow, separated by commas."
    max_tokens: int = Field(default=24, ge=1)
    seed: int = 11
    rates: RateRule = Field(default_factory=lambda: RateRule(pass_at=1.0, fail_below=0.9))


def stream_calls(s: StreamParams, target: TargetContext) -> list[PlannedCall]:
    if not s.enabled:
        return []
    calls = []
    for key, stream in (("stream.plain", True), ("stream.ref", False)):
        request = ChatRequest(messages=[Message(role="user", content=s.prompt)], max_tokens=s.max_tokens,
                              temperature=0.0, seed=s.seed, stream=stream)
        calls.append(PlannedCall(key, target.fit(request), droppable=frozenset({"temperature", "seed"})))
    return calls


def _cut(ex: Exchange) -> bool:
    return not ex.ok and CUT_MARK in (ex.error or "")


def stream_verdicts(s: StreamParams, target: TargetContext, done: Mapping[str, Exchange],
                    deterministic: bool | None) -> dict[str, Verdict]:
    from audit.probes.serving.values import STREAM_AGREEMENT, STREAM_TERMINATOR, STREAM_USAGE

    streamed = [ex for key, ex in sorted(done.items()) if ex.request.stream and ex.attempts > 0]
    judged = [ex for ex in streamed if ex.ok or _cut(ex)]
    cut = [ex.key for ex in judged if _cut(ex)]
    out = {STREAM_TERMINATOR: rate_verdict(s.rates, "terminator_rate", len(judged) - len(cut), len(judged),
                                           "streams ending with their terminator", [ex.id for ex in judged],
                                           {"cut": cut}, "no stream was answered")}
    answered = [ex for ex in streamed if ex.ok]
    missing = [ex.key for ex in answered if ex.usage is None or not ex.usage.reported]
    out[STREAM_USAGE] = rate_verdict(s.rates, "usage_rate", len(answered) - len(missing), len(answered),
                                     "complete streams carrying usage", [ex.id for ex in answered],
                                     {"missing": missing}, "no stream was answered whole")
    plain, ref = done.get("stream.plain"), done.get("stream.ref")
    values = {"deterministic": deterministic, "agree": None,
              "streamed_text": plain.text if plain is not None else None,
              "plain_text": ref.text if ref is not None else None}
    refs = [ex.id for ex in (plain, ref) if ex is not None]
    if not s.enabled:
        out[STREAM_AGREEMENT] = not_available("stream checks switched off", values)
    elif plain is None or ref is None or not plain.ok or not ref.ok:
        why = next((ex.error for ex in (plain, ref) if ex is not None and ex.error), "calls missing")
        out[STREAM_AGREEMENT] = not_available(f"no streamed and plain answer pair: {why}", values, refs)
    elif not deterministic:
        out[STREAM_AGREEMENT] = not_available("the server's temperature-0 repeats did not agree (or were not sent), "
                                              "so streamed and plain answers need not", values, refs)
    else:
        agree = (plain.text or "") == (ref.text or "")
        values["agree"] = agree
        out[STREAM_AGREEMENT] = Verdict("pass" if agree else "fail",
                                        "the streamed answer equals the plain one" if agree else
                                        "the streamed answer differs from the plain one on a deterministic server",
                                        values, refs)
    return out

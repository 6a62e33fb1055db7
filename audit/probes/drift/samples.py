"""From recorded exchanges to drift samples: one completion with the numbers the tests compare."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from audit.schema.evidence import Exchange

__all__ = ["DriftSample", "Mode", "sample_of", "samples_from", "normalise_answer", "is_refusal",
           "split_key", "make_key"]

Mode = Literal["fixed", "open"]

# Phrases that open a refusal in English chat models; matched at the start of the answer (after
# normalisation), so a completion that merely quotes "I cannot" later on is not counted.
_REFUSAL = re.compile(
    r"^(i'?m sorry|i am sorry|sorry,|i can'?t|i cannot|i can not|i won'?t|i will not|i'?m not able|"
    r"i am not able|i'?m unable|i am unable|as an ai|i must decline|i do not feel comfortable|"
    r"i don'?t feel comfortable|unfortunately,? i (can'?t|cannot))")


@dataclass(frozen=True)
class DriftSample:
    """One completion of one battery prompt, reduced to what the drift tests read."""

    prompt_id: str
    mode: Mode
    text: str
    completion_tokens: int | None
    prompt_tokens: int | None
    served_model: str | None
    fingerprint: str | None
    exchange_id: str
    top_logprobs: tuple[tuple[str, float], ...] | None = None  # the first output token's most likely tokens

    @property
    def answer(self) -> str:
        return normalise_answer(self.text)

    @property
    def length(self) -> int:
        """Output length: the server's completion token count, else words."""
        if self.completion_tokens is not None:
            return self.completion_tokens
        return len(self.text.split())

    @property
    def repeat(self) -> int:
        """The call's repeat number (the last part of its key), -1 when the id has none."""
        tail = self.exchange_id.rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() else -1

    @property
    def refused(self) -> bool:
        return is_refusal(self.text)


def make_key(mode: Mode, prompt_id: str, repeat: int) -> str:
    """The call key inside the drift probe: '<mode>/<prompt id>/<repeat>'."""
    return f"{mode}/{prompt_id}/{repeat}"


def split_key(key: str) -> tuple[Mode, str, int] | None:
    parts = key.split("/")
    if len(parts) != 3 or parts[0] not in ("fixed", "open") or not parts[2].isdigit():
        return None
    return parts[0], parts[1], int(parts[2])  # type: ignore[return-value]


def normalise_answer(text: str) -> str:
    """Case, width, surrounding space and trailing punctuation do not make two answers differ."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = re.sub(r"\s+", " ", text)
    return text.rstrip(" .!")


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.match(normalise_answer(text).replace("\u2019", "'")))


def sample_of(exchange: Exchange) -> DriftSample | None:
    """The sample an exchange gives, or None when it failed or is not a drift call."""
    parsed = split_key(exchange.key)
    if parsed is None or not exchange.ok or exchange.text is None or exchange.cut_by_cap:
        return None
    mode, prompt_id, _ = parsed
    return DriftSample(prompt_id=prompt_id, mode=mode, text=exchange.text,
                       completion_tokens=exchange.usage.output_tokens if exchange.usage else None,
                       prompt_tokens=exchange.usage.input_tokens if exchange.usage else None,
                       served_model=exchange.served_model, fingerprint=exchange.system_fingerprint,
                       exchange_id=exchange.id, top_logprobs=_first_top(exchange))


def _first_top(exchange: Exchange) -> tuple[tuple[str, float], ...] | None:
    """The first output token's most likely tokens and log-probabilities (None when none came back)."""
    if not exchange.logprobs or not exchange.logprobs[0].top:
        return None
    return tuple((t.token, t.logprob) for t in exchange.logprobs[0].top)


def samples_from(exchanges: Iterable[Exchange], probe_id: str | None = None) -> list[DriftSample]:
    """Every usable drift sample, optionally only those of one probe."""
    out = []
    for exchange in exchanges:
        if probe_id is not None and exchange.probe_id != probe_id:
            continue
        sample = sample_of(exchange)
        if sample is not None:
            out.append(sample)
    return out

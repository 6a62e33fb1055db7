"""Helpers for the drift tests: synthetic samples and exchanges, and a small battery file."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from audit.probes.drift.samples import DriftSample
from audit.schema.evidence import ChatRequest, Exchange, Message

HERE = Path(__file__).resolve().parents[1]
SMALL_BATTERY = HERE / "fixtures" / "drift-small.yaml"


def exchange(probe_id: str, key: str, text: str, *, run_id: str = "r", usage: dict | None = None,
             served_model: str | None = "m", fingerprint: str | None = None, ok: bool = True) -> Exchange:
    return Exchange(id=f"{probe_id}/{key}", run_id=run_id, probe_id=probe_id, key=key, provider="openai",
                    endpoint="http://127.0.0.1:1/v1", model="m",
                    request=ChatRequest(messages=[Message(role="user", content="x")]), wire_request={},
                    status=200 if ok else 500, text=text if ok else None, ok=ok,
                    started_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), elapsed_ms=1.0,
                    served_model=served_model, system_fingerprint=fingerprint,
                    usage=usage if usage is not None else {"prompt_tokens": 10, "completion_tokens": len(text.split())})


def synthetic_run(seed: int, *, shift: float = 0.0, n_open: int = 12, repeats: int = 8, n_fixed: int = 10,
                  fixed_changed: int = 0, prompt_tokens: int = 20, model: str = "m") -> list[DriftSample]:
    """Samples of a toy model: open prompts draw words from a distribution that `shift` tilts."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(6)]
    base = [0.35, 0.25, 0.15, 0.1, 0.1, 0.05]
    weights = [max(0.0, w + shift * d) for w, d in zip(base, [-1, 1, 0, 0, 0, 0])]
    out = []
    for p in range(n_open):
        for r in range(repeats):
            text = " ".join(rng.choices(vocab, weights, k=8))
            out.append(DriftSample(f"o{p}", "open", text, 8, prompt_tokens, model, None, f"d/open/o{p}/{r}"))
    for p in range(n_fixed):
        answer = "changed" if p < fixed_changed else f"answer {p}"
        for r in range(2):
            out.append(DriftSample(f"f{p}", "fixed", answer, 2, prompt_tokens, model, None, f"d/fixed/f{p}/{r}"))
    return out

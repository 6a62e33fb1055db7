"""The evidence file, secret scrubbing, targets and budgets."""

import datetime as dt

import pytest

from audit.schema.usage import Usage

from audit.runtime.budget import Budget, Caps, Prices, estimate_call
from audit.core.errors import InputError
from audit.runtime.evidence import EvidenceLog, has_response, latest, scrub
from audit.probes.base import PlannedCall
from audit.schema.evidence import ChatRequest, Exchange, Message
from audit.runtime.target import load_target, public_endpoint, read_api_key


def exchange(key="k1", **kw):
    base = dict(id=f"p/{key}", run_id="r", probe_id="p", key=key, provider="openai", endpoint="http://h/v1",
                model="m", request=ChatRequest(messages=[Message(role="user", content="line1\nline2")]),
                wire_request={}, started_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), elapsed_ms=1.0)
    base.update(kw)
    return Exchange(**base)


def test_append_load_and_latest_wins(tmp_path):
    with EvidenceLog(tmp_path / "e.jsonl") as log:
        log.append(exchange(status=500, error="HTTP 500"))
        log.append(exchange(status=200, ok=True, text="x"))
        log.append(exchange("k2", ok=True))
    loaded = EvidenceLog(tmp_path / "e.jsonl").load()
    assert len(loaded) == 3 and (tmp_path / "e.jsonl").read_text().count("\n") == 3
    assert latest(loaded)["p/k1"].ok and list(latest(loaded)) == ["p/k1", "p/k2"]


def test_a_torn_last_line_is_ignored_then_cut_off(tmp_path):
    path = tmp_path / "e.jsonl"
    with EvidenceLog(path) as log:
        log.append(exchange())
    with path.open("ab") as handle:
        handle.write(b'{"id": "p/k2", "ru')
    assert [e.id for e in EvidenceLog(path).load()] == ["p/k1"]
    with EvidenceLog(path) as log:
        log.append(exchange("k3"))
    assert [e.id for e in EvidenceLog(path).load()] == ["p/k1", "p/k3"]


def test_a_corrupt_middle_line_is_an_input_error(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text(exchange().model_dump_json() + "\nnot json\n" + exchange("k2").model_dump_json() + "\n")
    with pytest.raises(InputError) as caught:
        EvidenceLog(path).load()
    assert ":2:" in str(caught.value)


@pytest.mark.parametrize("fields, answered", [
    ({"ok": True, "status": 200}, True),
    ({"status": 404, "error": "x"}, True),
    ({"status": 429, "error": "x"}, False),
    ({"status": 503, "error": "x"}, False),
    ({"status": 200, "error": "malformed"}, False),
    ({"status": None, "error": "ConnectError"}, False),
    ({"status": None, "error": "unsupported", "attempts": 0}, True),
])
def test_has_response(fields, answered):
    assert has_response(exchange(**fields)) is answered


def test_scrub_reaches_nested_values():
    data = {"a": ["Bearer sk-1", {"sk-1": "x sk-1 y"}], "n": 3}
    assert scrub(data, ["sk-1"]) == {"a": ["Bearer [REDACTED]", {"[REDACTED]": "x [REDACTED] y"}], "n": 3}
    assert scrub(data, []) is data


def test_public_endpoint_and_target(monkeypatch):
    assert public_endpoint("https://api.x.com:8443/v1/?key=abc#f") == "https://api.x.com:8443/v1"
    target = load_target(None, provider=None, model="m", base_url="http://127.0.0.1:9/v1", api_key_env="MY_KEY")
    assert target.provider == "openai" and target.concurrency == 8
    monkeypatch.setenv("MY_KEY", "secret")
    assert read_api_key(target) == "secret"
    assert read_api_key(load_target(None, model="m", base_url="http://h")) is None
    with pytest.raises(InputError) as caught:
        load_target(None, model="m", base_url="http://user:pw@h/v1")
    assert "must not carry credentials" in str(caught.value)


def test_a_rejected_call_costs_nothing():
    budget = Budget(Caps(), Prices(1.0, 2.0))
    assert budget.reserve((100, 50)) and budget.tokens == 150
    budget.settle((100, 50), None, answered=False)
    assert budget.calls == 1 and budget.tokens == 0 and budget.cost == 0


def test_estimates_and_caps():
    call = PlannedCall("k", ChatRequest(messages=[Message(role="user", content="x" * 40)], max_tokens=50))
    assert estimate_call(call) == (14, 50)
    counting = PlannedCall("k", ChatRequest(op="count_tokens", messages=[Message(role="user", content="x")]))
    assert estimate_call(counting) == (0, 0)
    budget = Budget(Caps(max_calls=3, max_tokens=1000), Prices(1.0, 2.0))
    assert budget.reserve((100, 50)) and budget.tokens == 150
    budget.settle((100, 50), Usage.model_validate({"prompt_tokens": 10, "completion_tokens": 5}))
    assert budget.tokens == 15 and budget.cost == pytest.approx(20e-6)
    assert budget.reserve((900, 100)) is False and budget.stopped.startswith("max-tokens")
    assert budget.reserve((1, 1)) is False  # stays stopped
    calls = Budget(Caps(max_calls=1))
    assert calls.reserve((1, 1)) and not calls.reserve((1, 1)) and calls.stopped == "max-calls 1 reached"

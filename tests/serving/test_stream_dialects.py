"""Stream faults on the Responses and Messages dialects, over HTTP against the reference endpoint: a stream that
stops before its terminator (Responses' response.completed, Messages' message_stop) fails stream-terminator,
one without usage in its final events fails stream-usage, each as on Chat Completions, and nothing else
fails with them."""

from __future__ import annotations

import pytest

from audit.reference import ReferenceServer
from tests.support.serving import outcomes, run_serving, serving_probe, serving_target

ONLY_STREAMS = {"context": {"enabled": False}, "cap": {"enabled": False}, "sampling": {"enabled": False},
                "tools": {"enabled": False}}


def _streams(profile: str, dialect: str, tmp_path):
    with ReferenceServer(profile) as server:
        _, done, findings = run_serving(server.base_url, serving_target(8192, provider=dialect),
                                        tmp_path / f"{profile}-{dialect}.jsonl", serving_probe(**ONLY_STREAMS))
    return done, {f.check: f for f in findings}


@pytest.mark.parametrize("dialect", ["openai", "openai-responses", "anthropic"])
@pytest.mark.parametrize("profile, failing", [
    ("serving", set()),
    ("serving-stream-cut", {"stream-terminator"}),
    ("serving-missing-usage", {"stream-usage"}),
])
def test_stream_faults_are_caught_on_every_dialect(tmp_path, dialect, profile, failing):
    done, found = _streams(profile, dialect, tmp_path)
    got = outcomes(found.values())
    assert {c for c, o in got.items() if o == "fail"} == failing, {c: found[c].message for c in got}
    if profile == "serving-stream-cut":
        # no stream answered whole: its usage cannot be judged
        assert got["stream-usage"] == "not_available", found["stream-usage"].message
        streamed = [ex for ex in done.values() if ex.wire_request.get("stream")]
        assert streamed and all("the stream ended before" in (ex.error or "") for ex in streamed)
    else:
        assert got["stream-terminator"] == "pass" and got["stream-usage"] == ("fail" if failing else "pass")

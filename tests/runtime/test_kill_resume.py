"""A real `audit run` process killed with SIGKILL mid-run resumes without resending recorded calls."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from rt_loopback import Loopback

LAUNCHER = Path(__file__).resolve().parent / "support" / "rt_audit_main.py"
PROMPTS = [f"prompt-{i}" for i in range(12)]


def audit(args, **kw):
    return subprocess.Popen([sys.executable, str(LAUNCHER), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kw)


def recorded(evidence: Path) -> dict[str, dict]:
    if not evidence.exists():
        return {}
    lines = evidence.read_bytes().split(b"\n")[:-1]  # only complete lines
    return {ex["id"]: ex for ex in map(json.loads, lines)}


def test_kill_9_then_resume_sends_only_unrecorded_calls(fixtures, tmp_path):
    probe = tmp_path / "echo.yaml"
    probe.write_text(yaml.safe_dump({"id": "echo", "kind": "echo", "description": "echo test",
                                     "parameters": {"prompts": PROMPTS}}))
    out = tmp_path / "out"
    args = ["run", str(fixtures / "rt-record.yaml"), "--rubric", str(fixtures / "rt-rubric.yaml"),
            "--model", "echo-1", "--probes", str(probe), "--out", str(out), "--run-id", "killme",
            "--concurrency", "2"]
    evidence = out / "runs" / "killme" / "evidence.jsonl"
    with Loopback(delay=0.25) as server:
        proc = audit(args + ["--endpoint", server.base_url])
        deadline = time.monotonic() + 60
        while len(recorded(evidence)) < 4:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "no exchanges recorded in time"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        time.sleep(0.4)  # let the server finish answering calls that were in flight
        before = recorded(evidence)
        assert 4 <= len(before) < len(PROMPTS)
        sent_before = server.prompts()
        with evidence.open("ab") as handle:  # what a kill in the middle of a write leaves behind
            handle.write(b'{"id": "echo/r0-11", "run_id": "kil')

        resumed = audit(args + ["--endpoint", server.base_url])
        output, _ = resumed.communicate(timeout=120)
        assert resumed.returncode == 0, output
        assert "(resumed)" in output

    sent_after = server.prompts()
    for ex in before.values():
        prompt = ex["request"]["messages"][-1]["content"]
        assert sent_after[prompt] == sent_before[prompt] == 1, prompt  # never sent again
    assert set(sent_after) == {f"{p} #0" for p in PROMPTS}
    after = recorded(evidence)
    assert len(after) == len(PROMPTS) and all(ex["ok"] for ex in after.values())
    assert evidence.read_bytes().endswith(b"\n")  # the torn line was cut off before appending
    result = json.loads((out / "runs" / "killme" / "result.json").read_text())
    assert result["findings"][0]["outcome"] == "pass"

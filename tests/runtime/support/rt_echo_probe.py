"""A test-only probe kind: asks the endpoint to echo prompts and checks the echoes.

It registers itself as kind `echo`, with its own declaration (echo-def.yaml beside this file),
only inside the runtime tests (and the subprocess launcher); the package never sees it.
"""

from __future__ import annotations

from pathlib import Path

from audit.probes import registry
from audit.probes.base import PlannedCall, ProbeKind
from audit.probes.declaration import load_declaration
from audit.schema.base import Strict
from audit.schema.evidence import ChatRequest, Message
from audit.schema.finding import Finding


class EchoParams(Strict):
    prompts: list[str]
    rounds: int = 1
    stream: bool = False
    op: str = "chat"
    fail_plan: bool = False
    fail_evaluate: bool = False
    expect_echo: bool = True  # False: any non-empty answer passes (servers that do not echo)


class EchoProbe(ProbeKind):
    kind = "echo"
    Params = EchoParams

    def _calls(self, round_no: int) -> list[PlannedCall]:
        p = self.params
        return [PlannedCall(f"r{round_no}-{i}",
                            ChatRequest(op=p.op, messages=[Message(role="user", content=f"{prompt} #{round_no}")],
                                        max_tokens=8, stream=p.stream),
                            estimated_input_tokens=10, estimated_output_tokens=8)
                for i, prompt in enumerate(p.prompts)]

    def next_calls(self, target, done):
        if self.params.fail_plan:
            raise RuntimeError("planned failure in next_calls")
        for round_no in range(self.params.rounds):
            missing = [c for c in self._calls(round_no) if c.key not in done]
            if missing:
                return missing
        return []

    def evaluate(self, target, done):
        if self.params.fail_evaluate:
            raise ValueError("planned failure in evaluate")
        expected = {c.key: c.request.messages[-1].content for r in range(self.params.rounds) for c in self._calls(r)}
        def answered(key, text):
            ex = done[key]
            if not ex.ok:
                return False
            if self.params.op == "count_tokens":
                return bool(ex.usage and ex.usage.input_tokens)
            reply = ex.text or ""
            return reply.startswith(f"echo: {text}") if self.params.expect_echo else bool(reply.strip())
        good = [k for k, text in expected.items() if answered(k, text)]
        outcome = "pass" if len(good) == len(expected) else "fail"
        return [Finding(probe_id=self.id, kind=self.kind, check="echo-consistent", outcome=outcome,
                        message=f"{len(good)} of {len(expected)} prompts echoed",
                        values={"echoed": len(good), "expected": len(expected)},
                        exchanges=sorted(done[k].id for k in expected))]

    def max_calls(self) -> int:
        return len(self.params.prompts) * self.params.rounds


def register_echo() -> type[EchoProbe]:
    """Make kind `echo` known to the registry (undo with `registry.unregister("echo")`)."""
    return registry.register(EchoProbe, load_declaration(Path(__file__).with_name("echo-def.yaml")))

"""The tokenizer kind's check names, bound to those its def.yaml declares (a name it does not declare
fails at import); kind.py emits them and section.py shows them, in def.yaml's order with its titles."""

from __future__ import annotations

from audit.probes.registry import declared_check

__all__ = ["TOKENIZER_MATCH", "VOCAB_CONSISTENT", "HIDDEN_OVERHEAD", "PROMPT_BILLING", "COMPLETION_BILLING",
           "REASONING_TOKENS", "SERVED_MODEL_SUBSTITUTION"]

KIND = "tokenizer"
TOKENIZER_MATCH = declared_check(KIND, "tokenizer-match")
VOCAB_CONSISTENT = declared_check(KIND, "vocab-consistent")
HIDDEN_OVERHEAD = declared_check(KIND, "hidden-overhead")
PROMPT_BILLING = declared_check(KIND, "prompt-billing")
COMPLETION_BILLING = declared_check(KIND, "completion-billing")
REASONING_TOKENS = declared_check(KIND, "reasoning-tokens")
SERVED_MODEL_SUBSTITUTION = declared_check(KIND, "served-model-substitution")

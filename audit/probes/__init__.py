"""Probe kinds: code that plans API calls and turns recorded exchanges into findings.

Probe *kinds* (identity, tokenizer, drift) are code, registered in `registry`; probe *instances*
(prompts, thresholds) are YAML under probes/<kind>/, validated against their kind's parameters.
"""

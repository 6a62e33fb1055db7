"""Probe kinds: code that plans API calls and turns recorded exchanges into findings.

Probe *kinds* are folders here with a `def.yaml` (name, description, the checks the kind emits with
their card titles and value schemas; see `declaration`) and code registered in `registry`; probe
*instances* (prompts, thresholds) are YAML under probes/<kind>/, validated against their kind's parameters.
"""

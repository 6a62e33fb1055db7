"""Live audits: targets, budgets, collection over the network, evidence, run folders and the run workflow.

The only layer that talks to an API (through `audit.providers`) or opens the history database.
"""

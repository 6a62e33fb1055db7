"""The result as JSON: the canonical, machine-readable form of a card."""

from __future__ import annotations

from audit.schema.result import AuditResult

__all__ = ["result_json"]


def result_json(result: AuditResult) -> str:
    return result.model_dump_json(indent=2) + "\n"

"""Pydantic models only, no I/O: rubric, disclosure record, finding, result."""

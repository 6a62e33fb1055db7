"""`audit run --dry-run` names a probe's tools instead of printing their JSON schemas."""

from __future__ import annotations

from audit.runtime.preview import _shown


def test_tools_are_shown_by_name_in_every_dialect():
    chat = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    flat = [{"type": "function", "name": "book_flight", "parameters": {"type": "object"}},
            {"name": "search_products", "input_schema": {"type": "object"}}]
    assert _shown("tools", chat) == "[get_weather]"
    assert _shown("tools", flat) == "[book_flight, search_products]"
    assert _shown("tool_choice", "required") == "required"

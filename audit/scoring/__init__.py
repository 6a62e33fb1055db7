"""Disclosure records scored against rubrics: loading, crosswalks, scoring, validation. No network."""

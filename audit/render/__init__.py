"""Render results: plain view data first (view.py), then HTML, PDF, Markdown and JSON from it."""

"""Command groups. Each module defines `register(app)` and adds its commands to the `audit` app.

Keep imports of heavy modules inside the command functions, so `audit --help` stays fast.
"""

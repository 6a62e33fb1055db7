"""Drift test fixtures; helpers live in support/drift_support.py (importable by name)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).resolve().parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

import drift_support  # noqa: E402


@pytest.fixture
def make_exchange():
    return drift_support.exchange


@pytest.fixture
def toy_run():
    return drift_support.synthetic_run

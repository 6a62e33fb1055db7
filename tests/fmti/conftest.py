"""Shared fixtures for the FMTI tests: where the shared FMTI data is, and the 2025 report fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "fmti"
FIXTURES = REPO / "tests" / "fixtures" / "fmti"
REPORT_2025 = FIXTURES / "Example_Labs_fmtransparencyreport_Dec2025.csv"


@pytest.fixture(scope="session")
def shared_fmti() -> Path:
    if not (SHARED / "fmti-indicators.csv").is_file():
        pytest.skip(f"FMTI shared data not found at {SHARED} (CI clones the repo with shared/ beside it)")
    return SHARED

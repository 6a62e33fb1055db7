"""Verification test fixtures: the drift tests' support folder (small battery, helpers) is importable by name."""

from __future__ import annotations

import sys
from pathlib import Path

DRIFT_SUPPORT = Path(__file__).resolve().parents[1] / "drift" / "support"
if str(DRIFT_SUPPORT) not in sys.path:
    sys.path.insert(0, str(DRIFT_SUPPORT))

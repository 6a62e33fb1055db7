import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).resolve().parent / "support"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))


@pytest.fixture
def echo_kind():
    """Register the test-only echo probe (kind `echo`, with its own declaration) for one test."""
    from audit.probes import registry
    from rt_echo_probe import register_echo

    yield register_echo()
    registry.unregister("echo")


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES

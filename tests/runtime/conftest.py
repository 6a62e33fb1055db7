import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).resolve().parent / "support"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))


@pytest.fixture
def echo_kind(monkeypatch):
    """Register the test-only echo probe as kind `identity` for one test."""
    from audit.probes import registry
    from rt_echo_probe import EchoProbe

    registry.kinds()
    monkeypatch.setitem(registry._KINDS, "identity", EchoProbe)
    return EchoProbe


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES

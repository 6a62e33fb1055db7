"""Launch the `audit` CLI in a subprocess with the test-only echo probe kind registered."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit.probes import registry  # noqa: E402
from rt_echo_probe import EchoProbe  # noqa: E402

registry.kinds()
registry._KINDS["identity"] = EchoProbe

from audit.cli.app import main  # noqa: E402

main()

"""Launch the `audit` CLI in a subprocess with the test-only echo probe kind registered."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rt_echo_probe import register_echo  # noqa: E402

register_echo()

from audit.cli.app import main  # noqa: E402

main()

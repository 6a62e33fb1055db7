#!/usr/bin/env bash
# The whole test suite: installs what the tests need (the tool, and the real llama.cpp servers that
# the marked tests audit; both cached after the first run), then runs pytest. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh --no-card
if [ -x scripts/setup-real-servers.sh ]; then
  scripts/setup-real-servers.sh
  export AUDIT_REQUIRE_REAL_SERVERS=${AUDIT_REQUIRE_REAL_SERVERS:-1}
fi
exec .venv/bin/python -m pytest -q "$@"

#!/usr/bin/env bash
# The whole test suite: installs what the tests need, then runs pytest. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh --no-card
# Real llama.cpp servers (compiled once, cached): AUDIT_REAL_SERVERS=1 builds them and then requires
# the tests marked `realserver` to run; without it those tests skip unless the servers already exist.
if [ "${AUDIT_REAL_SERVERS:-0}" = 1 ] && [ -x scripts/setup-real-servers.sh ]; then
  scripts/setup-real-servers.sh
  export AUDIT_REQUIRE_REAL_SERVERS=1
fi
exec .venv/bin/python -m pytest -q "$@"

#!/usr/bin/env bash
# The whole test suite: installs what the tests need, then runs pytest. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh --no-card
# Real model servers (llama-cpp-python, llama.cpp's llama-server, a LiteLLM proxy; built once and
# cached; llama.cpp is compiled once: 5 minutes of an idle 2-core machine, 15 of a loaded one): built here, and the tests marked `realserver`
# must then run. AUDIT_REAL_SERVERS=0 skips the build; those tests then skip unless already built.
if [ "${AUDIT_REAL_SERVERS:-1}" != 0 ]; then
  scripts/setup-real-servers.sh --llama-server --litellm
  export AUDIT_REQUIRE_REAL_SERVERS=1
fi
# Two processes on a 2-core machine (AUDIT_TEST_WORKERS=n to change, 0 for one process): the realserver
# tests share one worker (tests/conftest.py), the rest spread over the others.
exec .venv/bin/python -m pytest -q -n "${AUDIT_TEST_WORKERS:-auto}" --dist loadgroup "$@"

#!/usr/bin/env bash
# Prepare the real model servers the test suite (pytest -m realserver) runs against, offline after
# the first run. Every step is cached and skipped when its result is already there.
#
#   1. keeps llama-cpp-python's source package (sdist) in the cache;
#   2. compiles the llama.cpp vendored in it ONCE, with portable CPU flags (about 6 minutes on 2 cores),
#      into both llama.cpp's C++ llama-server (<cache>/llama-server/bin/) and a llama-cpp-python wheel
#      holding the same shared libraries (<cache>/wheels/); only when one of them is missing
#      (tests/support/realserver/build.py);
#   3. installs that wheel with its [server] extra into the project's virtualenv (seconds);
#   4. extracts llama.cpp's vocab-only GGUF files and their test vectors
#      (vendor/llama.cpp/models/ggml-vocab-*) into <cache>/llama-vocab/;
#   5. builds the tiny random-weight GGUF models (real tokenizers, 64-wide, 2 layers) into <cache>/models/;
#   6. with --litellm, installs the pinned LiteLLM proxy into its own virtualenv, <cache>/litellm-venv
#      (about 2 minutes; the tokenizer tests catch it substituting a model);
#   7. with --serve, starts llama-cpp-python's server (or llama-server with --llama-server) on
#      127.0.0.1 and prints its base URL.
# Without --llama-server a missing llama-server alone does not start a compile (but a compile always
# builds it).
#
# Usage: scripts/setup-real-servers.sh [--llama-server] [--litellm] [--serve] [--skip-install]
# Environment:
#   AUDIT_CACHE_DIR   cache folder (default: ${XDG_CACHE_HOME:-~/.cache}/model-integrity-audit)
#   PYTHON            the interpreter to install into (default: .venv/bin/python of this checkout)
#   JOBS              parallel compile jobs (default: number of CPUs)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The builders live with the tests (tests/support/realserver/), not in the wheel.
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
python="${PYTHON:-$here/.venv/bin/python}"
jobs="${JOBS:-$(nproc)}"
want_llama_server=0
want_litellm=0
serve=0
install=1
for arg in "$@"; do
  case "$arg" in
    --llama-server) want_llama_server=1 ;;
    --litellm) want_litellm=1 ;;
    --serve) serve=1 ;;
    --skip-install) install=0 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

step() { printf '\n== %s\n' "$*" >&2; }

# The compilers and build tools llama.cpp needs (Debian packages; installed when run as root).
need=()
for tool in cmake:cmake g++:g++ ninja:ninja-build; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "please install these Debian packages (as root): ${need[*]}" >&2
    exit 1
  fi
fi
timed() {  # timed LABEL COMMAND...: run, then print how long it took
  local label="$1" start end
  shift
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  printf '   %s: %ss\n' "$label" "$((end - start))" >&2
}

pinned="$("$python" -c 'from tests.support.realserver.paths import LLAMA_CPP_PYTHON_VERSION as v; print(v)')"
cache="$("$python" -c 'from tests.support.realserver.paths import cache_dir; print(cache_dir())')"
mkdir -p "$cache"
echo "cache: $cache; llama-cpp-python $pinned; python: $python" >&2

step "source package (sdist) of llama-cpp-python $pinned"
timed "sdist" "$python" -c 'from tests.support.realserver.vocab import ensure_sdist; print(ensure_sdist())'

need_install=0
if [[ $install == 1 ]]; then
  installed="$("$python" -c 'import importlib.metadata as m; print(m.version("llama_cpp_python"))' 2>/dev/null || true)"
  server_ok="$("$python" -c 'from tests.support.realserver.servers import llama_cpp_python_status as s; print(s() is None)')"
  [[ "$installed" == "$pinned" && "$server_ok" == "True" ]] || need_install=1
fi
wheel_path() { "$python" -c 'from tests.support.realserver.paths import llama_cpp_python_wheel as w; print(w() or "")'; }
server_built="$("$python" -c 'from tests.support.realserver.paths import llama_server_bin as b; print(b().is_file())')"

step "llama.cpp $pinned, compiled once for llama-cpp-python and llama-server"
if [[ ( $need_install == 1 && -z "$(wheel_path)" ) || ( $want_llama_server == 1 && "$server_built" != "True" ) ]]; then
  JOBS="$jobs" timed "compile" "$python" -m tests.support.realserver.build
else
  echo "   already built (or not needed)" >&2
fi

if [[ $install == 1 ]]; then
  step "llama-cpp-python[server] $pinned"
  if [[ $need_install == 0 ]]; then
    echo "   already installed" >&2
  else
    # The wheel is kept in the cache, so another checkout (a fresh CI clone) installs it in seconds.
    timed "install" "$python" -m pip install --quiet --disable-pip-version-check "$(wheel_path)[server]"
  fi
fi

step "vocab-only GGUF files and test vectors"
timed "vocab" "$python" -m tests.support.realserver.vocab

step "tiny models"
timed "tiny models" "$python" -c '
from tests.support.realserver.catalog import ensure_models
for alias, path in ensure_models().items():
    print(f"   {alias}: {path}")
'

if [[ $want_litellm == 1 ]]; then
  step "LiteLLM proxy (own virtualenv)"
  timed "litellm" "$python" -m tests.support.realserver.litellm
fi

if [[ $serve == 1 ]]; then
  step "serving (Ctrl-C stops)"
  if [[ $want_llama_server == 1 ]]; then
    exec "$python" -m tests.support.realserver.serve --llama-server
  else
    exec "$python" -m tests.support.realserver.serve
  fi
fi
echo "ready: run the real-server tests with  $here/.venv/bin/pytest -m realserver" >&2

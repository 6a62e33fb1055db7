#!/usr/bin/env bash
# One command on a fresh machine: system packages (when root), a virtual environment in .venv with
# the tool installed, then the GPT-5.4 mini report card in out/.  `./setup.sh --no-card` stops
# after installing.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages WeasyPrint and the PDF checks need; fonts so CJK and emoji do not print as boxes.
APT_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
              fonts-dejavu-core fonts-wqy-zenhei fonts-noto-color-emoji)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install these Debian packages (as root): ${missing[*]}" >&2
  fi
fi

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON=$candidate; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "setup: Python 3.11 or newer is required" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
echo "setup: installing the tool and its test dependencies into .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
# Tokenizer files no installed package holds, cached once: r50k_base from openai-whisper's sdist on PyPI
# (checked against tiktoken's published sha256) and llama.cpp's vocab-only GGUF files from the pinned
# llama-cpp-python sdist (sha256-pinned), so every catalogued reference tokenizer loads.
echo "setup: storing the verified reference tokenizer files (once; a few minutes on a fresh machine)"
.venv/bin/audit tokenizers fetch >/dev/null

if [ "${1:-}" != "--no-card" ]; then
  .venv/bin/audit validate
  .venv/bin/audit card data/disclosures/openai/gpt-5.4-mini.yaml --out out
  echo "setup: done. Open out/openai-gpt-5.4-mini.html (or the .pdf beside it)."
fi

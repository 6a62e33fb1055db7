#!/usr/bin/env bash
# Create bench/.venv-met: Model Equality Testing's own package (it needs torch) for the side-by-side in
# bench/met_compare.py. A benchmark-only environment, kept out of the product's dependencies and of git.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-met"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet torch==2.13.0
"$venv/bin/pip" install --quiet -r "$here/requirements-met.txt"
"$venv/bin/python" -c "import torch, model_equality_testing; print('MET environment ready: torch', torch.__version__)"

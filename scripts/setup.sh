#!/usr/bin/env bash
# Create .venv (if missing) and install pinned dependencies:
#   ./scripts/setup.sh         the service
#   ./scripts/setup.sh train   + training (PyTorch)
#   ./scripts/setup.sh dev     + training + test tools
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
case "${1:-}" in
  train) req=requirements-train.txt ;;
  dev) req=requirements-dev.txt ;;
  *) req=requirements.txt ;;
esac
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"

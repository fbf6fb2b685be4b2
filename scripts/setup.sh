#!/usr/bin/env bash
# Create .venv (if missing) and install the pinned dependencies. Pass "dev" for the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
req=requirements.txt
[ "${1:-}" = "dev" ] && req=requirements-dev.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"

#!/usr/bin/env bash
# Set up and run the checks: ruff, then the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh dev
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q "$@"

#!/usr/bin/env bash
# Set up and run the service on its embedded defaults (SQLite under data/, shipped checkpoints).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/uvicorn app.main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" "$@"

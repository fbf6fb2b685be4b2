#!/usr/bin/env bash
# Set up and run the service on its embedded defaults (SQLite under data/, shipped checkpoints).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# the protocol of app.core.http times out clients whose headers never arrive (docs/reliability.md)
exec .venv/bin/uvicorn app.main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" \
  --http app.core.http:TimedHttpToolsProtocol "$@"

#!/usr/bin/env bash
# Runs the whole help desk on the embedded defaults (SQLite, in-memory lock store, local SMTP sink)
# under one supervisor (honcho + Procfile): prefixed logs, "ready" once every process answers its
# health check, Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
scripts/setup.sh all
# .env from .env.example with fresh secrets on first run; an existing .env is kept (ops/new_env.py).
.venv/app/bin/python -m ops.new_env
mkdir -p var/mail
if [ -f domain.yml ] && [ -f config.yml ]; then scripts/train.sh; fi
exec .venv/app/bin/honcho start -f Procfile -e .env

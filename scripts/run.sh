#!/usr/bin/env bash
# Runs the whole help desk on the embedded defaults (SQLite, in-memory lock store, local SMTP sink)
# under one supervisor (supervisord, ops/supervise.py, process set "embedded"): a crashed process is
# restarted with backoff while the others keep serving; each line prefixed with its process's name;
# "ready" once every process answers its health check, and again after a restart; Ctrl-C stops them all.
# Full logs per process: var/supervisor/<name>.log; `.venv/app/bin/python -m ops.supervise ctl status`.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
scripts/setup.sh all
# .env from .env.example with fresh secrets on first run; an existing .env is kept (ops/new_env.py).
.venv/app/bin/python -m ops.new_env
mkdir -p var/mail
if [ -f domain.yml ] && [ -f config.yml ]; then scripts/train.sh; fi
exec .venv/app/bin/python -m ops.supervise --set embedded --env-file .env --run-dir var/supervisor

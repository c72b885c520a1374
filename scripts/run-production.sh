#!/usr/bin/env bash
# `make run-production`: the production topology on this machine (ops/production.py) — HAProxy in
# front (https://127.0.0.1:8443/), RASA_REPLICAS Rasa processes on the PostgreSQL tracker store and
# the Redis lock store, action-server, gateway and credentials replicas, under supervisord, against
# the PostgreSQL (127.0.0.1:5432), Redis (6379) and RabbitMQ (5672) of this machine. Databases and a
# self-signed certificate are made when missing; "ready" is printed once every replica answers.
# Ctrl-C stops everything. Details: docs/deploy.md, "On one machine".
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
scripts/setup.sh all
scripts/setup.sh production
.venv/app/bin/python -m ops.new_env
mkdir -p var/mail
if [ -f domain.yml ] && [ -f config.yml ]; then scripts/train.sh; fi
exec .venv/app/bin/python -m ops.production run

#!/usr/bin/env bash
# Starts the Rasa server (engine env) on 127.0.0.1 (RASA_HOST: 0.0.0.0 in a Kubernetes pod, where a
# NetworkPolicy takes loopback's place, deploy/kubernetes/) with the help-desk channels (credentials.yml),
# the HTTP API behind JWTs signed with $RASA_JWT_SECRET (`Authorization: Bearer`; no --auth-token,
# whose token Rasa reads from `?token=` only; the gateway resumes conversations through it), the REST
# channel behind $RASA_CHANNEL_SECRET (bot/channels.py) and CORS for the gateway's origin only (the
# chat widget is served from there). Only /socket.io/ of this port may ever face the public side.
# Both secrets are checked first (an example or a weak one: exit 2, one line each); the JWT key
# reaches Rasa through the environment (ops/rasa_cli.py), never on a command line `ps` shows.
#   RASA_ENDPOINTS=endpoints.production.yml   PostgreSQL tracker store + Redis lock store
#   RASA_CREDENTIALS=<file>                    the channels' settings (default credentials.yml; the production
#                                              topology renders one naming the proxy's client-address header)
# Unset settings get the embedded defaults of .env.example.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# No component of config.yml runs TensorFlow per turn any more (no TEDPolicy; docs/BENCHMARKS.md,
# "Rasa process cost per turn"), but Rasa still loads it: one thread per op keeps a TensorFlow
# component added later from waking a thread pool per prediction and leaves the other core to
# concurrent turns and the action server.
export TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}"

.venv/engine/bin/python -m ops.new_env --check RASA_JWT_SECRET RASA_CHANNEL_SECRET CHAT_SEAL_KEY || exit 2
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:5055/webhook}"
# embedded default: SQLite tracker store of Rasa's own (never the app's databases)
export RASA_TRACKER_SQLITE="${RASA_TRACKER_SQLITE:-var/rasa/tracker.db}"
mkdir -p "$(dirname "$RASA_TRACKER_SQLITE")"
# production settings (endpoints.production.yml)
export RASA_TRACKER_DB_HOST="${RASA_TRACKER_DB_HOST:-127.0.0.1:5432}"
export RASA_TRACKER_DB_NAME="${RASA_TRACKER_DB_NAME:-rasa_tracker}"
export RASA_TRACKER_DB_USER="${RASA_TRACKER_DB_USER:-postgres}"
export RASA_TRACKER_DB_PASSWORD="${RASA_TRACKER_DB_PASSWORD:-}"
export RASA_TRACKER_LOGIN_DB="${RASA_TRACKER_LOGIN_DB:-postgres}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export RABBITMQ_HOST="${RABBITMQ_HOST:-127.0.0.1}"
export RABBITMQ_PORT="${RABBITMQ_PORT:-5672}"
export RABBITMQ_USER="${RABBITMQ_USER:-guest}"
export RABBITMQ_PASSWORD="${RABBITMQ_PASSWORD:-guest}"
export RASA_EVENTS_QUEUE="${RASA_EVENTS_QUEUE:-helpdesk.rasa-events}"
export RASA_EVENTS_EXCHANGE="${RASA_EVENTS_EXCHANGE:-rasa-exchange}"

model="${RASA_MODEL:-models/helpdesk.tar.gz}"
if [ ! -f "$model" ]; then
  echo "[rasa] no trained model at $model: run scripts/train.sh (make train) first" >&2
  exit 1
fi
# The widget's page comes from the gateway; no other origin may call Rasa from a browser.
read -r -a cors <<< "${RASA_CORS_ORIGINS:-${GATEWAY_URL:-http://127.0.0.1:8000}}"

exec .venv/engine/bin/python -m ops.rasa_cli run \
  --enable-api --jwt-secret env:RASA_JWT_SECRET --jwt-method HS256 \
  -i "${RASA_HOST:-127.0.0.1}" -p "${RASA_PORT:-5005}" \
  --model "$model" \
  --credentials "${RASA_CREDENTIALS:-credentials.yml}" \
  --endpoints "${RASA_ENDPOINTS:-endpoints.yml}" \
  --cors "${cors[@]}"

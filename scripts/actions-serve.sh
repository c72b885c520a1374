#!/usr/bin/env bash
# Starts the action server (engine env, rasa-sdk) with the custom actions of actions/.
# rasa-sdk 3.6 has no --interface option; it binds to $SANIC_HOST (default 0.0.0.0), so it is set
# to loopback here: only the Rasa server on this machine may call the actions.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# ACTION_SERVER_HOST: 0.0.0.0 in a Kubernetes pod, where a NetworkPolicy lets only Rasa in (deploy/kubernetes/).
export SANIC_HOST="${ACTION_SERVER_HOST:-127.0.0.1}"
# The action server's tokens: at the credentials backend and at the gateway's escalation API.
.venv/engine/bin/python -m ops.new_env --check CREDENTIALS_ASSISTANT_TOKEN GATEWAY_SERVICE_TOKEN CHAT_SEAL_KEY || exit 2
exec .venv/engine/bin/python -m ops.rasa_cli run actions --actions actions -p "${ACTION_SERVER_PORT:-5055}"

#!/usr/bin/env bash
# Trains the assistant into models/ unless a model of exactly this data and config already exists
# (Rasa compares fingerprints itself and then returns in seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
mkdir -p models
.venv/engine/bin/python -m ops.rasa_cli train --quiet --out models --fixed-model-name helpdesk --num-threads 2 "$@"

#!/usr/bin/env bash
# Runs Rasa's own test stories (tests/test_*.yml) against the trained model; fails on any
# prediction error.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
if ! compgen -G "tests/test_*.yml" >/dev/null; then echo "no Rasa test stories yet"; exit 0; fi
.venv/engine/bin/rasa test core --model models/helpdesk.tar.gz --stories tests/ --out results/core --fail-on-prediction-errors --quiet

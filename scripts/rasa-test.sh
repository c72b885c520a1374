#!/usr/bin/env bash
# Runs Rasa's own test stories (tests/test_*.yml) against the trained model; fails on any
# prediction error. Only those files are passed to Rasa: tests/ also holds the phone line's shared
# dialogue scripts (tests/dialogues/), which are not Rasa stories.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
if ! compgen -G "tests/test_*.yml" >/dev/null; then echo "no Rasa test stories yet"; exit 0; fi
stories_dir="$(mktemp -d)"
trap 'rm -rf "$stories_dir"' EXIT
cp tests/test_*.yml "$stories_dir"/
.venv/engine/bin/python -m ops.rasa_cli test core --model models/helpdesk.tar.gz --stories "$stories_dir" --out results/core --fail-on-prediction-errors --quiet

#!/usr/bin/env bash
# Runs every benchmark and writes its section of docs/BENCHMARKS.md (machine and date included).
# Not part of the tests: figures depend on the machine. Run on an otherwise idle machine.
#   scripts/bench.sh              all of them
#   scripts/bench.sh credentials  one of: credentials bot nlu ivr agents calltime
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
which="${1:-all}"
want() { [ "$which" = all ] || [ "$which" = "$1" ]; }
if want credentials; then .venv/app/bin/python scripts/bench_credentials.py --write docs/BENCHMARKS.md; fi
if want bot; then scripts/train.sh; .venv/app/bin/python scripts/bench_bot.py; fi
if want nlu; then .venv/engine/bin/python scripts/nlu_crossval.py; fi
if want ivr; then .venv/app/bin/python scripts/bench_ivr.py; fi
if want agents; then .venv/app/bin/python scripts/bench_agent_reply.py -n 100 --browser; fi
if want calltime; then scripts/setup.sh bench; .venv/app/bin/python scripts/bench_call_time.py; fi

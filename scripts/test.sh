#!/usr/bin/env bash
# Runs every test: installs what it needs, trains the Rasa model if its data changed, then runs the
# engine env's checks (rasa data validate, engine pytest, rasa test) and the app env's pytest
# (unit, integration, e2e, browser). Extra arguments go to the app env's pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false PYTHONDONTWRITEBYTECODE=1
scripts/setup.sh all
if compgen -G "tests/browser/test_*.py" >/dev/null; then scripts/setup.sh browser; fi
# the production topology's tests need Debian's haproxy (tests/e2e/production/)
if compgen -G "tests/e2e/production/test_*.py" >/dev/null; then scripts/setup.sh production; fi

run_pytest() {  # pytest exits 5 when a suite has no tests yet: that is not a failure here
  local rc=0; "$@" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then exit "$rc"; fi
}

if [ -f domain.yml ] && [ -f config.yml ]; then
  echo "== engine env: rasa data validate"
  .venv/engine/bin/python -m ops.rasa_cli data validate --fail-on-warnings --quiet
  echo "== engine env: train (skipped when nothing changed)"
  scripts/train.sh
  echo "== engine env: rasa test (test stories in tests/)"
  scripts/rasa-test.sh
fi
echo "== engine env: pytest"
run_pytest .venv/engine/bin/python -m pytest -q -p no:cacheprovider
echo "== app env: pytest"
run_pytest .venv/app/bin/python -m pytest -q -p no:cacheprovider "$@"

#!/usr/bin/env bash
# Re-pins both lock files from requirements/*.in (run after changing a .in file).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app >/dev/null
UV=.venv/tools/bin/uv
$UV pip compile -q requirements/app.in --python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements/app.lock
$UV pip compile -q requirements/engine.in --python-version 3.10 --python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements/engine.lock
echo "locked; run scripts/setup.sh to install"

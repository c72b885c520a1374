#!/usr/bin/env bash
# Installs both environments from the pinned lock files. Idempotent: with nothing changed it
# only compares checksums and returns in about a second.
#   scripts/setup.sh            app env + engine env
#   scripts/setup.sh app        app env only
#   scripts/setup.sh engine     engine env only
#   scripts/setup.sh browser    Debian's chromium for the browser tests (needs root / apt)
#   scripts/setup.sh production Debian's haproxy for the production topology (make run-production, its tests)
#   scripts/setup.sh bench      Debian's espeak-ng and sox for scripts/bench_call_time.py (benchmark only)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
UV_VERSION="0.13.9"
what="${1:-all}"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

python_ok() {  # $1 = interpreter, $2 = python expression that must be true
  "$1" -c "import sys; sys.exit(0 if ($2) else 1)" >/dev/null 2>&1
}

find_app_python() {
  local c
  for c in "${APP_PYTHON:-}" python3.12 python3.11 python3.13 python3; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || continue
    if python_ok "$c" "sys.version_info >= (3, 11)"; then command -v "$c"; return 0; fi
  done
  return 1
}

find_engine_python() {
  local c
  for c in "${ENGINE_PYTHON:-}" python3.10; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || continue
    if python_ok "$c" "sys.version_info[:2] == (3, 10)"; then command -v "$c"; return 0; fi
  done
  local root
  root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  for c in "$root"/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
    [ -x "$c" ] && python_ok "$c" "sys.version_info[:2] == (3, 10)" && { echo "$c"; return 0; }
  done
  return 1
}

ensure_uv() {
  if [ ! -x .venv/tools/bin/uv ] || [ "$(.venv/tools/bin/uv --version | awk '{print $2}')" != "$UV_VERSION" ]; then
    local py; py="$(find_app_python)" || die "no Python >= 3.11 found for the tools env (set APP_PYTHON)"
    say "installing uv $UV_VERSION into .venv/tools"
    "$py" -m venv .venv/tools
    .venv/tools/bin/pip install --quiet "uv==$UV_VERSION"
  fi
}

# install_env NAME PYTHON LOCKFILE
install_env() {
  local name="$1" py="$2" lock="$3" venv=".venv/$1"
  local want; want="$(sha256sum "$lock" | cut -d' ' -f1)-$("$py" -c 'import sys; print(sys.version.split()[0])')"
  if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$want" ] && [ -x "$venv/bin/python" ]; then
    say "$name env up to date"
    return 0
  fi
  say "installing the $name env from $lock with $py"
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  .venv/tools/bin/uv pip sync --quiet --require-hashes --python "$venv/bin/python" "$lock"
  echo "$want" > "$venv/.installed"
}

# install_kernel NAME: the shared kernel (kernel/, pure Python) and the rooms beside it importable in
# the env from any working directory, as a path entry in its site-packages (uv pip sync removes
# nothing it did not install, so this survives a re-sync).
install_kernel() {
  local venv=".venv/$1" site
  site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  if [ "$(cat "$site/helpdesk-kernel.pth" 2>/dev/null)" != "$ROOT" ]; then
    echo "$ROOT" > "$site/helpdesk-kernel.pth"
  fi
}

setup_app() {
  local py; py="$(find_app_python)" || die "the app env needs Python >= 3.11 (none found on PATH; set APP_PYTHON=/path/to/python3.11)"
  install_env app "$py" requirements/app.lock
  install_kernel app
}

setup_web() {  # the chat widget's npm packages (socket.io client, axe-core), served locally by the gateway
  [ -f web/package-lock.json ] || return 0
  command -v npm >/dev/null 2>&1 || die "the chat widget needs npm (Node.js >= 18) to install its packages from web/package-lock.json"
  local want; want="$(sha256sum web/package-lock.json | cut -d' ' -f1)"
  if [ -f web/node_modules/.installed ] && [ "$(cat web/node_modules/.installed)" = "$want" ]; then
    say "web packages up to date"; return 0
  fi
  say "installing the chat widget's npm packages (web/package-lock.json)"
  npm ci --prefix web --no-audit --no-fund --silent
  echo "$want" > web/node_modules/.installed
}

setup_engine() {
  local py
  py="$(find_engine_python)" || die "the engine env needs Python 3.10 exactly (Rasa Open Source 3.6.21 runs on 3.10 only), and none was found.
  Get it with pyenv:   pyenv install 3.10.13        (then re-run this command)
  or with Debian/Ubuntu packages where available: apt-get install python3.10 python3.10-venv
  or point at one:     ENGINE_PYTHON=/path/to/python3.10 $0"
  install_env engine "$py" requirements/engine.lock
  install_kernel engine
}

setup_browser() {
  if [ -x /usr/bin/chromium ]; then say "chromium present"; return 0; fi
  command -v apt-get >/dev/null || die "browser tests need Debian's chromium package (/usr/bin/chromium)"
  say "installing Debian's chromium for the browser tests"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >/dev/null
}

setup_production() {  # the production topology's reverse proxy (deploy/haproxy/)
  if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then say "haproxy present"; return 0; fi
  command -v apt-get >/dev/null || die "the production topology needs Debian's haproxy package (/usr/sbin/haproxy)"
  say "installing Debian's haproxy for the production topology"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends haproxy >/dev/null
}

setup_bench() {  # the call-time benchmark renders prompts with espeak-ng and measures them with sox (soxi)
  if command -v espeak-ng >/dev/null 2>&1 && command -v soxi >/dev/null 2>&1; then say "espeak-ng and sox present"; return 0; fi
  command -v apt-get >/dev/null || die "the call-time benchmark needs Debian's espeak-ng and sox packages"
  say "installing Debian's espeak-ng and sox for the call-time benchmark"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends espeak-ng sox >/dev/null
}

mkdir -p var/mail
if [ "$what" = production ]; then setup_production; exit 0; fi
if [ "$what" = bench ]; then setup_bench; exit 0; fi
ensure_uv
case "$what" in
  all) setup_app; setup_web; setup_engine ;;
  app) setup_app; setup_web ;;
  engine) setup_engine ;;
  browser) setup_browser ;;
  *) die "unknown target '$what' (all|app|engine|browser|production|bench)" ;;
esac

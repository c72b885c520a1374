#!/usr/bin/env bash
# Runs a benchmark at a high CPU priority on a shared machine:
#   bash scripts/bench_niced.sh .venv/app/bin/python scripts/bench_topology.py [options]
# The command (and every process it starts) runs at nice -15, and while it runs the machine's
# PostgreSQL, Redis and RabbitMQ processes are raised to the same priority, so other work at the
# default priority gets only the CPU the benchmark leaves idle (the kernel's CFS weights: about 35:1
# for nice -15 against 0). Linux's session autogroups would make nice count only inside one terminal
# session, so they are switched off for the run (kernel.sched_autogroup_enabled=0) and put back
# after, with the services' priority. Needs root. docs/BENCHMARKS.md says which figures were
# measured this way.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench_niced: needs root (a negative nice)" >&2; exit 2; }
autogroup=/proc/sys/kernel/sched_autogroup_enabled
was_autogroup="$(cat "$autogroup" 2>/dev/null || echo '')"
services='postgres|redis-server|beam.smp|epmd'
raise() { for pid in $(pgrep -x -d ' ' "$services" || true); do renice -n "$1" -p "$pid" >/dev/null 2>&1 || true; done; }
keeper=''
restore() {
  [ -n "$keeper" ] && kill "$keeper" 2>/dev/null || true
  raise 0
  [ -n "$was_autogroup" ] && echo "$was_autogroup" > "$autogroup" 2>/dev/null || true
}
trap restore EXIT
[ -n "$was_autogroup" ] && { echo 0 > "$autogroup" 2>/dev/null || echo "bench_niced: could not switch autogroups off; nice counts only within this session" >&2; }
raise -15
( while sleep 2; do raise -15; done ) &  # new PostgreSQL backends start at the postmaster's priority anyway; this catches restarts
keeper=$!
nice -n -15 "$@"

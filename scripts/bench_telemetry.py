"""What the metrics cost a request (docs/BENCHMARKS.md, "Metrics overhead"): a trivial Flask route
answered through the test client, with and without telemetry.flask.instrument, in alternating rounds
of the same run; once in-process (one worker) and once in prometheus_client's multiprocess mode (the
gunicorn case: values in memory-mapped files). Prints median microseconds per request.

  .venv/app/bin/python scripts/bench_telemetry.py [--requests 3000] [--rounds 7]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r'''
import json, sys, time
sys.path.insert(0, sys.argv[1])
from flask import Flask, jsonify
from telemetry.flask import instrument

def make(instrumented):
    app = Flask("bench")
    app.testing = True
    @app.get("/api/v1/things/<name>")
    def thing(name):
        return jsonify(ok=True)
    if instrumented:
        instrument(app, "bench")
    return app.test_client()

n, rounds = int(sys.argv[2]), int(sys.argv[3])
clients = {"plain": make(False), "instrumented": make(True)}
results = {"plain": [], "instrumented": []}
for client in clients.values():
    for _ in range(200):
        client.get("/api/v1/things/warm")
for _ in range(rounds):
    for name, client in clients.items():
        started = time.perf_counter()
        for i in range(n):
            client.get(f"/api/v1/things/t{i}")
        results[name].append((time.perf_counter() - started) / n * 1e6)
print(json.dumps(results))
'''


def run(mode: str, requests: int, rounds: int) -> dict:
    env = dict(os.environ)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with tempfile.TemporaryDirectory() as directory:
        if mode == "multiprocess":
            env["PROMETHEUS_MULTIPROC_DIR"] = directory
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        out = subprocess.run([sys.executable, "-c", CHILD, root, str(requests), str(rounds)], env=env,
                             capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(f"{'mode':<14} {'plain µs':>9} {'instrumented µs':>16} {'overhead µs':>12}")
    for mode in ("single", "multiprocess"):
        result = run(mode, args.requests, args.rounds)
        plain, inst = statistics.median(result["plain"]), statistics.median(result["instrumented"])
        print(f"{mode:<14} {plain:9.1f} {inst:16.1f} {inst - plain:12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark of the assistant (app env; starts the engine env's Rasa and action server itself).

    .venv/app/bin/python scripts/bench_bot.py [--turns 200] [--skip-training]

Measures, on this machine:
- training time: a forced full ``rasa train`` of the current data into a temporary directory;
- start-up time: from launching scripts/rasa-serve.sh until the model is loaded and answering;
- per-turn latency p50/p99 over the helpdesk REST channel with 1 and 8 concurrent conversations,
  for turns that need no backend call (greeting, contact info, code validity, thanks; Hungarian and
  English), each conversation four turns long;
- RSS (VmRSS and peak VmHWM from /proc/<pid>/status) of the Rasa and action server processes.
Writes the section "Assistant" of docs/BENCHMARKS.md (other sections are kept).
Targets: p50 ≤ 50 ms and p99 ≤ 150 ms on a 2-core machine.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import httpx

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.benchdoc import measured_on, publish  # noqa: E402 (needs ROOT on sys.path)

SECTION = "Assistant"
CONVERSATIONS = {
    "hu": ["jó napot", "mi az ügyfélvonal telefonszáma?", "meddig érvényes az aktiváló kód?", "köszönöm"],
    "en": ["hello", "what is the phone number of the help line?", "how long is the activation code valid?",
           "thank you"],
}
TARGET_P50_MS, TARGET_P99_MS = 50.0, 150.0
NOTES = [
    "How to read it:",
    "- One Rasa process handles one turn at a time. A turn's CPU time goes to the NLU parse (linear intent "
    "classifier + CRF), the tracker store (SQLite read and commit), the action server call for the custom slot "
    "mappings, and the rule and memoization lookups (twice a turn: the answer, then action_listen); "
    "docs/BENCHMARKS.md, \"Rasa process cost per turn\", has the breakdown and one process's CPU ms per turn.",
    "- The paced row is 8 concurrent conversations as people hold them: each user reads the answer and types "
    "for a while (a random think time, mean given in the table) before the next turn. The back-to-back row is "
    "saturation, not a user's view: 8 clients that fire the next turn the instant the answer arrives keep 8 turns "
    "queued, so its p50 is about 8 × the service time of one process and shows one process's throughput limit "
    "on 2 cores (turns/s column).",
    "- More throughput than that needs more Rasa processes with each conversation routed to one of them "
    "(production settings: PostgreSQL tracker store, Redis lock store); the open-source Redis lock store does not "
    "make concurrent messages of one conversation safe across processes.",
    "- bot/action_calls.py stops Rasa 3.6 from re-checking the action-response JSON schema against its "
    "meta-schema on every turn (one-conversation p50 went from 47 ms to 30 ms when it was introduced); "
    "bot/sqlite_tuning.py puts the SQLite tracker store in WAL mode with pooled connections; bot/turn_tuning.py "
    "saves without a count query.",
    "- Other work may share the 2 cores during a measurement; figures vary run to run.",
]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` and its children, in KiB."""
    totals = {"VmRSS": 0, "VmHWM": 0}
    pids = [pid]
    children = pathlib.Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        status = pathlib.Path(f"/proc/{each}/status")
        if not status.exists():
            continue
        for line in status.read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in totals:
                totals[key] += int(line.split()[1])
    return totals


def measure_training(out: pathlib.Path) -> tuple[float, pathlib.Path]:
    """Seconds of a forced full training of the current data into ``out``, and the model."""
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    started = time.monotonic()
    subprocess.run(
        [str(ROOT / ".venv/engine/bin/rasa"), "train", "--force", "--quiet", "--out", str(out),
         "--fixed-model-name", "bench", "--num-threads", "2"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started, out / "bench.tar.gz"


def run_load(stack, concurrency: int, turns: int, pause: float = 0.0) -> tuple[list[float], int, float]:
    """Per-turn latencies (ms) of ``turns`` turns over ``concurrency`` parallel conversations, the
    number of failed turns, and the wall time in seconds. ``pause``: mean seconds a user takes to read
    and type before the next turn (0: back-to-back, the saturation case). Think times are drawn
    uniformly from [0.5, 1.5] × ``pause`` (seeded) and users start at random moments within one
    pause, as independent people do, instead of all typing in lockstep."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    remaining = [turns]

    def worker(index: int) -> None:
        nonlocal failures
        language = "hu" if index % 2 == 0 else "en"
        rng = random.Random(index)
        if pause:
            time.sleep(rng.uniform(0, pause))
        with httpx.Client(timeout=30) as client:
            while True:
                sender = f"bench-{uuid.uuid4().hex}"
                for text in CONVERSATIONS[language]:
                    with lock:
                        if remaining[0] <= 0:
                            return
                        remaining[0] -= 1
                    started = time.perf_counter()
                    response = client.post(stack.rest_url, headers=stack.channel_headers, json={
                        "sender": sender, "message": text, "metadata": {"channel": "chat", "language": language}})
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        if response.status_code == 200 and response.json():
                            latencies.append(elapsed)
                        else:
                            failures += 1
                    if pause:
                        time.sleep(rng.uniform(0.5 * pause, 1.5 * pause))
                language = "en" if language == "hu" else "hu"

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200, help="measured turns per concurrency level")
    parser.add_argument("--skip-training", action="store_true", help="do not measure the training time")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="seconds between a user's turns in the paced 8-conversation row")
    parser.add_argument("--endpoints", default="endpoints.yml", help="Rasa endpoints file to measure")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print the section only")
    args = parser.parse_args(argv)

    from tests.fixtures.ports import free_port
    from tests.fixtures.rasa_services import ensure_model, start_rasa_stack

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp_path = pathlib.Path(tmp)
        if args.skip_training:
            training_seconds, model = None, ensure_model()
        else:
            # The freshly trained model (current data) is also the one measured below.
            training_seconds, model = measure_training(tmp_path / "models")
        launched = time.monotonic()
        # Throw-away secrets (no backend is called): Rasa and the action server refuse to start without.
        os.environ.setdefault("CHAT_SEAL_KEY", secrets.token_urlsafe(32))
        stack = start_rasa_stack(
            tmp_path / "stack", credentials_url=f"http://127.0.0.1:{free_port()}",
            credentials_token=secrets.token_urlsafe(24), gateway_url=f"http://127.0.0.1:{free_port()}",
            gateway_token=secrets.token_urlsafe(24),
            endpoints=args.endpoints, model=model,
        )
        startup_seconds = time.monotonic() - launched
        try:
            run_load(stack, 2, 20)  # warm-up: first parses load lazily initialised parts
            results = {
                (1, 0.0): run_load(stack, 1, args.turns),
                (8, args.pause): run_load(stack, 8, args.turns, args.pause),
                (8, 0.0): run_load(stack, 8, args.turns),
            }
            memory = {name: memory_kib(pid) for name, pid in stack.pids().items()}
        finally:
            stack.stop()

    lines = [
        f"## {SECTION}",
        "",
        f"{measured_on()} by "
        f"`scripts/bench_bot.py` (endpoints `{args.endpoints}`: the embedded default is the SQLite tracker store "
        "and in-memory lock store; model trained from the current data; other developers' work was running "
        "on the machine at the same time).",
        "",
        f"Per-turn latency over `POST /webhooks/helpdesk/webhook` ({args.turns} turns per row; turns without a backend "
        "call: greeting, contact info, code validity, thanks, in Hungarian and English; four-turn conversations). "
        f"Targets: p50 ≤ {TARGET_P50_MS:.0f} ms, p99 ≤ {TARGET_P99_MS:.0f} ms.",
        "",
        "| concurrent conversations | think time between a user's turns | turns | p50 ms | p99 ms | max ms | turns/s "
        "| failed | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (concurrency, pause), (latencies, failures, wall) in results.items():
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        met = "met" if p50 <= TARGET_P50_MS and p99 <= TARGET_P99_MS else "**not met**"
        throughput = (len(latencies) + failures) / wall
        paced = f"{pause:g} s on average" if pause else "none (back-to-back)"
        lines.append(f"| {concurrency} | {paced} | {len(latencies)} | {p50:.0f} | {p99:.0f} | {max(latencies):.0f} | "
                     f"{throughput:.0f} | {failures} | {met} |")
    lines += [
        "",
        "| process | RSS after the load (MiB) | peak RSS (MiB) |",
        "|---|---|---|",
    ]
    for name, values in memory.items():
        lines.append(f"| {name} | {values['VmRSS'] / 1024:.0f} | {values['VmHWM'] / 1024:.0f} |")
    lines += [
        "",
        f"- Start-up (scripts/actions-serve.sh + scripts/rasa-serve.sh until the model answers): {startup_seconds:.1f} s",
    ]
    if training_seconds is not None:
        lines.append(f"- Training (forced full `rasa train`, `--num-threads 2`): {training_seconds:.0f} s")
    lines += ["", *NOTES, ""]
    section = "\n".join(lines)
    publish(section, SECTION, args.out, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())

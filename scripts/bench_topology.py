"""Chat turns through the production topology's proxy with 1, 2 and 3 Rasa replicas, in one run.

One topology is started (ops/production.py, RASA_REPLICAS=3, via tests/fixtures/production_services.py:
free ports, its own databases, dropped afterwards); the replica count is then varied by putting
replicas into maintenance on HAProxy's admin socket (an idle Rasa process costs no CPU), so the three
figures come from the same processes, the same databases and the same minute of the machine.

Each level runs closed-loop conversations (each sends its next turn as soon as the last was answered,
a new conversation every few turns) over the REST channel through HAProxy's internal frontend, which
hashes each conversation to one replica, at rising concurrency until throughput stops growing
(saturation); reported: turns/s at saturation, p50/p99 there, and the ratio to one replica.

    .venv/app/bin/python scripts/bench_topology.py [--seconds 20] [--levels 4,8,16] [--no-write]
"""
from __future__ import annotations

import argparse
import os
import pathlib
import socket
import statistics
import sys
import threading
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TURNS = ["jó napot", "mi az az ügyfélkapu?", "meddig érvényes az aktiváló kód?", "köszönöm",
         "hello", "what is ügyfélkapu?", "how long is the code valid?", "thank you"]
TURNS_PER_CONVERSATION = 4


def admin(state_dir: pathlib.Path, command: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(state_dir / "haproxy.sock"))
        s.sendall(command.encode() + b"\n")
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out.decode()


def use_replicas(running, count: int) -> None:
    for i in range(1, running.topology.rasa_replicas + 1):
        state = "ready" if i <= count else "maint"
        admin(running.topology.state_dir, f"set server rasa/rasa{i} state {state}")
    time.sleep(1.0)


def load(rasa_in: str, secret: str, concurrency: int, seconds: float) -> tuple[float, list[float], int]:
    """(turns/s, latencies in ms, failures) of ``concurrency`` closed-loop conversations for ``seconds``."""
    import httpx

    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def user(n: int) -> None:
        with httpx.Client(timeout=30.0, headers={"X-Helpdesk-Channel-Secret": secret}) as client:
            k = n
            while time.monotonic() < stop_at:
                sender = f"bench-{uuid.uuid4().hex}"
                for _ in range(TURNS_PER_CONVERSATION):
                    if time.monotonic() >= stop_at:
                        break
                    text = TURNS[k % len(TURNS)]
                    k += 1
                    started = time.perf_counter()
                    try:
                        r = client.post(f"{rasa_in}/webhooks/helpdesk/webhook",
                                        json={"sender": sender, "message": text,
                                              "metadata": {"channel": "chat", "language": "hu"}})
                        ok = r.status_code == 200 and isinstance(r.json(), list) and r.json()
                    except httpx.HTTPError:
                        ok = False
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        if ok:
                            latencies.append(elapsed)
                        else:
                            failures[0] += 1

    threads = [threading.Thread(target=user, args=(n,)) for n in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.monotonic() - started), latencies, failures[0]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="per concurrency level")
    parser.add_argument("--levels", default="2,4,8,16", help="concurrency levels (conversations at once)")
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch docs/BENCHMARKS.md")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    counts = [int(x) for x in args.replicas.split(",")]

    import tempfile

    sys.path.insert(0, str(ROOT / "scripts"))
    from benchdoc import measured_on, publish
    from tests.fixtures.production_services import start_topology
    from tests.fixtures.rasa_services import ensure_model

    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the topology is stopped below (finally)
    model = ensure_model()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-topology-"))
    print(f"starting the topology with {max(counts)} Rasa replicas ...", flush=True)
    running = start_topology(tmp, rasa_replicas=max(counts), RASA_MODEL=str(model), timeout=1500)
    rows = []
    loads: list[float] = []
    try:
        secret = running.env["RASA_CHANNEL_SECRET"]
        print(f"ready in {running.started_in_seconds:.0f} s", flush=True)
        use_replicas(running, max(counts))
        load(running.rasa_in, secret, 4, 5.0)  # warm every replica (first turns load TensorFlow graphs)
        for count in counts:
            use_replicas(running, count)
            best = None
            for level in levels:
                rate, lat, failed = load(running.rasa_in, secret, level, args.seconds)
                loads.append(os.getloadavg()[0])
                print(f"  {count} replica(s), {level:>2} at once: {rate:6.1f} turns/s  p50 {pct(lat, .5):6.0f} ms  "
                      f"p99 {pct(lat, .99):6.0f} ms  failed {failed}", flush=True)
                if best is None or rate > best[0] * 1.05:
                    best = (rate, lat, failed, level)
                elif rate < best[0] * 1.05:
                    break  # throughput stopped growing: saturated
            rows.append((count, *best))
    finally:
        running.stop()
    base = rows[0][1]
    table = ["| Rasa replicas | saturated at (conversations at once) | turns/s | p50 ms | p99 ms | failed | × one replica |",
             "|---|---|---|---|---|---|---|"]
    for count, rate, lat, failed, level in rows:
        table.append(f"| {count} | {level} | {rate:.1f} | {pct(lat, .5):.0f} | {pct(lat, .99):.0f} | {failed} | "
                     f"{rate / base:.2f}× |")
    section = "\n".join([
        "## Production topology: Rasa replicas behind the proxy",
        "",
        f"{measured_on()}, `scripts/bench_topology.py --seconds {args.seconds:g} --levels {args.levels}`: one",
        "topology (`make run-production`'s, 3 Rasa replicas on the PostgreSQL tracker store and the Redis lock store,",
        "2 action servers), the replica count varied on HAProxy's admin socket within the same run. Closed-loop chat",
        f"conversations ({TURNS_PER_CONVERSATION} turns each, then a new one) over the REST channel through HAProxy's",
        "internal frontend (hashing each conversation to one replica); the load generator runs on the same 2 cores.",
        f"The machine's 1-minute load average during the measurements: {min(loads):.1f}–{max(loads):.1f}"
        " (other work on the machine included; a quiet machine shows about 2 from this run alone).",
        "",
        *table,
        "",
        "On 2 cores the replicas share the same two CPUs with the action servers, PostgreSQL, Redis, HAProxy and the",
        "load generator: a second replica adds what one process leaves idle (its event loop waits on the tracker",
        "store, the lock store and the action server), not a second machine's worth.",
    ])
    publish(section, "Production topology: Rasa replicas behind the proxy", ROOT / "docs" / "BENCHMARKS.md",
            write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())

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

from scripts.benchdoc import process_cpu_seconds  # noqa: E402 (needs ROOT on sys.path)

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


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (every core; /proc/stat's first line)."""
    values = [int(v) for v in pathlib.Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of ``root`` and every process below it (a supervised program)."""
    from tests.fixtures.production_services import _descendants

    total = 0.0
    for pid, _ in [(root, None)] + _descendants(root):
        try:
            total += process_cpu_seconds(pid)
        except OSError:
            continue
    return total


def service_cpu_seconds(db_prefix: str) -> float:
    """CPU seconds of the shared services' processes serving this topology: PostgreSQL backends of
    its own databases, and Redis and RabbitMQ whole (other work uses them little)."""
    total = 0.0
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            if comm == "postgres":
                if db_prefix not in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    continue
            elif comm not in ("redis-server", "beam.smp"):
                continue
            total += process_cpu_seconds(int(entry.name))
        except OSError:
            continue
    return total


def cpu_now(running, kinds: dict[str, list[str]]) -> dict[str, float]:
    """CPU seconds so far per kind of program, of the whole stack (every supervised process, the
    services' share, this load generator) and of the whole machine (other work included)."""
    out = {kind: sum(tree_cpu_seconds(running.pid(name)) for name in names) for kind, names in kinds.items()}
    own = os.times()
    out["stack"] = (tree_cpu_seconds(running.process.pid) + service_cpu_seconds(running.topology.db_prefix)
                    + own.user + own.system)
    out["machine"] = machine_busy_seconds()
    return out


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
    parser.add_argument("--note", action="append", default=[], help="a line for the section (repeat)")
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
        for _ in range(3):  # warm every replica (its first turns load lazily built parts)
            load(running.rasa_in, secret, 8, 5.0)
        kinds = {"rasa": [f"rasa-{i}" for i in range(1, max(counts) + 1)],
                 "actions": [n for n in ("actions-1", "actions-2", "actions-3")
                             if f"{n} " in running.supervisorctl("status")]}
        for count in counts:
            use_replicas(running, count)
            best = None
            for level in levels:
                cpu_before = cpu_now(running, kinds)
                rate, lat, failed = load(running.rasa_in, secret, level, args.seconds)
                cpu_after = cpu_now(running, kinds)
                loads.append(os.getloadavg()[0])
                turns = max(1, len(lat))
                cost = {kind: (cpu_after[kind] - cpu_before[kind]) * 1000 / turns for kind in cpu_after}
                print(f"  {count} replica(s), {level:>2} at once: {rate:6.1f} turns/s  p50 {pct(lat, .5):6.0f} ms  "
                      f"p99 {pct(lat, .99):6.0f} ms  failed {failed}  CPU ms/turn: Rasa {cost['rasa']:.1f}, "
                      f"actions {cost['actions']:.1f}, stack {cost['stack']:.1f}, machine {cost['machine']:.1f}", flush=True)
                if best is None or rate > best[0] * 1.05:
                    best = (rate, lat, failed, level, cost)
                elif rate < best[0] * 1.05:
                    break  # throughput stopped growing: saturated
            rows.append((count, *best))
    finally:
        running.stop()
    base = rows[0][1]
    table = ["| Rasa replicas | saturated at (conversations at once) | turns/s | p50 ms | p99 ms | failed | × one replica "
             "| CPU ms per turn: Rasa / action servers / whole stack | the stack's share of the 2 cores |",
             "|---|---|---|---|---|---|---|---|---|"]
    for count, rate, lat, failed, level, cost in rows:
        table.append(f"| {count} | {level} | {rate:.1f} | {pct(lat, .5):.0f} | {pct(lat, .99):.0f} | {failed} | "
                     f"{rate / base:.2f}× | {cost['rasa']:.1f} / {cost['actions']:.1f} / {cost['stack']:.1f} | "
                     f"{min(100.0, rate * cost['stack'] / 20):.0f} % |")
    section = "\n".join([
        "## Production topology: Rasa replicas behind the proxy",
        "",
        f"{measured_on()}, `scripts/bench_topology.py --seconds {args.seconds:g} --levels {args.levels}`: one",
        "topology (`make run-production`'s, 3 Rasa replicas on the PostgreSQL tracker store and the Redis lock store,",
        "2 action servers), the replica count varied on HAProxy's admin socket within the same run. Closed-loop chat",
        f"conversations ({TURNS_PER_CONVERSATION} turns each, then a new one) over the REST channel through HAProxy's",
        "internal frontend (hashing each conversation to one replica); the load generator runs on the same 2 cores.",
        f"The machine's 1-minute load average during the measurements: {min(loads):.1f}–{max(loads):.1f}"
        " (other work on the machine included).",
        "",
        *table,
        "",
        "On 2 cores the replicas share the same two CPUs with the action servers, PostgreSQL, Redis, HAProxy, the",
        "broker consumer and the load generator. The whole stack's CPU per turn (every supervised process, the",
        "PostgreSQL backends of its databases, Redis, RabbitMQ and the load generator) was "
        f"{rows[0][5]['stack']:.1f} ms with one replica:",
        f"whatever the number of replicas, these 2 cores cannot serve more than about {2000 / rows[0][5]['stack']:.0f} "
        "turns/s of this stack. A second replica adds",
        "what one process leaves idle (one Rasa process runs one event loop on one core, and waits on the tracker store,",
        "the lock store and the action server), up to that ceiling; on a machine with more cores each replica adds its",
        "own core.",
        *args.note,
    ])
    publish(section, "Production topology: Rasa replicas behind the proxy", ROOT / "docs" / "BENCHMARKS.md",
            write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())

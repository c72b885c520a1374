"""Paced capacity of the production topology (issue #11, "Paced load as people really behave"): the largest
number of concurrent chats and of concurrent calls it holds on this machine with p99 <= 300 ms per turn
and no failed or fallen-back turn.

    .venv/app/bin/python scripts/bench_paced.py [--chats 100,200,400] [--calls 40,80,160,320] [--mixed]
        [--measure 60] [--p99-ms 300] [--budget 15] [--url https://HOST:PORT --twilio-token TOKEN] [--no-write]

The topology is started as `make run-production` starts it (ops/production.py through
tests/fixtures/production_services.py, the production defaults: 2 Rasa replicas, 2 action servers, 2+1
gateway, 2 credentials; free ports, its own databases, dropped afterwards), or ``--url`` names one that
runs. The load is locust (scripts/locust_paced.py, one ``locust --headless --csv`` process per level)
against the public address only, through HAProxy:
- chats: people in the web widget over its own path (socket.io through the proxy, sticky on the
  conversation id), a turn every 10-30 s;
- calls: callers on the phone line (signed Twilio webhooks for the public URL, ivr/callsim.py), a turn
  every 6-12 s (the prompt plays in between).
Chats and calls are stepped up separately; a phase stops at its first failing level; the time left of
``--budget`` minutes then bisects between each capacity and its first failing level (``--mixed``: then
one level with half of each capacity at once). Each level runs for its spawn time, a warm-up and
``--measure`` seconds, and only the measured window is counted (the locustfile resets locust's
statistics when it starts). The table and the capacity figures become the section "Production
topology: paced capacity" of docs/BENCHMARKS.md; each level's locust CSV files and log stay in
var/bench-paced/ (PACED_LOGLEVEL=INFO logs every turn's answer there).
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import os
import pathlib
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

ROOT = pathlib.Path(__file__).resolve().parent.parent
SECTION = "Production topology: paced capacity"
LOCUSTFILE = ROOT / "scripts" / "locust_paced.py"

CHAT_PACE = (10.0, 30.0)
CALL_PACE = (6.0, 12.0)
TURN_NAMES = {"chat": "chat turn", "call": "call turn"}
OPEN_NAMES = {"chat": "chat open", "call": "call dial"}
OTHER_NAMES = ("call hang-up",)
WARMUP_SECONDS = 5.0
SPAWN_PER_SECOND = 10.0     # users started per second (each chat opens two TLS socket.io connections)
LEVEL_OVERHEAD_SECONDS = 8  # locust's start and stop around a level
STOP_SECONDS = 45  # stopping the topology and writing the section, kept free within --budget
START_ESTIMATE_SECONDS = 150  # the topology's start on this machine (2 Rasa replicas loading the model)
DEFAULT_CHATS = "100,200,400"  # around what this machine held when first measured (250 chats, 160 calls)
DEFAULT_CALLS = "40,80,160,320"


# --- what a turn's answer means (used by scripts/locust_paced.py; pure, so tests/unit can check it) --
class TurnFailed(Exception):
    """A turn without a usable answer."""


class FallenBack(Exception):
    """A turn answered by the fallback instead of the assistant."""


def classify_chat(messages: list[tuple[str, object]]) -> Optional[Exception]:
    """One chat turn's messages as (kind, data), kind "bot" (``bot_uttered``) or "error" (``helpdesk_error``):
    None for a usable answer; FallenBack for the widget's "assistant unavailable" (the channel's answer
    when a turn fails inside Rasa, e.g. the action server past its timeout); TurnFailed otherwise."""
    errors = [data for kind, data in messages if kind == "error"]
    if any(isinstance(data, dict) and data.get("error") == "assistant_unavailable" for data in errors):
        return FallenBack("chat: assistant unavailable")
    if errors:
        first = errors[0]
        return TurnFailed(f"chat: rejected ({first.get('error') if isinstance(first, dict) else first})")
    if not any(kind == "bot" and isinstance(data, dict) and any(data.get(k) for k in ("text", "buttons", "custom",
                                                                                         "quick_replies", "attachment"))
               for kind, data in messages):
        return TurnFailed("chat: an empty answer")
    return None


def classify_call(status: int, root, says: list[str], prompts: dict[str, set[str]]) -> Optional[Exception]:
    """One phone webhook's answer (HTTP status, parsed TwiML or None, the <Say> texts): None for an answer
    the caller hears; FallenBack for the keypad menu the line falls back to when the assistant missed its
    deadline (``prompts["assistant_down"]``, the catalogue's wording in both languages); TurnFailed for
    an HTTP error, no TwiML, the gateway's error TwiML (``prompts["fallback"]``), a lost call
    (``prompts["unknown_call"]``) or nothing to hear."""
    if status != 200:
        return TurnFailed(f"call: HTTP {status}")
    if root is None:
        return TurnFailed("call: not TwiML")
    heard = " ".join(says)
    if any(text in heard for text in prompts.get("fallback", ())):
        return TurnFailed("call: the gateway's error TwiML")
    if any(text in heard for text in prompts.get("unknown_call", ())):
        return TurnFailed("call: the line lost the call")
    if any(text in heard for text in prompts.get("assistant_down", ())):
        return FallenBack("call: keypad menu (the assistant missed its deadline)")
    if not any(s.strip() for s in says) and root.find(".//Play") is None:
        return TurnFailed("call: nothing to hear")
    return None


def phone_prompts() -> dict[str, set[str]]:
    """The phone line's wording that classify_call looks for, in both languages (ivr/prompts/*.yml)."""
    from ivr.prompts import catalogue

    return {key: {catalogue(lang).text(key) for lang in ("hu", "en")}
            for key in ("assistant_down", "fallback", "unknown_call")}


def first_delay(low: float, high: float, rng: random.Random | None = None) -> float:
    """When a user who "was already there" takes their first turn: the rest of a pace interval entered at
    a random moment (the interval's length drawn length-biased, the moment in it uniform), so the turn
    rate is the steady state's from the first second rather than a wave of first turns."""
    rng = rng or random.Random()
    length = math.sqrt(low * low + rng.random() * (high * high - low * low))
    return rng.random() * length


# --- levels, locust's statistics, the criteria -----------------------------------------------------
@dataclass(frozen=True)
class Level:
    chats: int = 0
    calls: int = 0

    @property
    def users(self) -> int:
        return self.chats + self.calls

    @property
    def kinds(self) -> list[str]:
        return [k for k, n in (("chat", self.chats), ("call", self.calls)) if n]

    @property
    def label(self) -> str:
        return " + ".join(f"{n} {k}{'' if n == 1 else 's'}" for k, n in (("chat", self.chats), ("call", self.calls)) if n)


@dataclass
class Row:
    """One request name of locust's stats CSV."""
    name: str
    count: int = 0
    failures: int = 0
    p50: Optional[float] = None
    p99: Optional[float] = None
    max: Optional[float] = None


@dataclass
class LevelResult:
    level: Level
    rows: dict[str, Row]
    errors: dict[tuple[str, str], int]  # (name, error) -> occurrences, from the failures CSV
    seconds: float = 0.0
    load: float = 0.0
    cpu_busy: Optional[float] = None
    passed: bool = False
    reason: str = ""

    def turn_rows(self) -> list[Row]:
        return [self.rows.get(TURN_NAMES[k], Row(TURN_NAMES[k])) for k in self.level.kinds]

    @property
    def turns(self) -> int:
        return sum(r.count for r in self.turn_rows())

    @property
    def p50(self) -> Optional[float]:
        values = [r.p50 for r in self.turn_rows() if r.p50 is not None]
        return max(values) if values else None

    @property
    def p99(self) -> Optional[float]:
        values = [r.p99 for r in self.turn_rows() if r.p99 is not None]
        return max(values) if values else None

    @property
    def fallen_back(self) -> int:
        return sum(n for (_, error), n in self.errors.items() if error.startswith("FallenBack("))

    @property
    def failed(self) -> int:
        """Failed turns, openings (chat open, call dial) and hang-ups; fallen-back turns apart."""
        names = {TURN_NAMES[k] for k in self.level.kinds} | {OPEN_NAMES[k] for k in self.level.kinds} | set(OTHER_NAMES)
        return sum(r.failures for name, r in self.rows.items() if name in names) - self.fallen_back

    def opens(self) -> list[Row]:
        return [self.rows.get(OPEN_NAMES[k], Row(OPEN_NAMES[k])) for k in self.level.kinds]


def _number(value: str) -> Optional[float]:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None  # "N/A": no request of that name


def parse_stats(stats_csv: str, failures_csv: str) -> tuple[dict[str, Row], dict[tuple[str, str], int]]:
    """Locust's ``<prefix>_stats.csv`` and ``<prefix>_failures.csv`` (as text): the rows by request name
    (the "Aggregated" total left out) and the failures' occurrences by (name, error)."""
    rows: dict[str, Row] = {}
    for rec in csv.DictReader(io.StringIO(stats_csv)):
        name = rec.get("Name") or ""
        if not name or name == "Aggregated":
            continue
        rows[name] = Row(name=name, count=int(rec.get("Request Count") or 0), failures=int(rec.get("Failure Count") or 0),
                         p50=_number(rec.get("50%")), p99=_number(rec.get("99%")),
                         max=_number(rec.get("Max Response Time")) if int(rec.get("Request Count") or 0) else None)
    errors: dict[tuple[str, str], int] = {}
    for rec in csv.DictReader(io.StringIO(failures_csv)):
        key = (rec.get("Name") or "", rec.get("Error") or "")
        errors[key] = errors.get(key, 0) + int(rec.get("Occurrences") or 0)
    return rows, errors


def judge(result: LevelResult, p99_limit_ms: float) -> tuple[bool, str]:
    """The criteria: turns were measured, p99 <= the limit for every kind of turn, none failed, none fell back."""
    reasons = []
    if result.turns == 0 or any(r.count == 0 for r in result.turn_rows()):
        reasons.append("no turn measured")
    p99 = result.p99
    if p99 is not None and p99 > p99_limit_ms:
        reasons.append(f"p99 {p99:.0f} ms > {p99_limit_ms:.0f} ms")
    if result.failed:
        reasons.append(f"{result.failed} failed")
    if result.fallen_back:
        reasons.append(f"{result.fallen_back} fell back")
    return (not reasons, "; ".join(reasons) or "ok")


def step(levels: Iterable[Level], run: Callable[[Level], Optional[LevelResult]]) -> list[LevelResult]:
    """Run the levels in order and stop after the first that does not pass (or that ``run`` did not run:
    None, e.g. no time left)."""
    results = []
    for level in levels:
        result = run(level)
        if result is None:
            break
        results.append(result)
        if not result.passed:
            break
    return results


def _count(level: Level, kind: str) -> int:
    return level.chats if kind == "chat" else level.calls


def capacity(results: list[LevelResult], kind: str) -> tuple[Optional[int], Optional[int]]:
    """(the largest level of ``kind`` that passed below the smallest failing one, the smallest failing
    level or None when every level passed), in users of that kind, over the levels of that kind alone
    (mixed levels left out) in whatever order they ran."""
    own = [r for r in results if r.level.kinds == [kind]]
    broke = min((_count(r.level, kind) for r in own if not r.passed), default=None)
    held = max((_count(r.level, kind) for r in own if r.passed and (broke is None or _count(r.level, kind) < broke)),
               default=None)
    return held, broke


def next_probe(results: list[LevelResult], kind: str, resolution: float = 0.125) -> Optional[int]:
    """The level between the capacity and the first failing level that halves the gap (rounded to 5 users
    above 20), or None when there is no gap, no pass below the failure, or the gap is within
    ``resolution`` of the capacity (or 2 users)."""
    held, broke = capacity(results, kind)
    if held is None or broke is None or broke - held <= max(2, resolution * held):
        return None
    mid = (held + broke) / 2
    probe = int(round(mid / 5) * 5) if mid > 20 else int(round(mid))
    return probe if held < probe < broke else None


def capacity_text(held: Optional[int], broke: Optional[int], noun: str) -> str:
    if held is None and broke is not None:
        return f"fewer than {broke} concurrent {noun} (the first level already broke the criteria)"
    if broke is None:
        return f"at least {held} concurrent {noun} (every level passed; the limit lies higher)"
    return f"{held} concurrent {noun} (passes; {broke} does not)"


def level_seconds(level: Level, measure: float) -> tuple[float, float]:
    """(spawn seconds, locust's run time) of a level: users started at SPAWN_PER_SECOND, then the warm-up,
    then the measured window."""
    spawn = max(1.0, level.users / SPAWN_PER_SECOND)
    return spawn, spawn + WARMUP_SECONDS + measure


def expected_seconds(levels: Iterable[Level], measure: float, start: float = START_ESTIMATE_SECONDS) -> float:
    """The longest the run takes: the topology's start, the warm-up level, then every level."""
    return start + 20 + LEVEL_OVERHEAD_SECONDS + sum(level_seconds(lv, measure)[1] + LEVEL_OVERHEAD_SECONDS
                                                     for lv in levels)


def default_plan() -> list[Level]:
    return [Level(chats=n) for n in parse_levels(DEFAULT_CHATS)] + [Level(calls=n) for n in parse_levels(DEFAULT_CALLS)]


def parse_levels(text: str) -> list[int]:
    values = [int(x) for x in text.split(",") if x.strip()]
    if any(v <= 0 for v in values) or values != sorted(values):
        raise argparse.ArgumentTypeError(f"levels must be rising positive numbers, got {text!r}")
    return values


# --- running a level ------------------------------------------------------------------------------
def _cpu_times() -> Optional[tuple[int, int]]:
    try:
        fields = [int(x) for x in pathlib.Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields), idle


@dataclass
class Target:
    url: str
    twilio_token: str
    out: pathlib.Path  # locust's CSV files and log of each level


def run_level(level: Level, target: Target, measure: float, p99_limit: float, *, chat_pace=CHAT_PACE,
              call_pace=CALL_PACE, label: str = "") -> LevelResult:
    spawn, run_time = level_seconds(level, measure)
    prefix = target.out / (label or f"chats{level.chats}-calls{level.calls}")
    classes = [c for c, n in (("PacedChat", level.chats), ("PacedCall", level.calls)) if n]
    env = dict(os.environ, PACED_URL=target.url, PACED_TWILIO_TOKEN=target.twilio_token,
               PACED_CHATS=str(level.chats), PACED_CALLS=str(level.calls), PACED_WARMUP=str(WARMUP_SECONDS),
               PACED_CHAT_PACE=f"{chat_pace[0]},{chat_pace[1]}", PACED_CALL_PACE=f"{call_pace[0]},{call_pace[1]}",
               PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(level.users),
           "-r", f"{SPAWN_PER_SECOND:g}", "-t", f"{math.ceil(run_time)}s", "--stop-timeout", "10",
           "--csv", str(prefix), "--only-summary", "--loglevel", os.environ.get("PACED_LOGLEVEL", "WARNING"), *classes]
    before = _cpu_times()
    started = time.monotonic()
    with open(f"{prefix}.log", "w", encoding="utf-8") as log_file:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            process.wait(timeout=run_time + 60)
        except BaseException:  # hung past its run time, or this script interrupted: locust goes too
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            if not isinstance(sys.exc_info()[1], subprocess.TimeoutExpired):
                raise
    after = _cpu_times()
    read = (lambda p: p.read_text(encoding="utf-8") if p.exists() else "")
    rows, errors = parse_stats(read(pathlib.Path(f"{prefix}_stats.csv")), read(pathlib.Path(f"{prefix}_failures.csv")))
    result = LevelResult(level=level, rows=rows, errors=errors, seconds=time.monotonic() - started,
                         load=os.getloadavg()[0])
    if before and after and after[0] > before[0]:
        result.cpu_busy = 1.0 - (after[1] - before[1]) / (after[0] - before[0])
    result.passed, result.reason = judge(result, p99_limit)
    return result


def describe(result: LevelResult) -> str:
    fmt = (lambda v: "–" if v is None else f"{v:.0f}")
    opens = ", ".join(f"{r.name} {r.count} (p99 {fmt(r.p99)} ms)" for r in result.opens())
    return (f"  {result.level.label:>22}: {result.turns:5d} turns  p50 {fmt(result.p50):>5} ms  p99 {fmt(result.p99):>5} ms"
            f"  failed {result.failed}  fell back {result.fallen_back}  [{opens}]  load {result.load:.1f}"
            f"  -> {'pass' if result.passed else 'FAIL: ' + result.reason}")


def table(results: list[LevelResult]) -> list[str]:
    fmt = (lambda v: "–" if v is None else f"{v:.0f}")
    lines = ["| level | turns measured | p50 ms | p99 ms | failed | fallen back | widget opens / dials (p99 ms) "
             "| machine CPU busy, load avg | result |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        opens = "; ".join(f"{o.count} ({fmt(o.p99)})" for o in r.opens())
        cpu = "–" if r.cpu_busy is None else f"{100 * r.cpu_busy:.0f} %"
        lines.append(f"| {r.level.label} | {r.turns} | {fmt(r.p50)} | {fmt(r.p99)} | {r.failed} | {r.fallen_back} | "
                     f"{opens} | {cpu}, {r.load:.1f} | {'pass' if r.passed else 'fail: ' + r.reason} |")
    return lines


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def _token_from_dotenv() -> str:
    path = ROOT / ".env"
    if not path.exists():
        return ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("TWILIO_AUTH_TOKEN="):
            return line.split("=", 1)[1].strip().strip('"').strip("'")
    return ""


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=parse_levels, default=parse_levels(DEFAULT_CHATS),
                        help="concurrent chat levels (rising; empty: no chat phase)")
    parser.add_argument("--calls", type=parse_levels, default=parse_levels(DEFAULT_CALLS),
                        help="concurrent call levels (rising; empty: no call phase)")
    parser.add_argument("--mixed", action="store_true", help="then one level with half of each capacity at once")
    parser.add_argument("--measure", type=float, default=60.0, help="measured seconds per level (after ramp-up)")
    parser.add_argument("--p99-ms", type=float, default=300.0, help="the criterion: p99 per turn at most this")
    parser.add_argument("--budget", type=float, default=15.0,
                        help="minutes the whole run may take: time left after the steps bisects between the "
                             "capacity and the first failing level (0: no bisection)")
    parser.add_argument("--url", help="a running topology's public address (default: start one)")
    parser.add_argument("--twilio-token", default=os.environ.get("TWILIO_AUTH_TOKEN"),
                        help="with --url: its TWILIO_AUTH_TOKEN (default: $TWILIO_AUTH_TOKEN, else .env's)")
    parser.add_argument("--replicas", type=int, default=2, help="Rasa replicas of the started topology")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch docs/BENCHMARKS.md")
    args = parser.parse_args(argv)

    chat_levels = [Level(chats=n) for n in args.chats]
    call_levels = [Level(calls=n) for n in args.calls]
    planned = chat_levels + call_levels + ([Level(max(1, args.chats[0] // 2), max(1, args.calls[0] // 2))]
                                           if args.mixed and args.chats and args.calls else [])
    expected = expected_seconds(planned, args.measure, 0 if args.url else START_ESTIMATE_SECONDS)
    print(f"expected runtime: the steps at most {expected / 60:.1f} min ("
          + ("" if args.url else f"the topology's start ~{START_ESTIMATE_SECONDS / 60:.1f} min, ")
          + f"{len(planned)} levels of {args.measure:g} s measured each after ramp-up; a phase stops at its first "
          f"failing level); bisection between capacity and failure then uses what is left of "
          f"--budget {args.budget:g} min", flush=True)

    import tempfile

    from scripts.benchdoc import measured_on, publish

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the topology is stopped below (finally)
    out = ROOT / "var" / "bench-paced"
    out.mkdir(parents=True, exist_ok=True)
    running = None
    began = time.monotonic()
    not_run: list[Level] = []
    chats: list[LevelResult] = []
    calls: list[LevelResult] = []
    mixed: list[LevelResult] = []
    topology_text = "a running topology at " + (args.url or "")
    try:
        if args.url:
            target = Target(url=args.url.rstrip("/"), twilio_token=args.twilio_token or _token_from_dotenv(), out=out)
        else:
            from tests.fixtures.production_services import start_topology
            from tests.fixtures.rasa_services import ensure_model

            model = ensure_model()
            tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-paced-"))
            print(f"starting the topology ({args.replicas} Rasa replicas) ...", flush=True)
            running = start_topology(tmp, rasa_replicas=args.replicas, RASA_MODEL=str(model), timeout=1500)
            print(f"ready in {running.started_in_seconds:.0f} s at {running.public_url}", flush=True)
            t = running.topology
            topology_text = (f"`make run-production`'s topology started by the script ({t.rasa_replicas} Rasa replicas, "
                             f"{t.action_replicas} action servers, {t.gateway_replicas}+{t.stream_replicas} gateway, "
                             f"{t.credentials_replicas} credentials, {t.outbox_replicas} outbox; PostgreSQL, Redis, "
                             f"RabbitMQ; HAProxy in front; ready in {running.started_in_seconds:.0f} s)")
            target = Target(url=running.public_url, twilio_token=running.env["TWILIO_AUTH_TOKEN"], out=out)
        if not target.twilio_token:
            parser.error("no Twilio auth token: --twilio-token or TWILIO_AUTH_TOKEN")
        # warm every replica (first turns load the model's graphs) with a short fast-paced run, not reported
        warm = run_level(Level(chats=4, calls=2), target, 10.0, args.p99_ms, chat_pace=(2.0, 4.0),
                         call_pace=(2.0, 4.0), label="warm-up")
        print("warm-up:" + describe(warm)[1:], flush=True)

        def run(level: Level) -> Optional[LevelResult]:
            needed = level_seconds(level, args.measure)[1] + LEVEL_OVERHEAD_SECONDS + STOP_SECONDS
            if time.monotonic() - began + needed > args.budget * 60:
                print(f"  {level.label}: not run, {needed:.0f} s more would pass --budget {args.budget:g} min",
                      flush=True)
                not_run.append(level)
                return None
            result = run_level(level, target, args.measure, args.p99_ms)
            print(describe(result), flush=True)
            return result

        print(f"chats (a turn every {CHAT_PACE[0]:g}-{CHAT_PACE[1]:g} s):", flush=True)
        chats = step(chat_levels, run)
        print(f"calls (a turn every {CALL_PACE[0]:g}-{CALL_PACE[1]:g} s):", flush=True)
        calls = step(call_levels, run)
        # time left: bisect between each capacity and its first failing level, chats and calls in turn
        order = [("chat", chats), ("call", calls)]
        for probe_round in range(8):
            kind, results = order[probe_round % 2]
            n = next_probe(results, kind)
            if n is None:
                kind, results = order[(probe_round + 1) % 2]
                n = next_probe(results, kind)
            if n is None:
                break
            print(f"bisecting {kind}s:", flush=True)
            result = run(Level(**{kind + "s": n}))
            if result is None:
                not_run.pop()  # a bisection step left out is no level of the plan left out
                break
            results.append(result)
        if args.mixed and chats and calls:
            held_chats, held_calls = capacity(chats, "chat")[0], capacity(calls, "call")[0]
            if held_chats and held_calls:
                print("mixed:", flush=True)
                mixed = step([Level(max(1, held_chats // 2), max(1, held_calls // 2))], run)
    finally:
        if running is not None:
            running.stop()
    total = time.monotonic() - began
    chat_cap, call_cap = capacity(chats, "chat"), capacity(calls, "call")
    command = "scripts/bench_paced.py" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    loads = [r.load for r in chats + calls + mixed]
    figures = []
    if chats:
        figures.append(f"- **Chats: {capacity_text(*chat_cap, 'chats')}.**")
    if calls:
        figures.append(f"- **Calls: {capacity_text(*call_cap, 'calls')}.**")
    if not_run:
        figures.append(f"- Not run for want of time (--budget {args.budget:g} min): "
                       + ", ".join(lv.label for lv in not_run) + "; a capacity shown as \"at least\" may lie higher.")
    if mixed:
        figures.append(f"- Both at once ({mixed[0].level.label}): {'pass' if mixed[0].passed else 'fail: ' + mixed[0].reason}.")
    section = "\n".join([
        f"## {SECTION}",
        "",
        f"{measured_on()}, commit {_commit()}, `.venv/app/bin/python {command}` ({total / 60:.1f} min in all):",
        f"{topology_text}. The load generator (locust, `scripts/locust_paced.py`) runs on the same 2 cores and",
        "reaches the topology only through HAProxy's public https address, as people do: a **chat** is a person in",
        "the web widget over the widget's own path (socket.io, websocket transport, first without and then with",
        "`?conversation=<id>`, the proxy's stickiness key, resuming the session with its token), typing a turn every",
        f"{CHAT_PACE[0]:g}–{CHAT_PACE[1]:g} s (uniformly drawn) in short conversations, then leaving for the next person; "
        "a **call** is a caller",
        "on the phone line driven by `ivr/callsim.py` (signed Twilio webhooks for the public URL, <Redirect>s followed),",
        f"dialling, speaking a turn every {CALL_PACE[0]:g}–{CALL_PACE[1]:g} s (the prompt plays in between), hanging up "
        "after three turns, the next caller",
        "dialling. Every user's first turn falls at a random point of a pace interval, so the turn rate is steady",
        f"from the start. Each level: users started at {SPAWN_PER_SECOND:g}/s, {WARMUP_SECONDS:g} s warm-up, then "
        f"{args.measure:g} s measured",
        "(locust's statistics reset at its start; what is counted is that window only; its percentiles are kept",
        "to 10 ms above 100 ms). A chat turn's time runs",
        "from `user_uttered` to the answer's last `bot_uttered` (the answer complete after 1 s without another",
        "message); a call turn's, from the speech webhook to the TwiML that waits for the caller again.",
        f"**Criteria: p99 ≤ {args.p99_ms:g} ms per turn, no failed turn, no fallen-back turn** (the widget's",
        "\"assistant unavailable\", or the phone line's keypad menu after the assistant missed its deadline);",
        "a failed turn is one without an answer in 20 s, an HTTP error, no TwiML or nothing to hear; a failed",
        "widget opening, dial or hang-up counts as failed too. A phase stops at its first failing level; then,",
        f"as long as the run stays within {args.budget:g} minutes, a level halfway between the capacity and the first",
        "failing level is tried (bisection), chats and calls in turn.",
        "",
        *table(sorted(chats, key=lambda r: r.level.chats) + sorted(calls, key=lambda r: r.level.calls) + mixed),
        "",
        *figures,
        "",
        f"The machine's 1-minute load average at the end of the levels: {min(loads):.1f}–{max(loads):.1f}"
        if loads else "No level ran.",
        "(whatever else ran on the machine included); \"machine CPU busy\" is the share of both cores in use during",
        "the level, the load generator's own share included. Re-run on a quiet machine for the figure of record:",
        "the default run (no options) takes at most 15 minutes (`--budget`), the topology's start included.",
    ])
    publish(section, SECTION, ROOT / "docs" / "BENCHMARKS.md", write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

#!/usr/bin/env python
"""One Rasa process's own cost per turn, for several models side by side (app env; starts the engine
env's Rasa and action server itself, one stack per model).

    .venv/app/bin/python scripts/bench_rasa.py --model before=var/h5/before.tar.gz@var/h5/before-tree \\
        --model after=models/helpdesk.tar.gz [--turns 400] [--rounds 3] [--no-write]

``LABEL=MODEL[@TREE]``: a trained model, optionally run by the code of another checkout of this
repository (e.g. ``git archive <commit> | tar -x -C var/before`` with a ``.venv`` symlink to this
one's): the "before" of a code change (bot/, actions/, scripts/rasa-serve.sh) measured in the same
run as the "after". Every model gets its own Rasa + action server (scripts/rasa-serve.sh, scripts/actions-serve.sh; the
embedded default endpoints: SQLite tracker store, in-memory lock store). All stacks are started
first; then the load rounds alternate between them (A, B, A, B, ...), so that other work on the
machine weighs on every variant alike. A round is ``--turns`` back-to-back turns from 8 concurrent
conversations (saturation: one Rasa process handles one turn at a time, so 8 clients keep it busy).
Per round it reads the Rasa process's and the action server's CPU time (utime + stime of
/proc/<pid>/stat, every thread) before and after:

- CPU ms per turn = process CPU time / turns answered (Rasa, and the action server beside it);
- turns/s = turns answered / wall time of the round (saturation throughput);
- p50/p99 of the turns' latency at that load, and p50 of one conversation on its own.

The answers of every variant to the same conversations are compared (same responses in the same
order): a cheaper turn that answers differently is not a cheaper turn. Writes the section
"Rasa process cost per turn" of docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import secrets
import statistics
import sys
import tempfile
import time
import uuid

import httpx

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench_bot import CONVERSATIONS, percentile, run_load  # noqa: E402
from scripts.benchdoc import measured_on, process_cpu_seconds as cpu_seconds, publish  # noqa: E402

SECTION = "Rasa process cost per turn"
TARGET_TURNS_PER_S = 60.0
# Conversations whose answers must agree between the variants: the benchmark's own four-turn mix,
# plus a form (the login help form's questions, no backend call) and a language switch.
CHECKED = [
    (CONVERSATIONS["hu"], "hu"),
    (CONVERSATIONS["en"], "en"),
    (["nem tudok belépni", "kiss pista", "a jelszó mezőbe a kódot írtam", "igen"], "hu"),
    (["I cannot log in", "my own name", "the activation code", "yes"], "en"),
    (["jó napot", "can we speak english please?", "what is the phone number of the help line?"], "hu"),
]


NOTES = [
    "Where a turn's time goes (py-spy record at 200 Hz for 40 s of the Rasa process under the back-to-back "
    "load; share of the process's samples; the machine was shared, so shares rather than milliseconds):",
    "- before (TEDPolicy, the old code): TED's two predictions a turn 23 % (TensorFlow call, tracker "
    "featurisation, retracing); saving the tracker 25 % and reading it 17 % — of which opening and closing a "
    "SQLite connection in every tracker-store session (SQLAlchemy 1.4's NullPool for a file database, the close "
    "checkpointing the WAL) about 16 %, the count query before each save 8 %, and a second whole read by the "
    "channel (is the bot waiting for a password?) 9 %; NLU parse 7 %; the custom slot mappings' action-server "
    "call 7 %; RulePolicy 5 %; deserialising stored events (Rasa's event class lookup walks the class tree per "
    "event) 3 %.",
    "- after (profiled 2026-12-01, before the kept-alive connections below): NLU parse (TF-IDF n-grams + CRF) 19 %; "
    "reading the tracker 11 % and saving it 10 %; the action-server calls 11 % (a new TCP connection each, as "
    "Rasa 3.6 opens one per call); RulePolicy + MemoizationPolicy + their featurisation 15 %; the rest is Sanic, "
    "the dialogue graph (dask) and Rasa's processor.",
    "What changed (each in the \"after\" variant, none in \"before\"; scripts/bench_rasa_compare.sh takes them out "
    "again for the \"before\"):",
    "- config.yml: no TEDPolicy — rules and memorised stories cover every test story (scripts/rasa-test.sh: "
    "all stories correct); the ensemble ran TED twice a turn.",
    "- bot/sqlite_tuning.py: the SQLite tracker store keeps its connections in a QueuePool.",
    "- bot/turn_tuning.py: a save starts from the number of events the store read or saved (no count query); "
    "event classes by name from a dictionary.",
    "- bot/channels.py: the tracker is read before redaction only when the bot's last question could change "
    "the redaction of that message (a one-word answer).",
    "- endpoints.yml `enable_selective_domain`: the 60 kB domain is encoded only for the actions that read it "
    "(action_session_start, the forms' validate_* actions), not for every slot-mapping call.",
    "- bot/action_calls.py: Rasa's calls to the action server reuse kept-alive connections (one aiohttp session "
    "per endpoint instead of a new session and TCP connection per call).",
    "- actions/service_client.py: the action server's calls to the gateway and the backend share one TLS context "
    "(httpx loaded the CA bundle for every call, ~20 ms of CPU: most of the action server's CPU per turn here, "
    "from the statistics' event at each conversation's first message).",
]


def shown(path: pathlib.Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def answers(stack, conversation: list[str], language: str) -> list[list[str]]:
    """The bot's texts for each turn of one fresh conversation."""
    sender = f"check-{uuid.uuid4().hex}"
    result = []
    with httpx.Client(timeout=30) as client:
        for text in conversation:
            response = client.post(stack.rest_url, headers=stack.channel_headers, json={
                "sender": sender, "message": text, "metadata": {"channel": "chat", "language": language}})
            response.raise_for_status()
            result.append([m.get("text", "") for m in response.json()])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", required=True, metavar="LABEL=PATH[@TREE]",
                        help="a trained model to measure (repeat; the first is the baseline)")
    parser.add_argument("--turns", type=int, default=400, help="turns per round and variant")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per variant")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--endpoints", default="endpoints.yml", help="Rasa endpoints file to measure")
    parser.add_argument("--note", action="append", default=[], help="a line for the section (repeat)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print the section only")
    args = parser.parse_args(argv)

    variants = []
    trees: dict[str, pathlib.Path] = {}
    for item in args.model:
        label, _, rest = item.partition("=")
        path, _, tree = rest.partition("@")
        model = pathlib.Path(path)
        if not label or not model.is_file():
            parser.error(f"--model {item}: expected LABEL=PATH[@TREE] of a trained model")
        trees[label] = pathlib.Path(tree).resolve() if tree else ROOT
        if not (trees[label] / "scripts" / "rasa-serve.sh").is_file():
            parser.error(f"--model {item}: {tree} is no checkout of this repository")
        variants.append((label, model.resolve()))

    from tests.fixtures import rasa_services
    from tests.fixtures.ports import free_port
    from tests.fixtures.rasa_services import start_rasa_stack

    # Throw-away secrets (no backend is called): Rasa and the action server refuse to start without.
    os.environ.setdefault("CHAT_SEAL_KEY", secrets.token_urlsafe(32))
    rows: dict[str, dict[str, list[float]]] = {label: {"rasa": [], "actions": [], "tps": [], "lat": [],
                                                       "failed": [], "single": []} for label, _ in variants}
    checked: dict[str, list] = {}
    loads: list[float] = []  # the machine's 1-minute load average at the start of each round
    stacks = {}
    with tempfile.TemporaryDirectory(prefix="bench-rasa-") as tmp:
        try:
            for label, model in variants:
                rasa_services.ROOT = trees[label]  # the checkout whose scripts start the stack (its cwd)
                stacks[label] = start_rasa_stack(
                    pathlib.Path(tmp) / label, credentials_url=f"http://127.0.0.1:{free_port()}",
                    credentials_token=secrets.token_urlsafe(24), gateway_token=secrets.token_urlsafe(24), gateway_url=f"http://127.0.0.1:{free_port()}",
                    endpoints=args.endpoints, model=model,
                )
            rasa_services.ROOT = ROOT
            for label, _ in variants:
                stack = stacks[label]
                run_load(stack, 2, 40)  # warm-up: lazily initialised parts load on the first turns
                checked[label] = [answers(stack, conversation, language) for conversation, language in CHECKED]
                single, _, _ = run_load(stack, 1, 60)
                rows[label]["single"] = single
            for _ in range(args.rounds):
                for label, _ in variants:
                    stack = stacks[label]
                    loads.append(os.getloadavg()[0])
                    before = {name: cpu_seconds(pid) for name, pid in stack.pids().items()}
                    latencies, failures, wall = run_load(stack, args.concurrency, args.turns)
                    after = {name: cpu_seconds(pid) for name, pid in stack.pids().items()}
                    answered = len(latencies)
                    row = rows[label]
                    row["rasa"].append((after["rasa"] - before["rasa"]) * 1000 / max(1, answered))
                    row["actions"].append((after["actions"] - before["actions"]) * 1000 / max(1, answered))
                    row["tps"].append(answered / wall)
                    row["lat"].extend(latencies)
                    row["failed"].append(failures)
        finally:
            for stack in stacks.values():
                stack.stop()

    baseline = variants[0][0]
    lines = [
        f"## {SECTION}",
        "",
        f"{measured_on()} by `scripts/bench_rasa.py` (endpoints `{args.endpoints}`; {args.rounds} alternating "
        f"rounds of {args.turns} back-to-back turns from {args.concurrency} concurrent conversations per variant; "
        "turns without a backend call: greeting, contact info, code validity, thanks, Hungarian and English, "
        "four-turn conversations; the load generator runs on the same machine; the machine's 1-minute load average "
        f"at the rounds' starts: {min(loads):.1f}–{max(loads):.1f}, this benchmark's own load included). "
        f"Target: ≥ {TARGET_TURNS_PER_S:.0f} turns/s for one Rasa process.",
        "",
        "| variant | model (code) | Rasa CPU ms/turn (median of rounds) | action server CPU ms/turn | turns/s at saturation "
        "(median; min–max) | p50 / p99 ms at saturation | one conversation p50 ms | failed | answers as the "
        f"baseline |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, model in variants:
        row = rows[label]
        same = "—" if label == baseline else ("yes" if checked[label] == checked[baseline] else "**no**")
        lines.append(
            f"| {label} | `{shown(model)}`{'' if trees[label] == ROOT else f' (code of `{shown(trees[label])}`)'} | "
            f"{statistics.median(row['rasa']):.1f} | {statistics.median(row['actions']):.1f} | "
            f"{statistics.median(row['tps']):.0f} ({min(row['tps']):.0f}–{max(row['tps']):.0f}) | "
            f"{percentile(row['lat'], 50):.0f} / {percentile(row['lat'], 99):.0f} | "
            f"{percentile(row['single'], 50):.0f} | {int(sum(row['failed']))} | {same} |"
        )
    for label, _ in variants:
        if label != baseline and checked[label] != checked[baseline]:
            for (conversation, _), mine, theirs in zip(CHECKED, checked[label], checked[baseline]):
                if mine != theirs:
                    lines.append(f"- {label} answers {conversation!r} differently: {mine!r} vs {theirs!r}")
    lines += ["", *args.note, *NOTES, ""]
    publish("\n".join(lines), SECTION, args.out, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())

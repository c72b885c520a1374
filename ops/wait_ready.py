"""The supervisor's "ready" process (an event listener of ops/supervise.py): waits until every
process of the set answers its health check, prints ``ready`` with the addresses a person needs, then
listens to supervisord's PROCESS_STATE events: a process that leaves RUNNING (a crash, ``kill -9``)
is named (``NAME is down``), its health check is polled again until it answers (``NAME is back``),
and ``ready`` is printed again once every process answers. Between outages nothing is polled (no
health-check lines in the access logs).

- ``python -m ops.wait_ready [--set embedded] --listener``: under supervisord (the protocol on
  stdin/stdout; the lines go to stderr, prefixed ``ready | `` as the relay prefixes the others).
- ``python -m ops.wait_ready [--set embedded]``: standalone, exits 0 at the first ``ready`` (1 when
  a process does not answer within READY_TIMEOUT_SECONDS).
A bad setting: one line (``NOT READY: ...``), exit 1."""
from __future__ import annotations

import argparse
import queue
import socket
import sys
import threading
import time
from typing import Callable, Optional

import httpx

from kernel.settings import EnvReader, SettingsError
from ops import supervise

POLL_SECONDS = 1.0


def health_checks(read: EnvReader, set_name: str = "embedded") -> dict[str, str]:
    """Process name -> health URL (http://...) or tcp://host:port, for the set's processes."""
    return supervise.health_checks(set_name, read)


def answers(target: str) -> bool:
    """Whether ``target`` (http(s) URL or tcp://host:port) answers its health check now."""
    if target.startswith("tcp://"):
        host, port = target[6:].rsplit(":", 1)
        try:
            with socket.create_connection((host, int(port)), timeout=1.0):
                return True
        except OSError:
            return False
    try:
        return httpx.get(target, timeout=2.0).status_code < 300
    except httpx.HTTPError:
        return False


def _events(stdin, stdout, into: "queue.Queue[tuple[str, str]]") -> None:
    """supervisord's event listener protocol: each PROCESS_STATE event as (process name, state)."""
    while True:
        stdout.write(b"READY\n")
        stdout.flush()
        line = stdin.readline()
        if not line:
            into.put(("", "EOF"))
            return
        header = dict(token.split(b":", 1) for token in line.split())
        payload = stdin.read(int(header[b"len"]))
        head = payload.split(b"\n", 1)[0]
        fields = dict(token.split(b":", 1) for token in head.split())
        event = header.get(b"eventname", b"").decode()
        if event.startswith("PROCESS_STATE_"):
            into.put((fields.get(b"processname", b"").decode(), event[len("PROCESS_STATE_"):]))
        stdout.write(b"RESULT 2\nOK")
        stdout.flush()


class Watch:
    """Which processes answer; what to print when that changes."""

    def __init__(self, checks: dict[str, str], read: EnvReader, say: Callable[[str], None]):
        self.checks, self.read, self.say = checks, read, say
        self.pending = dict(checks)  # polled until they answer
        self.ready_once = False
        self.ready_now = False
        self.mail_dir = read.get("MAIL_SINK_DIR", "var/mail")

    def poll(self) -> None:
        for name, target in list(self.pending.items()):
            if answers(target):
                del self.pending[name]
                self.say(f"{name} is back ({target})" if self.ready_once else f"{name} is up ({target})")
        if not self.pending and not self.ready_now:
            self.announce()

    def down(self, name: str, state: str) -> None:
        if name in self.checks and name not in self.pending:
            self.pending[name] = self.checks[name]
            self.ready_now = False
            self.say(f"{name} is down ({state.lower()}): its users get the fallback until it is back")

    def announce(self) -> None:
        gw = f"http://127.0.0.1:{self.read.port('GATEWAY_PORT', 8000)}"
        self.say("ready: " + ", ".join(sorted(self.checks)))
        if "gateway" in self.checks:
            self.say(f"  web chat demo: {gw}/   agent console: {gw}/agents/   phone line: {gw}/voice/incoming")
        self.say(f"  mail sink: {self.mail_dir}/*.eml   stop everything: Ctrl-C")
        self.ready_once = self.ready_now = True


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.wait_ready")
    parser.add_argument("--set", default="embedded", dest="set_name")
    parser.add_argument("--listener", action="store_true", help="run as supervisord's event listener")
    args = parser.parse_args(argv)
    out = sys.stderr if args.listener else sys.stdout
    prefix = "ready       | " if args.listener else ""

    def say(line: str) -> None:
        print(prefix + line, file=out, flush=True)

    read = EnvReader()
    timeout = read.number("READY_TIMEOUT_SECONDS", 300.0, 1.0, 3600.0)
    checks = health_checks(read, args.set_name)
    read.port("GATEWAY_PORT", 8000)
    try:
        read.raise_errors(SettingsError, "bad settings")
    except SettingsError as exc:
        say(f"NOT READY: {exc}")
        return 1
    watch = Watch(checks, read, say)
    events: "queue.Queue[tuple[str, str]]" = queue.Queue()
    if args.listener:
        threading.Thread(target=_events, args=(sys.stdin.buffer, sys.stdout.buffer, events), daemon=True).start()
    since = time.monotonic()
    said_not_ready = False
    while True:
        was_ready = watch.ready_now
        if watch.pending:
            watch.poll()
        if watch.ready_now and not args.listener:
            return 0
        if not watch.ready_now:
            if was_ready:
                since, said_not_ready = time.monotonic(), False
            if not said_not_ready and time.monotonic() - since > timeout:
                say(f"NOT READY after {timeout:.0f}s: {', '.join(sorted(watch.pending))}")
                said_not_ready = True
                if not args.listener:
                    return 1
        try:
            name, state = events.get(timeout=POLL_SECONDS if watch.pending else 3600)
        except queue.Empty:
            continue
        if state == "EOF":
            return 0
        if state != "RUNNING":
            was = watch.ready_now
            watch.down(name, state)
            if was and not watch.ready_now:
                since, said_not_ready = time.monotonic(), False


if __name__ == "__main__":
    sys.exit(main())

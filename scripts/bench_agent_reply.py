"""Benchmark: time from an agent's reply in the console to its appearance on the user's side.

Starts a real gateway (`python -m gateway`: migrations + gunicorn gthread) on a free port with a
temporary SQLite database, creates an agent and a chat escalation, logs the agent in through the
console form, claims the case, then sends N replies one after the other and measures

  * sse    — POST /agents/escalations/<id>/reply → the message read from the relay's SSE stream
             (what the widget consumes), and
  * widget — the same, until the text is in the widget's DOM in headless Chromium (--browser).

Writes the section "Agent replies" of docs/BENCHMARKS.md (only that section) unless --no-write.

    .venv/app/bin/python scripts/bench_agent_reply.py [-n 100] [--browser] [--no-write]
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import httpx

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.benchdoc import write_section  # noqa: E402 (needs ROOT on sys.path)
from tests.fixtures.ports import free_port, wait_for_http  # noqa: E402

SECTION = "Agent replies"
TOKEN = "bench-gateway-service-token-0123456789"
PASSWORD = "bench agent password 123"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def start_gateway(tmp: pathlib.Path) -> tuple[subprocess.Popen, str, dict]:
    port = free_port()
    env = dict(os.environ)
    env.update(GATEWAY_HOST="127.0.0.1", GATEWAY_PORT=str(port), GATEWAY_DATABASE_URL=f"sqlite:///{tmp}/gateway.db",
               GATEWAY_SERVICE_TOKEN=TOKEN, GATEWAY_SECRET_KEY="bench-secret-key-0123456789abcdef",
               TWILIO_AUTH_TOKEN="bench-twilio-token-0123456789", RASA_JWT_SECRET="bench-rasa-jwt-0123456789",
               RASA_CHANNEL_SECRET="bench-rasa-channel-0123456789", CREDENTIALS_PHONE_TOKEN="bench-phone-token-0123456789",
               CREDENTIALS_CONSOLE_TOKEN="bench-console-token-0123456789", GATEWAY_THREADS="16")
    log = open(tmp / "gateway.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "gateway"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(url + "/healthz", timeout=60, process=proc)
    return proc, url, env


def create_agent(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "agents", "create-agent", "--username", "bench", "--password", PASSWORD],
                   cwd=ROOT, env=env, check=True, capture_output=True)


def agent_session(url: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=10, follow_redirects=False)
    page = client.get("/agents/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/agents/login", data={"username": "bench", "password": PASSWORD, "csrf_token": csrf})
    assert r.status_code == 302, r.status_code
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/agents/").text).group(1)
    return client, csrf


class StreamReader(threading.Thread):
    """Reads the relay's SSE stream like the widget does; records when each agent text arrived."""

    def __init__(self, url: str, conversation: str, token: str):
        super().__init__(daemon=True)
        self.url, self.conversation, self.token = url, conversation, token
        self.arrived: dict[str, float] = {}
        self.cond = threading.Condition()
        self.stop = False

    def run(self) -> None:
        last = 0
        while not self.stop:
            try:
                with httpx.stream("GET", f"{self.url}/api/v1/chat/{self.conversation}/events", timeout=70,
                                  headers={"Authorization": f"Bearer {self.token}", "Last-Event-ID": str(last)}) as r:
                    event = None
                    for line in r.iter_lines():
                        if line.startswith("id: "):
                            last = int(line[4:])
                        elif line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: ") and event == "message":
                            data = json.loads(line[6:])
                            if data.get("sender") == "agent":
                                with self.cond:
                                    self.arrived[data["text"]] = time.perf_counter()
                                    self.cond.notify_all()
            except httpx.HTTPError:
                time.sleep(0.2)

    def wait_for(self, text: str, timeout: float = 10) -> float:
        with self.cond:
            self.cond.wait_for(lambda: text in self.arrived, timeout=timeout)
            return self.arrived[text]


def run(n: int, browser: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = pathlib.Path(tmpdir)
        proc, url, env = start_gateway(tmp)
        try:
            create_agent(env)
            conversation = "bench-conversation"
            esc = httpx.post(url + "/api/v1/escalations", headers={"Authorization": f"Bearer {TOKEN}"}, json={
                "idempotency_key": "bench:1", "channel": "chat", "conversation_id": conversation, "language": "hu",
                "reason": "user_asked", "transcript": [], "tried": []}).json()
            client, csrf = agent_session(url)
            assert client.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": csrf}).status_code == 302
            reader = StreamReader(url, conversation, esc["chat_token"])
            reader.start()
            time.sleep(0.5)
            sse = []
            for i in range(n):
                text = f"bench reply {i} – a válasz"
                t0 = time.perf_counter()
                r = client.post(f"/agents/escalations/{esc['id']}/reply", data={"text": text, "csrf_token": csrf},
                                headers={"Accept": "application/json"})
                assert r.status_code == 200, r.text
                sse.append((reader.wait_for(text) - t0) * 1000)
            reader.stop = True
            results = {"sse": sse}
            if browser:
                results["widget"] = widget_latencies(url, client, csrf, esc, conversation, n)
            return results
        finally:
            # open SSE streams may hold gunicorn's graceful shutdown: stop its whole process group
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def widget_latencies(url: str, client: httpx.Client, csrf: str, esc: dict, conversation: str, n: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    state = {"session_id": conversation, "lang": "hu", "langChosen": False, "open": True, "outbox": [], "history": [],
             "handoff": {"conversation_id": conversation, "reference": esc["reference"], "escalation_id": esc["id"],
                         "chat_token": esc["chat_token"], "last_event_id": 0}}
    out = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = b.new_page()
        page.add_init_script(f"localStorage.setItem('hdw-state-v1', {json.dumps(json.dumps(state))})")
        page.goto(url + "/")
        page.wait_for_selector(".hdw-panel")
        page.wait_for_timeout(1000)
        for i in range(n):
            text = f"widget reply {i}"
            t0 = time.perf_counter()
            client.post(f"/agents/escalations/{esc['id']}/reply", data={"text": text, "csrf_token": csrf},
                        headers={"Accept": "application/json"})
            page.wait_for_function("t => [...document.querySelectorAll('.hdw-agent .hdw-text')].some(e => e.textContent === t)",
                                   arg=text, polling="raf", timeout=10000)
            out.append((time.perf_counter() - t0) * 1000)
        b.close()
    return out


def section_of(results: dict, n: int) -> str:
    """The "## Agent replies" section of docs/BENCHMARKS.md for ``results``."""
    rows = "\n".join(
        f"| {name} | {len(values)} | {percentile(values, 50):.1f} | {percentile(values, 99):.1f} | {max(values):.1f} |"
        for name, values in results.items())
    section = (
        f"## {SECTION}\n\n"
        "Time from an agent's reply (POST in the console) to its arrival on the user's side: read from the\n"
        "relay's SSE stream (`sse`), and rendered in the widget in headless Chromium (`widget`). One gateway\n"
        "(`python -m gateway`, gunicorn gthread, SQLite), replies sent one after another.\n"
        f"`scripts/bench_agent_reply.py -n {n}{' --browser' if 'widget' in results else ''}` on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')} (machine shared with other work).\n\n"
        "| path | replies | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n" + rows + "\n"
    )
    return section


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--browser", action="store_true", help="also measure to the widget's DOM in Chromium")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    results = run(args.n, args.browser)
    for name, values in results.items():
        print(f"{name}: n={len(values)} p50={percentile(values, 50):.1f} ms p99={percentile(values, 99):.1f} ms")
    if not args.no_write:
        write_section(ROOT / "docs" / "BENCHMARKS.md", SECTION, section_of(results, args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())

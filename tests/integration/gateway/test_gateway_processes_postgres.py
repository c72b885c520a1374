"""The gateway as several real processes on PostgreSQL (issue #11): a "web" process (gthread: the
phone line, the console, the APIs) and a "streams" process (gevent: only the relay's event streams),
both `python -m gateway` on one database schema made for this module.

- An agent's reply posted through the console of one process reaches the widget streaming from the
  other within 1 s: the wake-up crosses through PostgreSQL LISTEN/NOTIFY (agents/notify.py), not the
  streams' keep-alive timeout.
- 64 open event streams do not slow a signed /voice/* webhook: the streams hold greenlets of the
  streams process, never a thread of the web process.
- Each role refuses the other's routes (a misrouted stream never holds a webhook thread)."""
from __future__ import annotations

import json
import re
import statistics
import threading
import time
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.fixtures.gateway_services import AGENT_PASSWORD, GATEWAY_SECRETS, SERVICE_TOKEN, sample_escalation

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class Gateways:
    def __init__(self, web: str, streams: str, database_url: str):
        self.web, self.streams, self.database_url = web, streams, database_url


@pytest.fixture(scope="module")
def gateways(tmp_path_factory):
    from tests.fixtures.ports import free_port, start_process, stop_process

    tmp = tmp_path_factory.mktemp("gateways")
    schema = f"gateway_procs_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    web_port, streams_port = free_port(), free_port()
    public = f"http://127.0.0.1:{web_port}"
    common = {**GATEWAY_SECRETS, "GATEWAY_HOST": "127.0.0.1", "GATEWAY_DATABASE_URL": url,
              "PUBLIC_BASE_URL": public, "RASA_URL": f"http://127.0.0.1:{free_port()}",
              "CREDENTIALS_URL": f"http://127.0.0.1:{free_port()}",
              # all the streams of this test come from one client address
              "AGENTS_SSE_PER_CLIENT": "1000", "AGENTS_SSE_PER_ESCALATION": "4", "PYTHONUNBUFFERED": "1"}
    processes, errors = [], []

    def start(role: str, port: int, log: str, **extra: str) -> None:
        try:
            processes.append(start_process(["gateway"], env={**common, "GATEWAY_ROLE": role, "GATEWAY_PORT": str(port),
                                                             **extra},
                                           log_path=tmp / log, health=f"http://127.0.0.1:{port}/healthz",
                                           name=f"{role} gateway", timeout=150))
        except Exception as exc:  # reported below, after both had their chance
            errors.append(exc)

    try:
        # both at once, as in production: one migrates, the other waits on the advisory lock
        starters = [threading.Thread(target=start, args=("web", web_port, "web.log"), kwargs={"GATEWAY_THREADS": "8"}),
                    threading.Thread(target=start, args=("streams", streams_port, "streams.log"),
                                     kwargs={"GATEWAY_STREAM_CONNECTIONS": "200"})]
        for starter in starters:
            starter.start()
        for starter in starters:
            starter.join()
        if errors:
            raise errors[0]
        yield Gateways(public, f"http://127.0.0.1:{streams_port}", url)
    finally:
        for process in processes:
            stop_process(process, timeout=10)
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def escalate(base: str, conversation_id: str) -> dict:
    body = sample_escalation(conversation_id=conversation_id, idempotency_key=f"chat:{conversation_id}:1")
    r = httpx.post(base + "/api/v1/escalations", json=body, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                   timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def make_agent(database_url: str, username: str) -> None:
    from agents.accounts import create_agent
    from gateway.db import make_engine, make_session_factory

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            create_agent(session, username, AGENT_PASSWORD, "agent", username.title())
    finally:
        engine.dispose()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class EventReader:
    """A widget's event stream read in a thread; each event with the monotonic time it arrived."""

    def __init__(self, url: str, token: str):
        self.events: list[tuple[float, str, dict]] = []
        self.status: int | None = None
        self.opened = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, token), daemon=True)
        self._thread.start()

    def _run(self, url: str, token: str) -> None:
        try:
            with httpx.stream("GET", url, headers={"Authorization": f"Bearer {token}"},
                              timeout=httpx.Timeout(10.0, read=90.0)) as r:
                self.status = r.status_code
                name = None
                for line in r.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: ") and name:
                        self.events.append((time.monotonic(), name, json.loads(line[6:])))
                        self.opened.set()  # the first event ("state") is in: the stream is live
                        name = None
        except httpx.HTTPError:
            pass
        finally:
            self.opened.set()

    def first(self, name: str, timeout: float) -> tuple[float, dict] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, event, data in list(self.events):
                if event == name:
                    return at, data
            time.sleep(0.005)
        return None

    def close(self) -> None:
        self._stop.set()


def test_an_agent_reply_posted_to_one_gateway_process_reaches_a_widget_streaming_from_another_within_1s(gateways):
    conversation = f"widget-{uuid.uuid4().hex[:8]}"
    esc = escalate(gateways.web, conversation)
    make_agent(gateways.database_url, "anna")
    reader = EventReader(f"{gateways.streams}/api/v1/chat/{conversation}/events", esc["chat_token"])
    try:
        assert reader.opened.wait(10) and reader.status == 200
        console = httpx.Client(base_url=gateways.web, timeout=10)
        page = console.get("/agents/login")
        r = console.post("/agents/login", data={"username": "anna", "password": AGENT_PASSWORD,
                                                "csrf_token": csrf_of(page.text)})
        assert r.status_code in (302, 303), r.text
        case = console.get(f"/agents/escalations/{esc['id']}")
        token = csrf_of(case.text)
        assert console.post(f"/agents/escalations/{esc['id']}/claim", data={"csrf_token": token}).status_code < 400
        joined = reader.first("agent_joined", 1.5)  # claimed in the web process, seen by the streams one
        time.sleep(0.2)
        sent = time.monotonic()
        r = console.post(f"/agents/escalations/{esc['id']}/reply",
                         data={"csrf_token": token, "text": "Jó napot, Anna vagyok, segítek."})
        assert r.status_code < 400, r.text
        arrived = reader.first("message", 3.0)
        assert joined is not None, reader.events
        assert arrived is not None and arrived[1]["text"] == "Jó napot, Anna vagyok, segítek.", reader.events
        # from before the reply's POST to the event in the other process's stream
        assert arrived[0] - sent < 1.0, f"{arrived[0] - sent:.3f} s"
    finally:
        reader.close()


def signed_status_webhook(base: str) -> tuple[dict, dict]:
    from twilio.request_validator import RequestValidator

    params = {"CallSid": "CA" + uuid.uuid4().hex, "CallStatus": "completed", "CallDuration": "3"}
    signature = RequestValidator(GATEWAY_SECRETS["TWILIO_AUTH_TOKEN"]).compute_signature(base + "/voice/status", params)
    return params, {"X-Twilio-Signature": signature}


def voice_incoming(client: httpx.Client, base: str) -> float:
    from twilio.request_validator import RequestValidator

    params = {"AccountSid": "AC" + "0" * 32, "CallSid": "CA" + uuid.uuid4().hex, "From": "+36301234567",
              "To": "+3612345678", "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
    signature = RequestValidator(GATEWAY_SECRETS["TWILIO_AUTH_TOKEN"]).compute_signature(base + "/voice/incoming", params)
    started = time.monotonic()
    r = client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": signature}, timeout=5)
    took = time.monotonic() - started
    assert r.status_code == 200 and "<Response>" in r.text, r.text
    return took


def test_64_open_event_streams_do_not_slow_a_voice_webhook(gateways):
    client = httpx.Client(base_url=gateways.web, timeout=10)
    before = [voice_incoming(client, gateways.web) for _ in range(5)]
    readers = []
    try:
        for i in range(32):  # 64 streams: two widgets' tabs per escalated chat
            conversation = f"busy-{i}-{uuid.uuid4().hex[:6]}"
            token = escalate(gateways.web, conversation)["chat_token"]
            for _ in range(2):
                readers.append(EventReader(f"{gateways.streams}/api/v1/chat/{conversation}/events", token))
        for reader in readers:
            assert reader.opened.wait(15)
        assert [r.status for r in readers].count(200) == 64, [r.status for r in readers]
        during = [voice_incoming(client, gateways.web) for _ in range(10)]
    finally:
        for reader in readers:
            reader.close()
    assert max(during) < 1.0, during
    assert statistics.median(during) < statistics.median(before) + 0.25, (before, during)


def test_each_process_role_refuses_the_other_roles_routes(gateways):
    conversation = f"roles-{uuid.uuid4().hex[:8]}"
    token = escalate(gateways.web, conversation)["chat_token"]
    # the web process never holds a thread for a stream
    r = httpx.get(f"{gateways.web}/api/v1/chat/{conversation}/events", headers={"Authorization": f"Bearer {token}"},
                  timeout=5)
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    # the streams process answers nothing of the phone line, the console or the APIs
    params, headers = signed_status_webhook(gateways.streams)
    assert httpx.post(f"{gateways.streams}/voice/status", data=params, headers=headers, timeout=5).status_code == 404
    assert httpx.get(f"{gateways.streams}/agents/login", timeout=5).status_code == 404
    assert httpx.post(f"{gateways.streams}/api/v1/escalations", json=sample_escalation(),
                      headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}, timeout=5).status_code == 404
    preflight = httpx.options(f"{gateways.streams}/api/v1/chat/{conversation}/events", timeout=5)
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"

"""The chat relay's credential and its event streams: the token expires and cannot be stretched,
a closed case stops being readable after a short grace, a handful of streams per case and per
client (429 beyond), and streams never take the threads the phone line's webhooks need."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx
import pytest

from agents import escalations
from tests.fixtures.gateway_services import GATEWAY_SECRETS, SERVICE_TOKEN, sample_escalation, start_live_gateway


def escalate(client, conversation_id="sender-1"):
    r = client.post("/api/v1/escalations", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                    json=sample_escalation(conversation_id=conversation_id, idempotency_key=f"chat:{conversation_id}:1"))
    assert r.status_code == 201
    return r.get_json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_chat_token_expires(gateway_client, monkeypatch):
    esc = escalate(gateway_client)
    token = esc["chat_token"]
    expires, _, _mac = token.partition(".")
    assert gateway_client.post("/api/v1/chat/sender-1/messages", json={"text": "hi"},
                               headers=bearer(token)).status_code == 201
    later = escalations.utcnow() + timedelta(hours=8, seconds=1)
    monkeypatch.setattr(escalations, "utcnow", lambda: later)
    assert gateway_client.post("/api/v1/chat/sender-1/messages", json={"text": "hi"},
                               headers=bearer(token)).status_code == 403
    assert gateway_client.get("/api/v1/chat/sender-1/events", headers=bearer(token)).status_code == 403
    # the expiry is under the MAC: moving it forward does not make a token
    stretched = f"{int(expires) + 86400}.{_mac}"
    assert gateway_client.get("/api/v1/chat/sender-1/events", headers=bearer(stretched)).status_code == 403
    # and a retried escalation request answers the same token (derived, nothing stored)
    monkeypatch.undo()
    assert escalate_again(gateway_client)["chat_token"] == token


def escalate_again(client):
    r = client.post("/api/v1/escalations", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                    json=sample_escalation(conversation_id="sender-1", idempotency_key="chat:sender-1:1"))
    assert r.status_code == 200
    return r.get_json()


def close_case(app, escalation_id):
    from gateway import sessions_of

    with sessions_of(app)() as s:
        e = escalations.get(s, escalation_id)
        assert escalations.finish(s, e, None, status="closed", outcome="solved", kind="closed", actor="test")


def test_relay_events_unreadable_after_close(gateway_app, gateway_client):
    esc = escalate(gateway_client)
    token = esc["chat_token"]
    gateway_client.post("/api/v1/chat/sender-1/messages", json={"text": "a last word"}, headers=bearer(token))
    close_case(gateway_app, esc["id"])
    # within the grace period the widget still reads the last messages and the "closed" event
    r = gateway_client.get("/api/v1/chat/sender-1/events", headers=bearer(token))
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "event: closed" in body
    assert gateway_client.post("/api/v1/chat/sender-1/messages", json={"text": "hello?"},
                               headers=bearer(token)).status_code == 409
    gateway_app.config["AGENTS_RELAY_GRACE_S"] = 0
    time.sleep(0.01)
    r = gateway_client.get("/api/v1/chat/sender-1/events", headers=bearer(token))
    assert r.status_code == 403 and "a last word" not in r.get_data(as_text=True)
    assert gateway_client.post("/api/v1/chat/sender-1/messages", json={"text": "hello?"},
                               headers=bearer(token)).status_code == 403


class OpenStream:
    """An SSE request held open in a thread; ``status`` once the answer's head arrived."""

    def __init__(self, url, token):
        self.status = None
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, token), daemon=True)
        self._thread.start()

    def _run(self, url, token):
        try:
            with httpx.stream("GET", url, headers=bearer(token), timeout=httpx.Timeout(5.0, read=90.0)) as r:
                self.status = r.status_code
                self.ready.set()
                for _ in r.iter_raw():
                    if self._stop.is_set():
                        return
        except httpx.HTTPError:
            pass
        finally:
            self.ready.set()

    def close(self):
        self._stop.set()


def test_many_sse_streams_for_one_case_are_refused(gateway_settings):
    gw = start_live_gateway(gateway_settings, AGENTS_STREAM_SECONDS=3)
    streams = []
    try:
        client = httpx.Client(base_url=gw.url)
        first = client.post("/api/v1/escalations", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                            json=sample_escalation()).json()
        url = f"{gw.url}/api/v1/chat/sender-1/events"
        for _ in range(2):
            streams.append(OpenStream(url, first["chat_token"]))
            assert streams[-1].ready.wait(10) and streams[-1].status == 200
        refused = client.get("/api/v1/chat/sender-1/events", headers=bearer(first["chat_token"]))
        assert refused.status_code == 429 and refused.json()["error"] == "too_many_streams"
        assert refused.headers["Retry-After"] and refused.headers["Access-Control-Allow-Origin"] == "*"
        # the same client on another case: its two streams are already open
        other = client.post("/api/v1/escalations", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                            json=sample_escalation(conversation_id="s2", idempotency_key="chat:s2:1")).json()
        assert client.get("/api/v1/chat/s2/events", headers=bearer(other["chat_token"])).status_code == 429
        # a stream ends (its time is up) and its slot is free again
        time.sleep(4)
        again = OpenStream(url, first["chat_token"])
        streams.append(again)
        assert again.ready.wait(10) and again.status == 200
    finally:
        for s in streams:
            s.close()
        gw.stop()
        gw.app.extensions["gateway_engine"].dispose()


def test_stream_slots_count_per_case_per_client_and_in_all():
    from agents.streams import Limits, StreamSlots

    slots, limits = StreamSlots(), Limits(total=3, per_escalation=2, per_client=2)
    a1, a2 = slots.acquire("case-a", "1.1.1.1", limits), slots.acquire("case-a", "2.2.2.2", limits)
    assert a1 and a2 and slots.acquire("case-a", "3.3.3.3", limits) is None  # per case
    b = slots.acquire("case-b", "1.1.1.1", limits)
    assert b and slots.acquire("case-c", "1.1.1.1", limits) is None  # per client (and in all)
    assert slots.acquire("case-d", "4.4.4.4", limits) is None  # in all
    a1.release()
    a1.release()  # idempotent
    assert slots.open_count() == 2
    assert slots.acquire("case-d", "4.4.4.4", limits) is not None


@pytest.mark.slow
def test_open_sse_streams_do_not_starve_voice_webhooks(tmp_path):
    """The served gateway (`python -m gateway`: gunicorn, one process, GATEWAY_THREADS threads) with
    more event streams open than it has threads still answers a signed /voice/* webhook at once."""
    from twilio.request_validator import RequestValidator

    from tests.fixtures.ports import free_port, start_process, stop_process

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**GATEWAY_SECRETS, "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port),
           "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/gw.db", "PUBLIC_BASE_URL": base,
           "RASA_URL": f"http://127.0.0.1:{free_port()}", "GATEWAY_THREADS": "6",
           # only the process-wide bound is under test: every stream may come from this one client
           "AGENTS_SSE_STREAMS": "3", "AGENTS_SSE_PER_CLIENT": "100", "AGENTS_SSE_PER_ESCALATION": "100",
           "PYTHONUNBUFFERED": "1"}
    process = start_process(["gateway"], env=env, log_path=tmp_path / "gateway.log", health=base + "/healthz",
                            name="gateway")
    streams = []
    try:
        client = httpx.Client(base_url=base, timeout=10)
        esc = client.post("/api/v1/escalations", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                          json=sample_escalation()).json()
        statuses = []
        for _ in range(10):  # more than the six threads
            stream = OpenStream(f"{base}/api/v1/chat/sender-1/events", esc["chat_token"])
            streams.append(stream)
            stream.ready.wait(3)
            statuses.append(stream.status)
        assert statuses.count(200) == 3 and statuses.count(429) == 7, statuses
        params = {"CallSid": "CA" + "0" * 32, "CallStatus": "completed", "CallDuration": "3"}
        signature = RequestValidator(GATEWAY_SECRETS["TWILIO_AUTH_TOKEN"]).compute_signature(base + "/voice/status", params)
        started = time.monotonic()
        r = client.post("/voice/status", data=params, headers={"X-Twilio-Signature": signature}, timeout=5)
        assert r.status_code < 500 and time.monotonic() - started < 3
        assert client.get("/healthz", timeout=5).status_code == 200
    finally:
        for s in streams:
            s.close()
        stop_process(process, timeout=10)

"""The gateway and the credentials backend as real processes (gunicorn): their metrics port answers
the Prometheus text format with the expected families, no label value carries an e-mail address, a
username or a phone number after a session of requests full of them, readiness checks the database,
several gunicorn workers add up (multiprocess mode), and SIGTERM lets a slow request finish."""
from __future__ import annotations

import os
import re
import signal
import threading
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.credentials_services import CALLER_TOKENS
from tests.fixtures.gateway_services import GATEWAY_SECRETS, SERVICE_TOKEN
from tests.fixtures.ports import free_port, start_process, stop_process

EMAIL, USERNAME, PHONE = "kiss.anna@example.com", "csaba_p", "+36301234567"
LEAKS = re.compile(r"[^\s@]+@[^\s@]+|%40|\+?\d[\d ()-]{6,}\d|csaba_p|kiss\.anna")


def families(port: int) -> dict:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {family.name: family for family in text_string_to_metric_families(text)}


def label_values(found: dict) -> list[str]:
    return [value for name, family in found.items() if name.startswith("helpdesk_")
            for sample in family.samples for value in sample.labels.values()]


def requests_total(found: dict, **labels) -> float:
    return sum(s.value for s in found["helpdesk_http_requests"].samples
               if s.name == "helpdesk_http_requests_total" and all(s.labels.get(k) == v for k, v in labels.items()))


def start_gateway(tmp_path, database_url: str, credentials_url: str = "http://127.0.0.1:9", **env):
    port, metrics_port = free_port(), free_port()
    environment = {**GATEWAY_SECRETS, "GATEWAY_DATABASE_URL": database_url, "GATEWAY_HOST": "127.0.0.1",
                   "GATEWAY_PORT": str(port), "GATEWAY_METRICS_PORT": str(metrics_port),
                   "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "CREDENTIALS_URL": credentials_url,
                   "PYTHONUNBUFFERED": "1", **env}
    process = start_process(["gateway"], env=environment, log_path=tmp_path / f"gateway-{port}.log",
                            health=f"http://127.0.0.1:{metrics_port}/healthz", name="gateway", timeout=180)
    return process, f"http://127.0.0.1:{port}", metrics_port


def test_gateway_metrics_have_route_templates_only_and_the_queue_depth(tmp_path):
    process, url, metrics_port = start_gateway(tmp_path, f"sqlite:///{tmp_path}/gateway.db")
    try:
        service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
        with httpx.Client(base_url=url, timeout=10) as client:
            client.get(f"/api/v1/escalations/{EMAIL}", headers=service)
            client.get(f"/api/v1/escalations/{USERNAME}", headers=service)
            client.post("/api/v1/escalations", headers=service, json={
                "idempotency_key": f"chat:{USERNAME}:1", "channel": "chat", "conversation_id": USERNAME,
                "language": "hu", "reason": "user_asked", "tried": [], "diagnosis": None,
                "caller_number_masked": None,
                "transcript": [{"role": "user", "text": f"{EMAIL} {PHONE}", "at": "2026-12-01T10:00:00Z"}]})
            client.post(f"/api/v1/chat/{USERNAME}/messages", json={"text": EMAIL})
            client.get(f"/agents/login?username={USERNAME}&email={EMAIL}")
            client.get(f"/nowhere/{PHONE}/{EMAIL}")
            client.post(f"/voice/incoming?From={PHONE}", data={"From": PHONE, "Caller": PHONE})
            assert client.get("/readyz").json() == {"status": "ready", "checks": {"database": "ok"}}
        found = families(metrics_port)
        assert {"helpdesk_http_requests", "helpdesk_http_request_duration_seconds",
                "helpdesk_http_requests_in_flight", "helpdesk_escalations_waiting"} <= set(found)
        values = label_values(found)
        assert "/api/v1/escalations/<reference>" in values and "<unmatched>" in values
        assert not [v for v in values if LEAKS.search(v)]
        waiting = {s.labels["channel"]: s.value for s in found["helpdesk_escalations_waiting"].samples}
        assert waiting == {"chat": 1.0, "phone": 0.0}
        assert httpx.get(f"http://127.0.0.1:{metrics_port}/readyz", timeout=5).status_code == 200
    finally:
        stop_process(process)


@pytest.mark.postgres
def test_several_gateway_workers_add_up_on_one_metrics_port(tmp_path, gateway_pg_settings):
    process, url, metrics_port = start_gateway(tmp_path, gateway_pg_settings.database_url,
                                               GATEWAY_WORKERS="2", GATEWAY_THREADS="4", GATEWAY_ROLE="web")
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(60):
                assert client.get("/healthz").status_code == 200
        time.sleep(0.2)
        found = families(metrics_port)
        assert requests_total(found, route="/healthz", status="200", process="gateway") == 60
    finally:
        stop_process(process)


def test_credentials_metrics_and_labels(credentials_server_factory, smtp_sink, tmp_path):
    metrics_port = free_port()
    server = credentials_server_factory(smtp_sink, CREDENTIALS_METRICS_PORT=str(metrics_port),
                                        CREDENTIALS_MIN_ANSWER_MS="0")
    server.register(USERNAME, "Csaba Péter", EMAIL)
    server.post("/api/v1/reset-requests", {"username": USERNAME, "email": EMAIL, "channel": "chat", "source": PHONE})
    server.post("/api/v1/login", {"username": USERNAME, "password": EMAIL})
    httpx.get(f"{server.url}/api/v1/accounts/{EMAIL}", timeout=5)
    assert httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200
    found = families(metrics_port)
    assert {"helpdesk_http_requests", "helpdesk_http_request_duration_seconds", "helpdesk_outbox_backlog",
            "helpdesk_reset_requests_pending"} <= set(found)
    assert requests_total(found, route="/api/v1/reset-requests", status="202", process="credentials") == 1
    assert not [v for v in label_values(found) if LEAKS.search(v)]


def test_sigterm_lets_a_slow_request_of_the_credentials_backend_finish(credentials_server_factory, smtp_sink):
    """Every new-code answer is padded to CREDENTIALS_MIN_ANSWER_MS (here 2.5 s): SIGTERM arrives in
    the middle of one, the caller still gets its 202, and the process exits 0."""
    server = credentials_server_factory(smtp_sink, CREDENTIALS_MIN_ANSWER_MS="2500")
    answers: list = []

    def slow_request() -> None:
        try:
            answers.append(server.post("/api/v1/reset-requests", {"username": "valaki_1", "email": "v@example.org",
                                                                  "channel": "chat", "source": "web-1"}).status_code)
        except httpx.HTTPError as exc:
            answers.append(type(exc).__name__)

    thread = threading.Thread(target=slow_request)
    thread.start()
    time.sleep(1.0)  # the request is being answered
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    thread.join(timeout=30)
    assert answers == [202]
    assert server.process.wait(timeout=30) == 0
    assert time.monotonic() - started < 25
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{server.url}/healthz", timeout=2)

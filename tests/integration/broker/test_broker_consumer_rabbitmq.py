"""The statistics' consumer of Rasa's event broker, against the real RabbitMQ (127.0.0.1:5672) and a
migrated gateway database: Rasa's own Pika broker publishes, the consumer records; a redelivered or
duplicated event is counted once. Each test has its own exchange and queue names."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pika
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from tests.fixtures.ports import ROOT, free_port, wait_for_http

pytestmark = pytest.mark.rabbitmq

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
ENGINE_PYTHON = ROOT / ".venv" / "engine" / "bin" / "python"


@pytest.fixture
def names():
    tag = uuid.uuid4().hex[:12]
    names = {"queue": f"test.rasa-events.{tag}", "exchange": f"test.rasa-exchange.{tag}"}
    yield names
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    channel = connection.channel()
    channel.queue_delete(names["queue"])
    channel.exchange_delete(names["exchange"])
    connection.close()


@pytest.fixture
def gateway_db(tmp_path):
    from gateway.db import make_engine, make_session_factory
    from gateway.migrate import upgrade

    url = f"sqlite:///{tmp_path}/gateway.db"
    upgrade(url)
    engine = make_engine(url)
    yield url, make_session_factory(engine)
    engine.dispose()


def user_event(sender: str, intent: str, channel: str = "chat", text: str = "nem jött meg a kód") -> dict:
    return {"sender_id": sender, "event": "user", "timestamp": time.time(), "text": text,
            "input_channel": "helpdesk_socketio", "metadata": {"channel": channel, "language": "hu"},
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": []}}


def publish(names: dict, *events: dict) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    channel = connection.channel()
    channel.exchange_declare(names["exchange"], exchange_type="fanout", durable=False)
    channel.queue_declare(names["queue"], durable=True)
    channel.queue_bind(names["queue"], names["exchange"])
    for event in events:
        channel.basic_publish(names["exchange"], "", json.dumps(event).encode(),
                              pika.BasicProperties(delivery_mode=2))
    connection.close()


def rows(session_factory):
    from agents.models import ConversationEvent

    with session_factory() as session:
        return sorted((e.conversation_id, e.channel, e.kind, e.detail, e.language)
                      for e in session.scalars(select(ConversationEvent)))


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def run_consumer(names, database_url, session_factory, recorder_type=None):
    from agents.broker_consumer import Consumer, ConsumerSettings

    settings = ConsumerSettings(RABBITMQ_URL, names["queue"], names["exchange"], database_url, 10)
    outcomes: list[str] = []
    consumer = Consumer(settings, session_factory, on_outcome=outcomes.append)
    if recorder_type is not None:
        consumer.recorder = recorder_type(session_factory)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    assert consumer.connected.wait(15), "the consumer did not connect to RabbitMQ"
    return consumer, thread, outcomes


def test_a_redelivered_broker_event_is_counted_once(names, gateway_db):
    """The consumer commits, then dies before its acknowledgement (simulated: the recorder raises
    after the commit): RabbitMQ delivers the message again, and the statistics count it once."""
    from agents.broker_consumer import EventRecorder

    database_url, sessions = gateway_db
    redelivered = []

    class CrashAfterCommit(EventRecorder):
        calls = 0

        def record(self, body):
            outcome = super().record(body)
            CrashAfterCommit.calls += 1
            if CrashAfterCommit.calls == 1:
                raise ConnectionError("died before the ack")
            redelivered.append(outcome)
            return outcome

    publish(names, user_event("web-redelivery-1", "code_not_received"))
    consumer, thread, outcomes = run_consumer(names, database_url, sessions, CrashAfterCommit)
    try:
        assert wait_until(lambda: len(outcomes) >= 2), outcomes
    finally:
        consumer.stopping.set()
        thread.join(timeout=10)
    assert outcomes == ["retried", "duplicate"]
    assert rows(sessions) == [("web-redelivery-1", "chat", "started", "", "hu"),
                              ("web-redelivery-1", "chat", "topic", "code_not_received", "hu")]


def test_the_same_event_published_twice_and_a_conversation_s_later_turns_count_once(names, gateway_db):
    database_url, sessions = gateway_db
    first = user_event("web-dup-1", "code_expired")
    publish(names, first, first, user_event("web-dup-1", "greet"),
            {"sender_id": "web-dup-1", "event": "bot", "text": "...", "metadata": {"utter_action": "utter_diagnosis_own_name"}},
            {"sender_id": "web-dup-1", "event": "bot", "text": "...", "metadata": {"utter_action": "utter_diagnosis_own_name"}},
            {"event": "user"},  # not a Rasa event: no sender
            user_event("CA0123", "code_as_password", channel="phone"))
    consumer, thread, outcomes = run_consumer(names, database_url, sessions)
    try:
        assert wait_until(lambda: len(outcomes) >= 7), outcomes
    finally:
        consumer.stopping.set()
        thread.join(timeout=10)
    assert outcomes == ["recorded", "duplicate", "duplicate", "recorded", "duplicate", "rejected", "recorded"]
    assert rows(sessions) == [
        ("CA0123", "phone", "topic", "code_as_password", "hu"),  # the phone line records its own "started"
        ("web-dup-1", "chat", "started", "", "hu"),
        ("web-dup-1", "chat", "topic", "code_expired", "hu"),
        ("web-dup-1", "chat", "topic", "own_name_as_username", "hu"),
    ]


def test_rasa_s_own_pika_broker_publishes_into_the_consumer_s_queue(names, gateway_db):
    """The exchange and queue the consumer declares are the ones Rasa 3.6's PikaEventBroker declares
    (a mismatch would be a channel error on either side)."""
    database_url, sessions = gateway_db
    consumer, thread, outcomes = run_consumer(names, database_url, sessions)
    script = """
import asyncio, json, os
import rasa.shared.core.events  # noqa: F401 - Rasa's server has it imported; the broker relies on that
from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig

async def main():
    config = EndpointConfig(url="127.0.0.1", type="pika", username="guest", password="guest", port=5672,
                            queues=[os.environ["TEST_QUEUE"]], exchange_name=os.environ["TEST_EXCHANGE"])
    broker = await PikaEventBroker.from_endpoint_config(config)
    broker.publish(json.loads(os.environ["TEST_EVENT"]))
    await asyncio.sleep(1.0)
    await broker.close()

asyncio.run(main())
"""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TEST_QUEUE": names["queue"],
           "TEST_EXCHANGE": names["exchange"], "TEST_EVENT": json.dumps(user_event("web-rasa-1", "forgot_password"))}
    try:
        done = subprocess.run([str(ENGINE_PYTHON), "-c", script], cwd=ROOT, capture_output=True, text=True,
                              timeout=120, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        assert wait_until(lambda: len(outcomes) >= 1), (outcomes, done.stderr[-2000:])
    finally:
        consumer.stopping.set()
        thread.join(timeout=10)
    assert rows(sessions) == [("web-rasa-1", "chat", "started", "", "hu"),
                              ("web-rasa-1", "chat", "topic", "forgot_password", "hu")]


def test_the_consumer_process_serves_metrics_and_stops_on_sigterm(names, gateway_db, tmp_path):
    database_url, sessions = gateway_db
    metrics_port = free_port()
    env = {**os.environ, "RABBITMQ_URL": RABBITMQ_URL, "RASA_EVENTS_QUEUE": names["queue"],
           "RASA_EVENTS_EXCHANGE": names["exchange"], "GATEWAY_DATABASE_URL": database_url,
           "METRICS_PORT": str(metrics_port), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "consumer.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "agents.broker_consumer"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{metrics_port}/readyz", timeout=30, process=process)
        publish(names, user_event("web-proc-1", "forgot_username"))
        assert wait_until(lambda: len(rows(sessions)) == 2), log.read_text()
        text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        families = {f.name: f for f in text_string_to_metric_families(text)}
        assert {"helpdesk_broker_events", "helpdesk_broker_queue_depth", "helpdesk_broker_connected"} <= set(families)
        recorded = [s.value for s in families["helpdesk_broker_events"].samples
                    if s.name == "helpdesk_broker_events_total" and s.labels == {"outcome": "recorded"}]
        assert recorded == [1.0]
        assert "web-proc-1" not in text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert "nem jött" not in log.read_text(encoding="utf-8")  # nothing of a message is logged
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)

"""LISTEN/NOTIFY between two gateway processes' wake-ups (agents/notify.py), each bridge standing for
one process: a publish in one wakes a waiter in the other at once; when PostgreSQL drops the
listener's connection the bridge reconnects, every waiter re-reads once, and wake-ups resume; a
deployment in another schema is never woken."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from agents.notify import Changes

pytestmark = pytest.mark.postgres

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def schema_url():
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    made = []

    def make() -> str:
        schema = f"gateway_notify_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        return f"{PG_BASE}?options=-csearch_path%3D{schema}"

    yield make
    with admin.connect() as conn:
        for schema in made:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def listening(changes: Changes, url: str) -> None:
    changes.wait("warm-up", changes.current("warm-up"), 0.01)  # starts this "process's" threads
    assert changes._bridges[url].listening.wait(10)


def woken_within(changes: Changes, topic: str, seen, seconds: float) -> bool:
    return changes.wait(topic, seen, seconds) != seen


def test_a_publish_in_one_process_wakes_a_waiter_in_another_at_once(schema_url):
    url = schema_url()
    web, streams = Changes(), Changes()
    web.attach(url), streams.attach(url)
    try:
        listening(streams, url)
        for _ in range(3):
            seen = streams.current("escalation:42")
            started = time.monotonic()
            web.publish("escalation:42")
            assert woken_within(streams, "escalation:42", seen, 3)
            assert time.monotonic() - started < 1.0
    finally:
        web.detach(url), streams.detach(url)


def test_after_the_listener_loses_its_connection_waiters_reread_and_wake_ups_resume(schema_url):
    url = schema_url()
    web, streams = Changes(), Changes()
    web.attach(url), streams.attach(url)
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    try:
        listening(streams, url)
        bridge = streams._bridges[url]
        seen = streams.current("queue")
        woke = []
        waiter = threading.Thread(target=lambda: woke.append(streams.wait("queue", seen, 20)))
        waiter.start()
        with admin.connect() as conn:  # PostgreSQL restarts, or a proxy drops the idle connection
            lost = bridge.listener_pid
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost}).scalar()
        waiter.join(20)
        assert woke and woke[0] != seen  # woken by the reconnect: it re-reads what it may have missed
        assert bridge.listening.wait(10) and bridge.listener_pid != lost
        seen = streams.current("queue")
        web.publish("queue")
        assert woken_within(streams, "queue", seen, 3)
    finally:
        admin.dispose()
        web.detach(url), streams.detach(url)


def test_a_gateway_in_another_schema_is_not_woken(schema_url):
    ours, theirs = schema_url(), schema_url()
    web, other = Changes(), Changes()
    web.attach(ours), other.attach(theirs)
    try:
        listening(other, theirs)
        seen = other.current("queue")
        web.publish("queue")
        assert not woken_within(other, "queue", seen, 1.0)
    finally:
        web.detach(ours), other.detach(theirs)

"""Issue 10, L12: a new-code request is queued by one short INSERT at commit (the unit of work opens no
session for it), still inside the rules: nothing before the commit, nothing without it, nothing in
clear, every queued request evaluated once; and on PostgreSQL the intake connections skip the WAL
flush but keep the URL's own options (search_path)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from credentials import services
from tests.fixtures.credentials_services import Desk

EMAIL = "janos.kovacs@example.hu"


def _queued(backend) -> int:
    with backend.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM reset_requests")).scalar()


def test_intake_writes_nothing_until_commit_and_nothing_without_it(credentials_app):
    backend = credentials_app.extensions["credentials"]
    uow = backend.uow()
    with uow:
        uow.reset_requests.add(channel="chat", payload="sealed", now=services.utcnow())
        assert uow.session is None  # no session, no write lock held meanwhile
        assert _queued(backend) == 0
    assert _queued(backend) == 0  # left without commit: dropped
    with uow:
        uow.reset_requests.add(channel="chat", payload="sealed", now=services.utcnow())
        uow.commit(durable=False)
    assert _queued(backend) == 1


def test_intake_rows_join_the_transaction_when_the_unit_of_work_also_reads(credentials_app):
    backend = credentials_app.extensions["credentials"]
    with backend.uow() as uow:
        uow.reset_requests.add(channel="chat", payload="sealed", now=services.utcnow())
        uow.accounts.username_taken("nobody")  # opens the session: the noted row is part of it now
        uow.rollback()
    assert _queued(backend) == 0


def test_queued_requests_are_sealed_and_each_evaluated_once(credentials_app):
    desk = Desk(credentials_app)
    desk.register()
    for i in range(3):
        desk.call(services.request_new_code, "kovacsj", EMAIL, "chat", f"s-{i}")
        desk.call(services.request_new_code, f"nobody{i}", f"nobody{i}@example.hu", "chat", f"u-{i}")
    rows = desk.rows("SELECT payload FROM reset_requests")
    assert len(rows) == 6 and not any(EMAIL in r["payload"] or "kovacsj" in r["payload"] for r in rows)
    assert desk.call(services.evaluate_reset_requests) == 6
    assert desk.call(services.evaluate_reset_requests) == 0
    outcomes = [r["outcome"] for r in desk.rows("SELECT outcome FROM audit_log WHERE operation = 'reset_request'")]
    assert sorted(outcomes).count("code_sent") == 3 and len(outcomes) == 6


@pytest.mark.postgres
def test_postgres_intake_skips_the_wal_flush_and_keeps_the_search_path(credentials_pg_app):
    backend = credentials_pg_app.extensions["credentials"]
    assert backend.intake_engine is not backend.engine
    with backend.intake_engine.connect() as conn:
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "off"
        assert conn.execute(text("SHOW search_path")).scalar().startswith("credentials_test_")
    with backend.engine.connect() as conn:  # the other transactions keep the server's durable commit
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
    desk = Desk(credentials_pg_app)
    desk.call(services.request_new_code, "nobody", "nobody@example.hu", "chat", "s-1")
    assert _queued(backend) == 1
    assert desk.call(services.evaluate_reset_requests) == 1 and _queued(backend) == 0


@pytest.mark.postgres
def test_postgres_intake_survives_a_connection_the_server_dropped(credentials_pg_app):
    """No pre-ping on the intake pool: a pooled connection killed by the server (a restart, an idle
    timeout) fails the INSERT once, is discarded, and the request is queued on a fresh one."""
    backend = credentials_pg_app.extensions["credentials"]
    with backend.intake_engine.connect() as conn:  # back into the pool after this block
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with backend.engine.connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    desk = Desk(credentials_pg_app)
    desk.call(services.request_new_code, "nobody", "nobody@example.hu", "chat", "s-1")
    assert _queued(backend) == 1


def test_outbox_thread_waits_for_a_requests_unit_of_work_not_for_its_http_request(credentials_app):
    """The in-process worker steps aside while a request's unit of work is in progress; the worker's own
    (background) units of work do not count, so it never waits for itself."""
    import threading
    import time

    backend = credentials_app.extensions["credentials"]
    waited = []

    def worker_step():
        start = time.monotonic()
        backend.activity.wait_quiet()
        waited.append(time.monotonic() - start)

    with backend.background_uow():
        start = time.monotonic()
        backend.activity.wait_quiet()
        assert time.monotonic() - start < 0.5
    with backend.uow() as uow:
        uow.reset_requests.add(channel="chat", payload="sealed", now=services.utcnow())
        thread = threading.Thread(target=worker_step)
        thread.start()
        time.sleep(0.2)
        uow.commit(durable=False)
    thread.join()
    assert 0.2 <= waited[0] < backend.activity.max_defer + 0.5


def test_a_client_trickling_its_body_does_not_hold_the_outbox_thread_back(credentials_app):
    """The attack: keep one request 'in flight' for ever by never finishing its body, so that the worker
    yields for ever. A request counts only from its read body, so the worker's wait ends at once."""
    import socket
    import threading
    import time

    from werkzeug.serving import make_server

    from tests.fixtures.credentials_services import SERVICE_TOKEN

    backend = credentials_app.extensions["credentials"]
    backend.activity.max_defer = 5.0
    server = make_server("127.0.0.1", 0, credentials_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock:
            sock.sendall((f"POST /api/v1/reset-requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {SERVICE_TOKEN}\r\n"
                          "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"username\": ").encode())
            time.sleep(0.3)  # the request is being served, its body still coming
            start = time.monotonic()
            backend.activity.wait_quiet()
            assert time.monotonic() - start < 1.0
    finally:
        server.shutdown()
        thread.join(timeout=5)

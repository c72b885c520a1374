"""The outbox as processes of its own (issue 11): several ``python -m credentials outbox`` workers on
one database never send one mail twice, and a worker killed while it holds mails leaves them to
another once its lease has run out. Real processes, the real SMTP sink, counted at the sink."""
from __future__ import annotations

import collections
import pathlib
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from credentials import create_app
from credentials.migrate import upgrade
from kernel.clock import utcnow
from tests.fixtures.credentials_services import Desk, credentials_env
from tests.fixtures.ports import ROOT, stop_process

MAILS = 1000
WORKERS = 3


def start_worker(url: str, tmp: pathlib.Path, name: str, sink_port: int, **env: str) -> tuple[subprocess.Popen, pathlib.Path]:
    """``python -m credentials outbox`` sending to ``sink_port``; its log in ``tmp/name.log``."""
    settings = credentials_env(url, tmp, SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink_port), SMTP_STARTTLS="false",
                               SMTP_USERNAME="", SMTP_PASSWORD="", PYTHONUNBUFFERED="1", **env)
    log_path = tmp / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "credentials", "outbox"], cwd=ROOT,
                                   env={**__import__("os").environ, **settings}, stdout=log, stderr=subprocess.STDOUT)
    return process, log_path


def backend_on(url: str, tmp: pathlib.Path):
    upgrade(url)
    return create_app(credentials_env(url, tmp, CREDENTIALS_MIN_ANSWER_MS="0", CREDENTIALS_OUTBOX_WORKER="false"))


def enqueue_notices(app, count: int) -> list[str]:
    """``count`` notice mails for one account, each to an address of its own (to count them at the sink)."""
    desk = Desk(app)
    desk.register()
    backend = app.extensions["credentials"]
    (account,) = desk.rows("SELECT id FROM accounts")
    payload = backend.kit.cipher.seal({"legal_name": "Kovács János"})
    addresses = [f"notice{i:04d}@example.hu" for i in range(count)]
    with backend.uow() as uow:
        for address in addresses:
            uow.outbox.enqueue(account_id=account["id"], kind="notice_reset", language="hu", to_address=address,
                               payload=payload, now=utcnow())
        uow.commit()
    return addresses


def count(app, sql: str) -> int:
    with app.extensions["credentials"].engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def outbox_column(app, name: str) -> list:
    """One column of every outbox row, typed by the ORM (aware UTC datetimes on both databases)."""
    from sqlalchemy import select

    from credentials.adapters.orm import OutboxRow

    with app.extensions["credentials"].session_factory() as session:
        return list(session.scalars(select(getattr(OutboxRow, name)).order_by(OutboxRow.id)))


def wait_until(check, timeout: float, what: str, workers=()) -> None:
    """Poll ``check``; fail with the workers' logs when it takes longer or a worker exits."""
    deadline = time.monotonic() + timeout
    while not check():
        logs = "\n".join(log.read_text(errors="replace")[-3000:] for _, log in workers)
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g}s\n{logs}")
        for process, _ in workers:
            assert process.poll() is None, f"a worker exited with {process.returncode}\n{logs}"
        time.sleep(0.1)


def delivered(sink) -> collections.Counter:
    """How many times each address received a mail, read from the sink's stored files."""
    return collections.Counter(str(m["Delivered-To"]) for m in sink.messages())


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_outbox_workers_never_send_one_mail_twice(credentials_pg_url, smtp_sink, tmp_path):
    app = backend_on(credentials_pg_url, tmp_path)
    addresses = enqueue_notices(app, MAILS)
    total = MAILS + 1  # and the registration's code mail
    workers = [start_worker(credentials_pg_url, tmp_path, f"outbox-{i}", smtp_sink.port) for i in range(WORKERS)]
    try:
        wait_until(lambda: count(app, "SELECT count(*) FROM outbox WHERE status = 'sent'") == total, 120,
                   f"sending {total} mails", workers)
    finally:
        for process, _ in workers:
            stop_process(process)
        app.extensions["credentials"].engine.dispose()
    received = delivered(smtp_sink)
    assert sum(received.values()) == total
    assert all(received[address] == 1 for address in addresses), [a for a in addresses if received[a] != 1][:5]
    sent_by = [log.read_text().count("): accepted") for _, log in workers]
    assert sum(sent_by) == total and all(n > 0 for n in sent_by), sent_by  # every worker took a share
    assert all("Traceback" not in log.read_text() for _, log in workers)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'credentials.db'}"
    return request.getfixturevalue("credentials_pg_url")


@pytest.mark.slow
def test_a_mail_claimed_by_a_killed_worker_is_sent_once_by_another_after_the_lease(database_url, smtp_sink_factory,
                                                                                 tmp_path):
    lease = 3.0
    silent = smtp_sink_factory(silent=True)  # the first worker's server takes the connection and never answers
    good = smtp_sink_factory()
    app = backend_on(database_url, tmp_path)
    Desk(app).register()  # one code mail
    stuck = start_worker(database_url, tmp_path, "outbox-stuck", silent.port,
                         CREDENTIALS_OUTBOX_LEASE_SECONDS=str(lease), SMTP_TIMEOUT_SECONDS="60")
    try:
        wait_until(lambda: count(app, "SELECT count(*) FROM outbox WHERE status = 'sending'") == 1, 60,
                   "the first worker claiming the mail", [stuck])
        (claimed_until,) = outbox_column(app, "lease_until")
        stuck[0].send_signal(signal.SIGKILL)  # dies holding the claim, before any server said 250
        stuck[0].wait(timeout=10)
        rescuer = start_worker(database_url, tmp_path, "outbox-rescuer", good.port,
                               CREDENTIALS_OUTBOX_LEASE_SECONDS=str(lease))
        try:
            wait_until(lambda: count(app, "SELECT count(*) FROM outbox WHERE status = 'sent'") == 1, 60,
                       "the second worker sending the mail", [rescuer])
            time.sleep(1.0)  # room for a second (wrong) send to show up
        finally:
            stop_process(rescuer[0])
        (attempts,), (sent_at,) = outbox_column(app, "attempts"), outbox_column(app, "sent_at")
    finally:
        stop_process(stuck[0])
        app.extensions["credentials"].engine.dispose()
    assert delivered(good) == {"janos.kovacs@example.hu": 1}
    assert silent.messages() == []
    assert attempts == 2
    assert sent_at >= claimed_until  # taken again once the lease ran out, not before

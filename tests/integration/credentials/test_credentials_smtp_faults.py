"""SMTP faults (issue 12) against the real sink (``python -m mailsink`` with its fault rules) and the
real outbox worker: a temporary refusal is retried with backoff until it is delivered, once; a
permanent refusal is recorded and shown in the diagnosis; a connection cut in the middle of DATA and
a server that accepts the connection and never answers both end at the worker's deadline, are
recorded, and the mail goes out once at a later attempt. Nothing is lost and nothing is doubled."""
from __future__ import annotations

import time
from dataclasses import replace

import pytest
from freezegun import freeze_time

from credentials.outbox import OutboxWorker, backoff
from tests.fixtures.credentials_services import Desk
from tests.fixtures.mail_services import extract_code

DEADLINE = 1.0  # SMTP_TIMEOUT_SECONDS of these workers


def worker_for(app, port: int, timeout: float = DEADLINE) -> OutboxWorker:
    backend = app.extensions["credentials"]
    smtp = replace(backend.kit.settings.smtp, port=port, timeout_seconds=timeout)
    return OutboxWorker(backend.uow, replace(backend.kit, settings=replace(backend.kit.settings, smtp=smtp)))


def outbox_row(desk: Desk) -> dict:
    (row,) = desk.rows("SELECT status, attempts, smtp_code, smtp_detail, payload IS NOT NULL AS has_payload FROM outbox")
    return row


def test_greylisting_451_is_retried_with_backoff_and_delivered_once(credentials_app, smtp_sink_factory):
    sink = smtp_sink_factory(refuse="grey@=451x2")  # two temporary refusals, then accepted
    desk = Desk(credentials_app)
    desk.register("greyuser", email="grey@example.hu")
    code = desk.mailed_code("greyuser")
    worker = worker_for(credentials_app, sink.port)
    with freeze_time() as clock:
        assert worker.run_once() == 1
        row = outbox_row(desk)
        assert (row["status"], row["attempts"], row["smtp_code"], bool(row["has_payload"])) == ("retrying", 1, 451, True)
        assert desk.diagnose("greyuser", "grey@example.hu")["last_code_mail"]["status"] == "retrying"
        clock.tick(backoff(1) / 2)
        assert worker.run_once() == 0  # not before its backoff
        clock.tick(backoff(1) / 2)
        assert worker.run_once() == 1
        assert outbox_row(desk)["attempts"] == 2
        clock.tick(backoff(2))
        assert worker.run_once() == 1
        clock.tick(backoff(3) * 4)
        assert worker.run_once() == 0  # sent: never again
    row = outbox_row(desk)
    assert (row["status"], row["attempts"], row["smtp_code"], bool(row["has_payload"])) == ("sent", 3, 250, False)
    assert [extract_code(m) for m in sink.messages()] == [code]  # delivered, once
    assert desk.diagnose("greyuser", "grey@example.hu")["last_code_mail"]["status"] == "sent"


def test_permanent_refusal_after_data_is_recorded_and_shown_in_the_diagnosis(credentials_app, smtp_sink_factory):
    sink = smtp_sink_factory(refuse="spam@=554:data")
    desk = Desk(credentials_app)
    desk.register("spamuser", email="spam@example.hu")
    worker = worker_for(credentials_app, sink.port)
    with freeze_time() as clock:
        assert worker.run_once() == 1
        clock.tick(backoff(30))
        assert worker.run_once() == 0  # permanent: not retried
    mail = desk.diagnose("spamuser", "spam@example.hu")["last_code_mail"]
    assert (mail["status"], mail["smtp_code"]) == ("refused", 554)
    assert "message rejected at DATA" in mail["detail"] and "spam@example.hu" not in mail["detail"]
    assert outbox_row(desk)["has_payload"] == 0  # the code is not kept for a mail that will never go
    assert sink.messages() == []


@pytest.mark.parametrize("fault, refuse, silent, detail", [
    ("connection cut in the middle of DATA", "cut@=drop:data", False, "closed the connection unexpectedly"),
    ("no answer to the end of the data", "cut@=hang:data", False, f"did not answer within {DEADLINE:g}s"),
    ("a server that accepts and never says a word", "", True, f"did not answer within {DEADLINE:g}s"),
])
def test_a_broken_smtp_session_ends_at_the_deadline_and_the_mail_goes_out_once_later(
        credentials_app, smtp_sink_factory, fault, refuse, silent, detail):
    broken = smtp_sink_factory(refuse=refuse, silent=silent)
    good = smtp_sink_factory()
    desk = Desk(credentials_app)
    desk.register("cutuser", email="cut@example.hu")
    code = desk.mailed_code("cutuser")
    with freeze_time(tick=True) as clock:  # the clock runs (socket deadlines are real), ticks jump the backoff
        started = time.monotonic()
        assert worker_for(credentials_app, broken.port).run_once() == 1
        took = time.monotonic() - started
        row = outbox_row(desk)
        assert (row["status"], row["attempts"], bool(row["has_payload"])) == ("retrying", 1, True), fault
        assert detail in row["smtp_detail"], row["smtp_detail"]
        assert desk.diagnose("cutuser", "cut@example.hu")["last_code_mail"]["status"] == "retrying"
        clock.tick(backoff(1) * 2)  # (a tick restarts from the frozen start: the real seconds spent are dropped)
        assert worker_for(credentials_app, good.port).run_once() == 1
    assert took < DEADLINE * 4 + 2, f"{fault}: the worker waited {took:.1f}s"
    assert broken.messages() == []
    assert [extract_code(m) for m in good.messages()] == [code]
    row = outbox_row(desk)
    assert (row["status"], row["attempts"], bool(row["has_payload"])) == ("sent", 2, False)

"""The outbox (S5): every mail's SMTP outcome is recorded for the diagnosis; a permanent refusal
(552 mailbox full, 550 address rejected) is not retried; while the SMTP server is down nothing is
lost and the mail goes out once it is back; the code is wiped from the outbox after sending."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from freezegun import freeze_time

from credentials.outbox import OutboxWorker, backoff
from tests.fixtures.credentials_services import Desk
from tests.fixtures.mail_services import extract_code
from tests.fixtures.ports import free_port


def worker_for(app, port: int) -> OutboxWorker:
    backend = app.extensions["credentials"]
    smtp = replace(backend.kit.settings.smtp, port=port, timeout_seconds=2.0)
    return OutboxWorker(backend.uow, replace(backend.kit, settings=replace(backend.kit.settings, smtp=smtp)))


def test_code_mail_is_sent_and_its_code_wiped_from_the_outbox(credentials_app, smtp_sink):
    desk = Desk(credentials_app)
    desk.register(language="en")
    code = desk.mailed_code()
    assert worker_for(credentials_app, smtp_sink.port).run_once() == 1
    mail = smtp_sink.wait_for_mail("janos.kovacs@example.hu")
    assert extract_code(mail) == code and mail["Content-Language"] == "en"
    (row,) = desk.rows("SELECT status, payload, smtp_code, sent_at, attempts FROM outbox")
    assert (row["status"], row["payload"], row["smtp_code"], row["attempts"]) == ("sent", None, 250, 1)
    assert desk.diagnose()["last_code_mail"]["status"] == "sent"


def test_s5_mailbox_full_552_is_recorded_and_not_retried(credentials_app, smtp_sink_factory):
    sink = smtp_sink_factory(refuse="full@=552,gone@=550")
    desk = Desk(credentials_app)
    desk.register("fullbox", email="full@example.hu")
    desk.register("gonebox", email="gone@example.hu")
    worker = worker_for(credentials_app, sink.port)
    with freeze_time() as clock:
        assert worker.run_once() == 2
        clock.tick(timedelta(days=2))
        assert worker.run_once() == 0  # permanent: never tried again
    full = desk.diagnose("fullbox", "full@example.hu")["last_code_mail"]
    assert (full["status"], full["smtp_code"]) == ("refused", 552) and "mailbox full" in full["detail"]
    gone = desk.diagnose("gonebox", "gone@example.hu")["last_code_mail"]
    assert (gone["status"], gone["smtp_code"]) == ("refused", 550)
    assert "full@example.hu" not in full["detail"]
    assert sink.messages() == []
    assert desk.rows("SELECT count(*) AS n FROM outbox WHERE payload IS NOT NULL")[0]["n"] == 0


def test_mail_is_never_lost_while_the_smtp_server_is_down(credentials_app, smtp_sink):
    desk = Desk(credentials_app)
    desk.register()
    code = desk.mailed_code()
    down = worker_for(credentials_app, free_port())  # nothing listens there
    with freeze_time() as clock:
        assert down.run_once() == 1
        (row,) = desk.rows("SELECT status, attempts, payload FROM outbox")
        assert row["status"] == "retrying" and row["attempts"] == 1 and row["payload"] is not None
        assert desk.diagnose()["last_code_mail"]["status"] == "retrying"
        assert down.run_once() == 0  # backing off
        clock.tick(backoff(1))
        assert down.run_once() == 1
        clock.tick(backoff(2))
        up = worker_for(credentials_app, smtp_sink.port)
        assert up.run_once() == 1
    assert extract_code(smtp_sink.wait_for_mail("janos.kovacs@example.hu")) == code
    (row,) = desk.rows("SELECT status, attempts FROM outbox")
    assert (row["status"], row["attempts"]) == ("sent", 3)


def test_temporary_refusal_451_is_retried_with_exponential_backoff(credentials_app, smtp_sink_factory):
    sink = smtp_sink_factory(refuse="flaky@=451")
    desk = Desk(credentials_app)
    desk.register("flaky", email="flaky@example.hu")
    worker = worker_for(credentials_app, sink.port)
    with freeze_time() as clock:
        worker.run_once()
        clock.tick(backoff(1))
        worker.run_once()
        (row,) = desk.rows("SELECT status, attempts, smtp_code FROM outbox")
    assert (row["status"], row["attempts"], row["smtp_code"]) == ("retrying", 2, 451)
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 10)] == [30, 60, 120, 3600]


def test_registration_and_new_code_mail_arrive_through_the_running_server(credentials_server, smtp_sink):
    credentials_server.register("petofis", "Petőfi Sándor", "sandor@example.hu", "hu")
    first = smtp_sink.wait_for_mail("sandor@example.hu", timeout=20)
    assert first["Content-Language"] == "hu" and extract_code(first)

"""The SMTP sink as a real process: stores mail, applies fault rules, masks addresses, stops cleanly."""
from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage

import pytest

from tests.fixtures.mail_services import ROOT


def _message(to: str, subject: str = "Aktiváló kód – próba", body: str = "Árvíztűrő tükörfúrógép\n") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Ugyfelkapu <noreply@ugyfelkapu.example>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def test_accepted_message_is_stored_as_one_eml_per_recipient(smtp_sink):
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as client:
        client.send_message(_message("kiss.pista@gmail.com, nagy.anna@freemail.hu"))

    first = smtp_sink.wait_for_mail("kiss.pista@")
    assert first["Subject"] == "Aktiváló kód – próba"
    assert first.get_body(("plain",)).get_content() == "Árvíztűrő tükörfúrógép\n"
    stored = sorted(p.name for p in smtp_sink.directory.iterdir())
    assert len(stored) == 2 and all(name.endswith(".eml") for name in stored)  # no temp files left
    assert {m["Delivered-To"] for m in smtp_sink.messages()} == {"kiss.pista@gmail.com", "nagy.anna@freemail.hu"}


def test_wait_for_mail_returns_each_message_once(smtp_sink):
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as client:
        client.send_message(_message("egy@example.hu", subject="first"))
        client.send_message(_message("egy@example.hu", subject="second"))
    assert smtp_sink.wait_for_mail("egy@")["Subject"] == "first"
    assert smtp_sink.wait_for_mail("egy@")["Subject"] == "second"
    with pytest.raises(TimeoutError):
        smtp_sink.wait_for_mail("egy@", timeout=0.3)


@pytest.mark.parametrize("recipient, code", [("full@example.hu", 552), ("bad@example.hu", 550), ("flaky@example.hu", 451)])
def test_fault_rules_refuse_recipients_at_rcpt(smtp_sink_factory, recipient, code):
    sink = smtp_sink_factory(refuse="full@=552,bad@=550,flaky@=451")
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(_message(recipient))
        client.send_message(_message("ok@example.hu"))
    assert refused.value.recipients[recipient][0] == code
    assert [m["To"] for m in sink.messages()] == ["ok@example.hu"]


def test_fault_rule_can_refuse_after_data(smtp_sink_factory):
    sink = smtp_sink_factory(refuse="late@=554:data")
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.send_message(_message("late@example.hu"))
    assert refused.value.smtp_code == 554
    assert sink.messages() == []


def test_sink_log_never_contains_full_address_or_body(smtp_sink_factory):
    sink = smtp_sink_factory(refuse="full@=552")
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
        client.send_message(_message("kiss.pista@gmail.com", body="titkos-tartalom-123\n"))
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.send_message(_message("mailbox.full@gmail.com"))
    sink.wait_for_mail("kiss.pista@")
    sink.stop()
    log = sink.log_text()
    assert "ki***@g***.com" in log and "ma***@g***.com" in log
    assert "kiss.pista" not in log and "mailbox.full" not in log and "gmail.com" not in log
    assert "titkos-tartalom-123" not in log


def test_sigterm_stops_the_sink_gracefully(smtp_sink):
    smtp_sink.process.send_signal(signal.SIGTERM)
    assert smtp_sink.process.wait(timeout=5) == 0
    assert "shutting down" in smtp_sink.log_text()


def test_bad_settings_are_refused_with_one_error_per_value(tmp_path):
    env = dict(os.environ, SMTP_PORT="70000", MAIL_SINK_DIR=str(tmp_path), MAILSINK_REFUSE="full@=abc")
    result = subprocess.run([sys.executable, "-m", "mailsink"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "SMTP_PORT: must be a port number 1-65535, got '70000'" in result.stderr
    assert "MAILSINK_REFUSE: item 'full@=abc'" in result.stderr


def test_list_and_show_decode_subject_and_body(smtp_sink):
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as client:
        client.send_message(_message("olvaso@example.hu"))
    smtp_sink.wait_for_mail("olvaso@")
    env = dict(os.environ, MAIL_SINK_DIR=str(smtp_sink.directory))
    listed = subprocess.run([sys.executable, "-m", "mailsink", "list"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
    assert listed.returncode == 0 and "Aktiváló kód – próba" in listed.stdout
    shown = subprocess.run([sys.executable, "-m", "mailsink", "show", "1"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=30)
    assert shown.returncode == 0 and "Árvíztűrő tükörfúrógép" in shown.stdout
    missing = subprocess.run([sys.executable, "-m", "mailsink", "show", "2"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1 and "there is no mail number 2" in missing.stderr

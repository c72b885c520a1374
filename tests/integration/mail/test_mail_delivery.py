"""Sending through the real SMTP sink: what lands, how refusals and outages are classified (S5)."""
from __future__ import annotations

import logging
import socket
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from credentials.mail.compose import code_mail, notice_mail
from credentials.mail.smtp import SmtpSettings, send
from tests.fixtures.mail_services import extract_code
from tests.fixtures.ports import free_port

CODE = "K7QM-3XPA-9TDE-W2HF"


def _settings(sink=None, **overrides) -> SmtpSettings:
    env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port if sink else free_port()),
           "SMTP_TIMEOUT_SECONDS": "2", "MAIL_FROM": "Ügyfélkapu <noreply@ugyfelkapu.example>"}
    return replace(SmtpSettings.from_env(env), **overrides)


def _code_mail():
    return code_mail(language="hu", legal_name="Kiss István", username_hint=None, code=CODE,
                     expires_at=datetime.now(timezone.utc) + timedelta(days=5), reason="registration")


def test_accepted_code_mail_lands_as_eml_with_the_code(smtp_sink):
    outcome = send(_code_mail(), "kiss.pista@gmail.com", _settings(smtp_sink))

    assert outcome.status == "accepted" and outcome.smtp_code == 250
    assert outcome.detail.startswith("250 accepted by mail server")
    stored = smtp_sink.wait_for_mail("kiss.pista@gmail.com")
    assert stored["To"] == "kiss.pista@gmail.com"
    assert stored["From"] == "Ügyfélkapu <noreply@ugyfelkapu.example>"
    assert stored["Subject"] == "Ügyfélkapu: az Ön egyszer használható aktiváló kódja"
    assert extract_code(stored) == CODE
    assert CODE in stored.get_body(("html",)).get_content()


def test_notice_lands_without_any_code(smtp_sink):
    message = notice_mail(language="en", legal_name="Anna Nagy", kind="activated")
    assert send(message, "anna@example.hu", _settings(smtp_sink)).status == "accepted"
    stored = smtp_sink.wait_for_mail("anna@")
    assert stored["Subject"] == "Ügyfélkapu: your account is activated and has a new password"
    with pytest.raises(AssertionError):
        extract_code(stored)


@pytest.mark.parametrize("recipient, status, code, meaning", [
    ("full@example.hu", "refused", 552, "mailbox full"),
    ("bad@example.hu", "refused", 550, "address rejected"),
    ("flaky@example.hu", "temporary_failure", 451, "local error at the mail server"),
])
def test_smtp_refusals_are_classified_permanent_or_temporary(smtp_sink_factory, recipient, status, code, meaning):
    sink = smtp_sink_factory(refuse="full@=552,bad@=550,flaky@=451")
    outcome = send(_code_mail(), recipient, _settings(sink))
    assert (outcome.status, outcome.smtp_code) == (status, code)
    assert outcome.retryable is (status == "temporary_failure")
    assert outcome.detail.startswith(f"{code} {meaning} at RCPT TO")
    assert sink.messages() == []


def test_refusal_after_data_is_permanent(smtp_sink_factory):
    sink = smtp_sink_factory(refuse="late@=554:data")
    outcome = send(_code_mail(), "late@example.hu", _settings(sink))
    assert (outcome.status, outcome.smtp_code) == ("refused", 554)
    assert "at DATA" in outcome.detail


def test_outcome_detail_never_contains_the_address(smtp_sink_factory):
    sink = smtp_sink_factory(refuse="mailbox.full@=552")
    outcome = send(_code_mail(), "Mailbox.Full@Gmail.com", _settings(sink))
    assert outcome.status == "refused"
    assert "mailbox.full" not in outcome.detail.lower() and "gmail.com" not in outcome.detail.lower()
    assert "ma***@g***.com" in outcome.detail.lower()


def test_sink_down_is_a_quick_temporary_failure():
    started = time.monotonic()
    outcome = send(_code_mail(), "kiss.pista@gmail.com", _settings())  # nothing listens on that port
    assert (outcome.status, outcome.smtp_code) == ("temporary_failure", None)
    assert "connection refused" in outcome.detail
    assert time.monotonic() - started < 2


def test_silent_server_times_out_as_temporary_failure_within_the_timeout():
    with socket.socket() as listener:  # accepts TCP but never says hello
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        settings = _settings(port=listener.getsockname()[1], timeout_seconds=0.5)
        started = time.monotonic()
        outcome = send(_code_mail(), "kiss.pista@gmail.com", settings)
        elapsed = time.monotonic() - started
    assert (outcome.status, outcome.smtp_code) == ("temporary_failure", None)
    assert "did not answer within 0.5s" in outcome.detail
    assert elapsed < 2


def test_unknown_host_is_a_temporary_failure():
    outcome = send(_code_mail(), "kiss.pista@gmail.com", _settings(host="no-such-host.invalid", timeout_seconds=1))
    assert outcome.status == "temporary_failure" and outcome.smtp_code is None


def test_invalid_recipient_is_refused_without_talking_to_the_server(smtp_sink):
    outcome = send(_code_mail(), "not-an-address", _settings(smtp_sink))
    assert (outcome.status, outcome.smtp_code) == ("refused", None)
    assert smtp_sink.messages() == []


def test_sender_log_and_sink_log_never_contain_the_full_address(smtp_sink_factory, caplog):
    sink = smtp_sink_factory(refuse="postafiok@=552")
    caplog.set_level(logging.DEBUG)
    send(_code_mail(), "kiss.pista@gmail.com", _settings(sink))
    send(_code_mail(), "tele.postafiok@freemail.hu", _settings(sink))
    sink.wait_for_mail("kiss.pista@")
    sink.stop()
    for log in (caplog.text, sink.log_text()):
        for secret in ("kiss.pista", "tele.postafiok", "gmail.com", "freemail.hu", CODE):
            assert secret not in log
    assert "ki***@g***.com" in caplog.text and "ki***@g***.com" in sink.log_text()


def test_message_is_not_modified_by_sending(smtp_sink):
    message = _code_mail()
    send(message, "kiss.pista@gmail.com", _settings(smtp_sink))
    assert message["To"] is None and message["From"] is None

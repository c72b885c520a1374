"""Production relay settings for real: STARTTLS with certificate checks and login, against a local
aiosmtpd relay (the embedded sink has neither)."""
from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import replace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from credentials.mail.compose import notice_mail
from credentials.mail.smtp import SmtpSettings, send
from tests.fixtures.ports import free_port

USER, PASSWORD = "helpdesk", "correct horse battery staple"


class _Relay:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else ""
        self.received.append((login, envelope.rcpt_tos))
        return "250 2.0.0 OK queued as R1"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def relay(certificate):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = _Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=_authenticate, auth_required=True)
    controller.start()
    yield controller, handler
    controller.stop()


def _settings(port: int, **overrides) -> SmtpSettings:
    base = SmtpSettings.from_env({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_STARTTLS": "true",
                                  "SMTP_USERNAME": USER, "SMTP_PASSWORD": PASSWORD, "SMTP_TIMEOUT_SECONDS": "3"})
    return replace(base, **overrides)


def _notice():
    return notice_mail(language="hu", legal_name="Kiss István", kind="activated")


def test_starttls_and_login_deliver_to_a_relay_we_trust(relay, certificate, monkeypatch):
    controller, handler = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # how a private CA is trusted in production too
    outcome = send(_notice(), "kiss.pista@gmail.com", _settings(controller.port))
    assert (outcome.status, outcome.smtp_code) == ("accepted", 250)
    assert handler.received == [(USER, ["kiss.pista@gmail.com"])]


def test_wrong_relay_password_is_a_temporary_failure_without_the_password(relay, certificate, monkeypatch):
    controller, handler = relay
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    outcome = send(_notice(), "kiss.pista@gmail.com", _settings(controller.port, password="wrong-password"))
    assert (outcome.status, outcome.smtp_code) == ("temporary_failure", 535)
    assert "login to the mail server failed" in outcome.detail and "wrong-password" not in outcome.detail
    assert handler.received == []


def test_untrusted_relay_certificate_is_refused(relay, monkeypatch):
    controller, handler = relay
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    outcome = send(_notice(), "kiss.pista@gmail.com", _settings(controller.port))
    assert (outcome.status, outcome.smtp_code) == ("temporary_failure", None)
    assert "TLS with the mail server failed" in outcome.detail
    assert handler.received == []


def test_starttls_demanded_but_not_offered_is_a_temporary_failure(smtp_sink):
    settings = _settings(smtp_sink.port, username=None, password=None)
    outcome = send(_notice(), "kiss.pista@gmail.com", settings)
    assert (outcome.status, outcome.smtp_code) == ("temporary_failure", None)
    assert "does not support" in outcome.detail
    assert smtp_sink.messages() == []

"""Sending one message over SMTP and classifying the answer; settings of the mail server.

``send`` never raises for SMTP or network trouble: it returns a DeliveryOutcome the outbox can act
on — ``accepted`` (done), ``refused`` (permanent, e.g. 552 mailbox full: do not retry, S5) or
``temporary_failure`` (4xx, server down, timeout: retry later). Neither the log nor ``detail``
holds the recipient's address: servers echo it in their replies, so replies are scrubbed.
"""
from __future__ import annotations

import copy
import email.policy
import functools
import ipaddress
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Literal

from kernel.privacy import mask_email, mask_emails_in
from kernel.settings import EnvReader

log = logging.getLogger(__name__)

DeliveryStatus = Literal["accepted", "refused", "temporary_failure"]
_DETAIL_MAX = 300
_MEANING = {
    421: "mail service not available", 450: "mailbox unavailable", 451: "local error at the mail server",
    452: "insufficient storage at the mail server", 550: "address rejected", 551: "user not local",
    552: "mailbox full", 553: "address not allowed", 554: "message rejected",
}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class SmtpSettingsError(ValueError):
    """One or more mail settings are bad; the message names each one."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    username: str | None
    password: str | None = field(repr=False)
    timeout_seconds: float
    mail_from: str

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "SmtpSettings":
        """Read SMTP_* and MAIL_FROM from ``env`` (default os.environ); SmtpSettingsError lists every bad value."""
        read = EnvReader(env)
        host = read.host("SMTP_HOST", "127.0.0.1")
        port = read.port("SMTP_PORT", 1025)

        starttls_text = read.env.get("SMTP_STARTTLS", "").strip().lower()
        if starttls_text not in _TRUE | _FALSE:
            read.errors.append(f"SMTP_STARTTLS: must be true or false, got {read.env.get('SMTP_STARTTLS')!r}")
        starttls = starttls_text in _TRUE

        username = read.get("SMTP_USERNAME", "") or None
        password = read.env.get("SMTP_PASSWORD", "") or None
        if username and not password:
            read.errors.append("SMTP_PASSWORD: required when SMTP_USERNAME is set")
        if password and not username:
            read.errors.append("SMTP_USERNAME: required when SMTP_PASSWORD is set")
        if username and starttls_text in _FALSE and not _is_loopback(host):
            read.errors.append("SMTP_STARTTLS: must be true when logging in to a mail server that is not on "
                               "this machine (the password would travel in clear)")

        timeout_text = read.get("SMTP_TIMEOUT_SECONDS", "5")
        timeout = 0.0
        try:
            timeout = float(timeout_text)
            if not 0 < timeout <= 300:
                raise ValueError
        except ValueError:
            read.errors.append(f"SMTP_TIMEOUT_SECONDS: must be a number of seconds above 0 and at most 300, "
                               f"got {timeout_text!r}")

        mail_from = read.get("MAIL_FROM", "Ugyfelkapu <noreply@ugyfelkapu.example>")
        if not _is_address(parseaddr(mail_from)[1]) or "\n" in mail_from or "\r" in mail_from:
            read.errors.append(f"MAIL_FROM: must be an address like 'Name <noreply@example.hu>', got {mail_from!r}")

        read.raise_errors(SmtpSettingsError, "bad mail settings")
        return cls(host=host, port=port, starttls=starttls, username=username, password=password,
                   timeout_seconds=timeout, mail_from=mail_from)


@dataclass(frozen=True)
class DeliveryOutcome:
    status: DeliveryStatus
    smtp_code: int | None
    detail: str

    @property
    def retryable(self) -> bool:
        """Whether the outbox should try again later."""
        return self.status == "temporary_failure"


def send(message: EmailMessage, to: str, settings: SmtpSettings) -> DeliveryOutcome:
    """Deliver ``message`` to ``to`` (sets To and, when missing, From); never raises for SMTP trouble."""
    outcome = _deliver(message, to, settings)
    log.info("mail %s to %s: %s%s", message.get("Message-ID", "?"), mask_email(to), outcome.status,
             f" ({outcome.smtp_code})" if outcome.smtp_code else "")
    return outcome


def _deliver(message: EmailMessage, to: str, settings: SmtpSettings) -> DeliveryOutcome:
    to = to.strip()
    if not _is_address(to) or any(c in to for c in "\r\n<>,"):
        return DeliveryOutcome("refused", None, "not a valid e-mail address")
    envelope_from = parseaddr(settings.mail_from)[1]
    international = not (to.isascii() and envelope_from.isascii())
    policy = email.policy.SMTPUTF8 if international else email.policy.SMTP
    if message["To"] is None:
        # the usual case (compose sets neither To nor From): the headers go in front of the serialised
        # message, which is left as it is (a deep copy of the message costs more than composing it)
        head = _header(policy, "From", settings.mail_from) if message["From"] is None else b""
        data = head + _header(policy, "To", to) + message.as_bytes(policy=policy)
    else:
        outgoing = copy.deepcopy(message)
        del outgoing["To"]
        outgoing["To"] = to
        if outgoing["From"] is None:
            outgoing["From"] = settings.mail_from
        data = outgoing.as_bytes(policy=policy)

    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds,
                          local_hostname=_local_hostname()) as smtp:
            smtp.ehlo_or_helo_if_needed()
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            options: list[str] = []
            if international:
                if not smtp.has_extn("smtputf8"):
                    return DeliveryOutcome("refused", None, "the mail server does not accept international addresses")
                options.append("SMTPUTF8")
            code, reply = smtp.mail(envelope_from, options)
            if code != 250:
                # The server refuses our sender: a setting to fix on our side, so worth retrying later.
                return _outcome(code, reply, "MAIL FROM", to, permanent_possible=False)
            code, reply = smtp.rcpt(to)
            if code not in (250, 251):
                return _outcome(code, reply, "RCPT TO", to)
            code, reply = smtp.data(data)
            if code != 250:
                return _outcome(code, reply, "DATA", to)
            return DeliveryOutcome("accepted", code, _detail(f"{code} accepted by mail server", reply, to))
    except smtplib.SMTPDataError as exc:  # DATA command itself refused (no 354)
        return _outcome(exc.smtp_code, exc.smtp_error, "DATA", to)
    except smtplib.SMTPAuthenticationError as exc:
        return DeliveryOutcome("temporary_failure", exc.smtp_code,
                               f"{exc.smtp_code} login to the mail server failed (check SMTP_USERNAME/SMTP_PASSWORD)")
    except smtplib.SMTPNotSupportedError as exc:
        return DeliveryOutcome("temporary_failure", None, f"the mail server does not support a needed feature: {exc}")
    except smtplib.SMTPResponseException as exc:  # greeting/EHLO/STARTTLS refused
        return _outcome(exc.smtp_code, exc.smtp_error, "connection", to, permanent_possible=False)
    except smtplib.SMTPServerDisconnected as exc:
        if isinstance(exc.__cause__ or exc.__context__, TimeoutError):  # smtplib wraps read timeouts
            return _timed_out(settings)
        return DeliveryOutcome("temporary_failure", None, "the mail server closed the connection unexpectedly")
    except smtplib.SMTPException as exc:
        return DeliveryOutcome("temporary_failure", None, f"SMTP error: {type(exc).__name__}")
    except ssl.SSLError as exc:
        return DeliveryOutcome("temporary_failure", None, f"TLS with the mail server failed: {exc.reason or 'SSL error'}")
    except socket.gaierror:
        return DeliveryOutcome("temporary_failure", None, f"mail server host name {settings.host!r} not found")
    except ConnectionRefusedError:
        return DeliveryOutcome("temporary_failure", None,
                               f"could not connect to the mail server at {settings.host}:{settings.port}: connection refused")
    except TimeoutError:
        return _timed_out(settings)
    except OSError as exc:
        return DeliveryOutcome("temporary_failure", None,
                               f"network error talking to the mail server: {exc.strerror or type(exc).__name__}")


def _header(policy: email.policy.EmailPolicy, name: str, value: str) -> bytes:
    """One header line as ``message[name] = value`` would serialise it (RFC 2047 words where needed)."""
    return policy.fold_binary(name, policy.header_factory(name, value))


@functools.lru_cache(maxsize=1)
def _local_hostname() -> str:
    """The name we greet the server with (what smtplib would look up on every connection)."""
    return socket.getfqdn()


def _timed_out(settings: SmtpSettings) -> DeliveryOutcome:
    return DeliveryOutcome("temporary_failure", None,
                           f"the mail server did not answer within {settings.timeout_seconds:g}s")


def _outcome(code: int, reply: bytes | str, stage: str, to: str, permanent_possible: bool = True) -> DeliveryOutcome:
    if 500 <= code <= 599 and permanent_possible:
        status: DeliveryStatus = "refused"
    else:
        status = "temporary_failure"
    meaning = _MEANING.get(code, "refused by mail server" if code >= 500 else "temporarily refused by mail server")
    return DeliveryOutcome(status, code, _detail(f"{code} {meaning} at {stage}", reply, to))


def _detail(summary: str, reply: bytes | str, to: str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    text = " ".join(text.split())
    detail = f"{summary}: {text}" if text else summary
    return mask_emails_in(detail, to)[:_DETAIL_MAX]


def _is_address(address: str) -> bool:
    local, sep, domain = address.rpartition("@")
    return bool(sep and local and domain and "." in domain and not any(c.isspace() for c in address))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

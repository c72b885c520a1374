"""The outbox worker: evaluates the queued new-code requests (``reset_requests``, issue 10 L12: the
HTTP request only queues them) and sends the mails that the use cases queued in the ``outbox`` table.

Runs as a daemon thread inside the serving process (started by ``python -m credentials serve``
after gunicorn forks its worker), and once inline after the office CLI registers someone. Any number
of workers may run: each mail is claimed with one conditional UPDATE, so only one worker sends it.
A mail is never lost while the SMTP server is down (temporary failures are retried with exponential
backoff) and never retried after a permanent refusal (5xx, e.g. 552 mailbox full, 550 address
rejected). The outcome and the server's reply are recorded for the diagnosis (S5)."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Callable

from credentials.domain.ports import ClaimedMail, UnitOfWork
from credentials.mail import compose, smtp
from credentials.services import Toolkit, evaluate_reset_requests
from kernel.clock import utcnow

log = logging.getLogger("credentials.outbox")

LEASE = timedelta(minutes=5)  # a claim whose worker died is taken again after this
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 30  # with the 1 h cap: about a day of trying
NOTICE_KINDS = {"notice_activated": "activated", "notice_reset": "reset_requested"}


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling, at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


class OutboxWorker:
    """Sends due mails; ``uow`` makes a fresh unit of work per transaction (``Backend.uow``)."""

    def __init__(self, uow: Callable[[], UnitOfWork], kit: Toolkit,
                 send: Callable[[EmailMessage, str, smtp.SmtpSettings], smtp.DeliveryOutcome] = smtp.send,
                 batch: int = 20) -> None:
        self.uow = uow
        self.kit = kit
        self.send = send
        self.batch = batch

    def run_once(self) -> int:
        """Evaluate the queued new-code requests, then send every mail that is due now; returns how many
        requests and mails were handled."""
        evaluated = evaluate_reset_requests(uow=self.uow(), kit=self.kit, limit=self.batch)
        with self.uow() as uow:
            ids = uow.outbox.due_ids(utcnow(), self.batch)
        attempted = 0
        for mail_id in ids:
            with self.uow() as uow:
                claimed = uow.outbox.claim(mail_id, utcnow(), LEASE)
                uow.commit()
            if claimed is not None:
                attempted += 1
                self._deliver(claimed)
        return evaluated + attempted

    def _deliver(self, mail: ClaimedMail) -> None:
        subject = None
        try:
            message = self._compose(mail)
        except (ValueError, KeyError, TypeError) as exc:
            outcome = smtp.DeliveryOutcome("refused", None, f"cannot compose the mail: {type(exc).__name__}")
        else:
            subject = str(message.get("Subject", ""))
            outcome = self.send(message, mail.to_address, self.kit.settings.smtp)
        now = utcnow()
        with self.uow() as uow:
            if outcome.status == "accepted":
                uow.outbox.finish(mail.id, status="sent", now=now, smtp_code=outcome.smtp_code, detail=outcome.detail,
                                  subject=subject, wipe_payload=True)
            elif outcome.status == "refused" or mail.attempts >= MAX_ATTEMPTS:
                detail = outcome.detail if outcome.status == "refused" else f"gave up after {mail.attempts} attempts: {outcome.detail}"
                uow.outbox.finish(mail.id, status="refused", now=now, smtp_code=outcome.smtp_code, detail=detail,
                                  subject=subject, wipe_payload=True)
            else:
                uow.outbox.finish(mail.id, status="retrying", now=now, smtp_code=outcome.smtp_code,
                                  detail=outcome.detail, subject=subject, next_attempt_at=now + backoff(mail.attempts))
            uow.commit()
        log.info("outbox mail %s (%s): %s%s", mail.id, mail.kind, outcome.status,
                 f" {outcome.smtp_code}" if outcome.smtp_code else "")

    def _compose(self, mail: ClaimedMail) -> EmailMessage:
        if mail.payload is None:
            raise ValueError("payload already wiped")
        data = self.kit.cipher.open(mail.payload)
        if mail.kind == "activation_code":
            return compose.code_mail(language=mail.language, legal_name=data["legal_name"], username_hint=None,
                                     code=data["code"], expires_at=datetime.fromisoformat(data["expires_at"]),
                                     reason=data["reason"], valid_days=self.kit.settings.code_ttl_days)
        return compose.notice_mail(language=mail.language, legal_name=data["legal_name"], kind=NOTICE_KINDS[mail.kind])

    def run_forever(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; an unexpected error is logged and the loop goes on."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # the database may be briefly unavailable: keep the worker alive
                log.exception("outbox pass failed")
                busy = 0
            if not busy:
                stop.wait(self.kit.settings.outbox_poll_seconds)

    def start_thread(self) -> tuple[threading.Thread, threading.Event]:
        stop = threading.Event()
        thread = threading.Thread(target=self.run_forever, args=(stop,), name="credentials-outbox", daemon=True)
        thread.start()
        return thread, stop

"""The outbox worker: evaluates the queued new-code requests (``reset_requests``, issue 10 L12: the
HTTP request only queues them) and sends the mails that the use cases queued in the ``outbox`` table.

Runs either as processes of its own (``python -m credentials outbox``, the production topology: any
number of them, on PostgreSQL) or as a daemon thread inside the serving process (the embedded default:
``python -m credentials serve`` starts it after gunicorn forks its worker, CREDENTIALS_OUTBOX_WORKER),
and once inline after the office CLI registers someone. Any number of workers may run at once: mails
are claimed in small batches (credentials.adapters.outbox: FOR UPDATE SKIP LOCKED on PostgreSQL, the
one write lock on SQLite), so two workers never send one mail, and each claim carries a lease
(CREDENTIALS_OUTBOX_LEASE_SECONDS): a worker that dies holding mails leaves them to the others once
the lease has run out. A batch is never larger than the lease can cover at the SMTP deadline, so a
live worker's claim does not run out under it. A retried mail keeps its Message-ID, so a receiver can
drop the one duplicate that a crash between the server's "250" and our record of it can cause.

A mail is never lost while the SMTP server is down (temporary failures are retried with exponential
backoff) and never retried after a permanent refusal (5xx, e.g. 552 mailbox full, 550 address
rejected). The outcome and the server's reply are recorded for the diagnosis (S5)."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Callable

from credentials.domain.ports import ClaimedMail, UnitOfWork
from credentials.mail import compose, smtp
from credentials.services import Toolkit, evaluate_reset_requests
from kernel.clock import utcnow
from kernel.privacy import keyed_digest

log = logging.getLogger("credentials.outbox")

LEASE = timedelta(minutes=5)  # default CREDENTIALS_OUTBOX_LEASE_SECONDS: a dead worker's claim is taken again after it
SMTP_ROUND_TRIPS = 8  # connect, greeting, EHLO, (STARTTLS, EHLO, AUTH), MAIL, RCPT, DATA, end of data: a send's worst case
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 30  # with the 1 h cap: about a day of trying
NOTICE_KINDS = {"notice_activated": "activated", "notice_reset": "reset_requested"}


class RequestActivity:
    """The requests' units of work in progress in this process (counted by
    credentials.adapters.unit_of_work.SqlAlchemyUnitOfWork from enter to exit: never a whole HTTP
    request, so a client that trickles its body cannot hold the worker back), so that an outbox worker THREAD running beside them can
    step aside (issue 10, L12): its transactions hold SQLite's one write lock and its Python work holds
    the GIL, and a request arriving meanwhile waits for both. Before each evaluation and each mail the
    worker waits until no request has been in flight for ``settle`` seconds, but never longer than
    ``max_defer``: under a sustained burst it still makes one step per ``max_defer`` and catches up as
    soon as the burst ends (every accepted request is still evaluated, once). A worker process of its
    own (``python -m credentials outbox``) has no requests beside it and does not wait."""

    def __init__(self, settle: float = 0.002, max_defer: float = 1.0) -> None:
        self.settle = settle
        self.max_defer = max_defer
        self._cond = threading.Condition()
        self._in_flight = 0
        self._last_end = 0.0

    def started(self) -> None:
        with self._cond:
            self._in_flight += 1

    def finished(self) -> None:
        with self._cond:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._last_end = time.monotonic()
                self._cond.notify_all()

    def wait_quiet(self) -> None:
        deadline = time.monotonic() + self.max_defer
        with self._cond:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if self._in_flight == 0:
                    quiet_for = now - self._last_end
                    if quiet_for >= self.settle:
                        return
                    self._cond.wait(min(self.settle - quiet_for, deadline - now))
                else:
                    self._cond.wait(deadline - now)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling, at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


class OutboxWorker:
    """Sends due mails; ``uow`` makes a fresh unit of work per transaction (``Backend.uow``)."""

    def __init__(self, uow: Callable[[], UnitOfWork], kit: Toolkit,
                 send: Callable[[EmailMessage, str, smtp.SmtpSettings], smtp.DeliveryOutcome] = smtp.send,
                 batch: int = 20, lease: timedelta | None = None, activity: RequestActivity | None = None) -> None:
        self.uow = uow
        self.quiet = activity.wait_quiet if activity is not None else (lambda: None)
        self.kit = kit
        self.send = send
        self.lease = lease or timedelta(seconds=kit.settings.outbox_lease_seconds)
        # every mail of a batch must be sent within the lease even when each round trip meets the deadline
        worst_send = SMTP_ROUND_TRIPS * kit.settings.smtp.timeout_seconds + (activity.max_defer if activity else 0)
        self.batch = max(1, min(batch, int(self.lease.total_seconds() // worst_send)))

    def run_once(self) -> int:
        """Evaluate the queued new-code requests, then claim a batch of the mails due now and send them;
        returns how many requests and mails were handled."""
        evaluated = 0
        while evaluated < self.batch:  # one at a time, each when no request is in flight (RequestActivity)
            self.quiet()
            if not evaluate_reset_requests(uow=self.uow(), kit=self.kit, limit=1):
                break
            evaluated += 1
        self.quiet()
        with self.uow() as uow:
            claimed = uow.outbox.claim_due(utcnow(), self.lease, self.batch)
            uow.commit()
        for i, mail in enumerate(claimed):
            if i:
                self.quiet()
            self._deliver(mail)
        return evaluated + len(claimed)

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

    def message_id(self, mail_id: int) -> str:
        """The mail's Message-ID, the same at every attempt (keyed: it tells nothing of the outbox)."""
        domain = parseaddr(self.kit.settings.smtp.mail_from)[1].rpartition("@")[2] or "ugyfelkapu.example"
        return f"<{keyed_digest(self.kit.settings.code_key, 'outbox', str(mail_id))[:32]}@{domain}>"

    def _compose(self, mail: ClaimedMail) -> EmailMessage:
        if mail.payload is None:
            raise ValueError("payload already wiped")
        data = self.kit.cipher.open(mail.payload)
        if mail.kind == "activation_code":
            return compose.code_mail(language=mail.language, legal_name=data["legal_name"], username_hint=None,
                                     code=data["code"], expires_at=datetime.fromisoformat(data["expires_at"]),
                                     reason=data["reason"], valid_days=self.kit.settings.code_ttl_days,
                                     message_id=self.message_id(mail.id))
        return compose.notice_mail(language=mail.language, legal_name=data["legal_name"], kind=NOTICE_KINDS[mail.kind],
                                   message_id=self.message_id(mail.id))

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

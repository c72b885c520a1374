"""The SMTP side of the sink: an aiosmtpd handler that applies fault rules and stores messages."""
from __future__ import annotations

import asyncio
import logging
import signal
import uuid

from aiosmtpd.smtp import SMTP, Envelope, Session

from kernel.privacy import mask_email
from mailsink.faults import DROP, HANG, RefusalRule, refusal_for
from mailsink.settings import SinkSettings
from mailsink.store import MailStore

log = logging.getLogger("mailsink")


class SinkHandler:
    """aiosmtpd handler: refuses recipients per MAILSINK_REFUSE, stores the rest as .eml."""

    def __init__(self, store: MailStore, refusals: tuple[RefusalRule, ...] = ()) -> None:
        self.store = store
        self.refusals = refusals
        self.used: dict[RefusalRule, int] = {}  # refusals made by the rules with a count

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        rule = refusal_for(self.refusals, address, "rcpt", self.used)
        if rule is not None and rule.fault != "refuse":
            await _fault(server, rule, address, "RCPT")
        if rule is not None:
            log.info("refused recipient %s at RCPT with %d (fault rule)", mask_email(address), rule.code)
            return rule.reply(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        for recipient in envelope.rcpt_tos:
            rule = refusal_for(self.refusals, recipient, "data", self.used)
            if rule is not None and rule.fault != "refuse":
                await _fault(server, rule, recipient, "DATA")
            if rule is not None:
                log.info("refused message to %s after DATA with %d (fault rule)", mask_email(recipient), rule.code)
                return rule.reply(recipient)
        raw = envelope.original_content or b""
        mail_from = envelope.mail_from or ""
        queue_id = uuid.uuid4().hex[:10]
        try:
            # Off the event loop: fsync may block.
            paths = [await asyncio.to_thread(self.store.save, raw, mail_from=mail_from, recipient=rcpt)
                     for rcpt in envelope.rcpt_tos]
        except OSError as exc:
            log.error("could not store message %s: %s", queue_id, exc.strerror or type(exc).__name__)
            return "451 4.3.0 Could not store the message, try again later"
        for rcpt, path in zip(envelope.rcpt_tos, paths):
            log.info("stored message %s for %s (%d bytes) as %s", queue_id, mask_email(rcpt), len(raw), path.name)
        return f"250 2.0.0 OK queued as {queue_id}"


async def _fault(server: SMTP, rule: RefusalRule, recipient: str, stage: str) -> None:
    """``hang``: never answer (until the sender gives up and closes); ``drop``: cut the connection."""
    if rule.fault == DROP:
        log.info("dropping the connection at %s for %s (fault rule)", stage, mask_email(recipient))
        if server.transport is not None:
            server.transport.abort()
    else:
        log.info("never answering at %s for %s (fault rule)", stage, mask_email(recipient))
    await asyncio.Event().wait()  # cancelled when the connection goes


class _Silent(asyncio.Protocol):
    """MAILSINK_SILENT: accept the connection, never send a byte (not even the greeting)."""

    def connection_made(self, transport) -> None:
        log.info("accepted a connection and will never answer it (MAILSINK_SILENT)")


async def serve(settings: SinkSettings, stop: asyncio.Event | None = None) -> None:
    """Listen until ``stop`` is set or SIGINT/SIGTERM arrives; finish open sessions' replies, then close."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    handler = SinkHandler(MailStore(settings.directory), settings.refusals)
    factory = _Silent if settings.silent else (
        lambda: SMTP(handler, enable_SMTPUTF8=True, hostname="mailsink.local", ident="mailsink"))
    server = await loop.create_server(factory, host=settings.host, port=settings.port)
    rules = ", ".join(f"{r.substring}={r.code or r.fault}{f'x{r.times}' if r.times else ''}:{r.stage}"
                      for r in settings.refusals) or "none"
    if settings.silent:
        rules = "silent (never answers)"
    log.info("listening on %s:%d, storing mail in %s, fault rules: %s",
             settings.host, settings.port, settings.directory, rules)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        server.close()
        await server.wait_closed()

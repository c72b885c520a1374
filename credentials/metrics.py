"""Scrape-time readings of the credentials backend for its metrics (telemetry.metrics.ReadingGauge):
the outbox backlog per status and the new-code requests not yet evaluated, read from the database
every backend process and outbox worker shares. Counts only: no address, no account."""
from __future__ import annotations

from sqlalchemy import func, select

from credentials.adapters.orm import OutboxRow, ResetRequestRow

PENDING = ("queued", "sending", "retrying")


def outbox_backlog(session_factory) -> dict[tuple, float]:
    """{(status,): mails not yet handed over} for queued, sending and retrying (zero included)."""
    with session_factory() as session:
        rows = session.execute(select(OutboxRow.status, func.count()).where(OutboxRow.status.in_(PENDING))
                               .group_by(OutboxRow.status)).all()
    counts = {(status,): 0.0 for status in PENDING}
    counts.update({(status,): float(n) for status, n in rows})
    return counts


def pending_reset_requests(session_factory) -> dict[tuple, float]:
    """{(): new-code requests queued for the worker}."""
    with session_factory() as session:
        return {(): float(session.scalar(select(func.count()).select_from(ResetRequestRow)) or 0)}


def readings(session_factory) -> list:
    from telemetry.metrics import ReadingGauge

    return [
        ReadingGauge("helpdesk_outbox_backlog", "Mails in the outbox not yet handed to SMTP, per status.",
                     ("status",), lambda: outbox_backlog(session_factory)),
        ReadingGauge("helpdesk_reset_requests_pending", "New-code requests waiting for the outbox worker.",
                     (), lambda: pending_reset_requests(session_factory)),
    ]

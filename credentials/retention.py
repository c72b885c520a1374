"""Retention of the credentials backend's own stored personal data (GDPR art. 5(1)(e)): each kind has a
period from the settings, and a purge deletes what is past it (``python -m credentials purge [--dry-run]``,
run daily by the supervisor of both topologies and by a Kubernetes CronJob). docs/privacy.md lists the
kinds, where they live, why, for how long and who sees them.

Periods (days, from the environment; .env.example shows the defaults):

  CREDENTIALS_RETAIN_MAIL_DAYS           mails handed over, refused or cancelled: the full address they were
                                         sent to, subject, the SMTP answer (diagnosis "last code mail");
                                         counted from their last change; mails still to send are kept   (30)
  CREDENTIALS_RETAIN_RESET_REQUEST_DAYS  queued new-code requests the outbox worker never evaluated (the
                                         worker deletes each one it evaluates; encrypted username/address) (7)
  CREDENTIALS_RETAIN_CODE_DAYS           one-time codes (keyed hashes) expired longer ago; an account's
                                         newest code always stays (its state, "the code lapsed", S4)     (90)
  CREDENTIALS_RETAIN_LOGIN_FAILURE_DAYS  failed logins with their reason (the diagnosis reads 30 days)   (90)
  CREDENTIALS_RETAIN_LIMIT_DAYS          rate-limit counters (keyed pseudonyms of usernames, sources and
                                         client addresses) with no hit in the period and none inside the
                                         longest limit window                                           (2)
  CREDENTIALS_RETAIN_AUDIT_DAYS          the audit log (operation, channel, outcome, masked subject)     (730)

Accounts themselves (username, legal name, the e-mail address on file, password hash) are kept while the
account exists: the document office registers and corrects them (S1, S5), and closing an account is the
portal's decision, not the help desk's.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session, aliased

from credentials.adapters.orm import (AuditRow, CodeRow, LoginFailureRow, OutboxRow, RateLimitRow,
                                      ResetRequestRow)
from credentials.domain.model import WRONG_CODE_WINDOW
from kernel.clock import utcnow
from kernel.settings import EnvReader, SettingsError

# kind -> (environment name, default days, fewest days allowed); the order is the report's.
PERIODS: dict[str, tuple[str, int, int]] = {
    "mails": ("CREDENTIALS_RETAIN_MAIL_DAYS", 30, 1),
    "reset_requests": ("CREDENTIALS_RETAIN_RESET_REQUEST_DAYS", 7, 1),
    "codes": ("CREDENTIALS_RETAIN_CODE_DAYS", 90, 1),
    # the diagnosis shows the failures of the last 30 days (services.RECENT_FAILURES_WINDOW)
    "login_failures": ("CREDENTIALS_RETAIN_LOGIN_FAILURE_DAYS", 90, 30),
    "rate_limits": ("CREDENTIALS_RETAIN_LIMIT_DAYS", 2, 1),
    "audit": ("CREDENTIALS_RETAIN_AUDIT_DAYS", 730, 30),
}
FINISHED_MAILS = ("sent", "refused", "cancelled")


@dataclass(frozen=True)
class RetentionSettings:
    days: Mapping[str, int]
    limit_window: timedelta = timedelta(hours=24)  # the longest rate-limit window (CREDENTIALS_RATE_BLOCK_HOURS)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "RetentionSettings":
        read = EnvReader(os.environ if env is None else env)
        days = {kind: read.integer(name, default, low, 36500) for kind, (name, default, low) in PERIODS.items()}
        block_hours = read.integer("CREDENTIALS_RATE_BLOCK_HOURS", 24, 1, 168)
        read.raise_errors(SettingsError, "bad credentials retention settings")
        return cls(days=days, limit_window=max(timedelta(hours=block_hours), WRONG_CODE_WINDOW))


@dataclass
class Report:
    """Rows per kind (deleted, or that would be with ``dry_run``)."""

    counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        return [f"{kind:<16} {verb} {count}" for kind, count in self.counts.items()]


def _count_and_delete(session: Session, model, where, dry_run: bool) -> int:
    count = session.scalar(select(func.count()).select_from(model).where(where)) or 0
    if count and not dry_run:
        session.execute(delete(model).where(where))
    return count


def purge(session: Session, settings: RetentionSettings, *, dry_run: bool = False,
          now: datetime | None = None) -> Report:
    """Delete (or, with ``dry_run``, count) every row past its kind's period, in one transaction; the
    audit log gets one ``retention_purge`` entry with the counts (never what the rows held)."""
    now = now or utcnow()
    cutoff = {kind: now - timedelta(days=days) for kind, days in settings.days.items()}
    report = Report(dry_run=dry_run)
    counts = report.counts

    counts["mails"] = _count_and_delete(session, OutboxRow, and_(
        OutboxRow.status.in_(FINISHED_MAILS), OutboxRow.updated_at < cutoff["mails"]), dry_run)
    counts["reset_requests"] = _count_and_delete(
        session, ResetRequestRow, ResetRequestRow.created_at < cutoff["reset_requests"], dry_run)

    # An account's newest code (by issue time, then id: Account.latest_code) is never purged.
    newer = aliased(CodeRow)
    has_newer = (select(newer.id).where(newer.account_id == CodeRow.account_id,
                                        (newer.issued_at > CodeRow.issued_at)
                                        | and_(newer.issued_at == CodeRow.issued_at, newer.id > CodeRow.id))
                 .exists())
    old_codes = select(CodeRow.id).where(CodeRow.expires_at < cutoff["codes"], has_newer)
    counts["codes"] = _count_and_delete(session, CodeRow, CodeRow.id.in_(old_codes.scalar_subquery()), dry_run)

    counts["login_failures"] = _count_and_delete(
        session, LoginFailureRow, LoginFailureRow.at < cutoff["login_failures"], dry_run)

    # A counter's oldest hit still in its window is ``window_start``, and every hit is pruned once it is
    # older than the longest window: a row whose window_start is older than (period or window, whichever
    # is longer) + window has no hit inside any window and none in the period (not blocked either).
    quiet_for = max(timedelta(days=settings.days["rate_limits"]), settings.limit_window) + settings.limit_window
    counts["rate_limits"] = _count_and_delete(
        session, RateLimitRow, RateLimitRow.window_start < now - quiet_for, dry_run)

    counts["audit"] = _count_and_delete(session, AuditRow, AuditRow.at < cutoff["audit"], dry_run)

    if dry_run:
        session.rollback()
    else:
        summary = " ".join(f"{kind}={count}" for kind, count in counts.items())
        session.add(AuditRow(at=now, operation="retention_purge", channel="cli", outcome="deleted",
                             subject=summary[:120], reason=None))
        session.commit()
    return report

"""Retention and data subjects' requests (GDPR): every kind of stored personal data has a retention
period, and a purge deletes what is past it; one phone number's or one username's conversations can
be found and erased on request. docs/privacy.md lists the kinds, where they live and who sees them.

Periods (days, from the environment; the app config's ``AGENTS_RETAIN_*`` keys win, e.g. a test's):

  AGENTS_RETAIN_TRANSCRIPT_DAYS   escalated cases (transcript, diagnosis) and their chat messages,
                                  counted from the case's close; open cases are never purged  (90)
  AGENTS_RETAIN_CALL_DAYS         the phone line's calls (spoken transcript, masked number)     (90)
  AGENTS_RETAIN_TURN_DAYS         the phone line's stored answers per webhook step (replays)    (7)
  AGENTS_RETAIN_CALLBACK_DAYS     call-back tickets with the number to ring back and the
                                  voicemail recording's reference (also on the case)            (90)
  AGENTS_RETAIN_LIMIT_DAYS        the phone line's rate-limit counters (keyed digests)          (2)
  AGENTS_RETAIN_TRACKER_DAYS      Rasa's trackers (its ``events`` table), per conversation, from
                                  the conversation's last event                                (30)
  AGENTS_RETAIN_EVENT_DAYS        conversation events of the statistics (keyed contact digest)  (400)
  AGENTS_RETAIN_CSAT_DAYS         satisfaction ratings and their redacted comments              (400)
  AGENTS_RETAIN_AUDIT_DAYS        the audit trail                                               (730)
  AGENTS_RASA_TRACKER_URL         SQLAlchemy URL of Rasa's tracker store; unset: PostgreSQL from
                                  RASA_TRACKER_DB_* when RASA_TRACKER_DB_NAME is set (production),
                                  else SQLite at RASA_TRACKER_SQLITE (default var/rasa/tracker.db)

The phone line's tables are read through the shared metadata by name (rooms do not import each
other: tests/unit/test_room_boundaries.py); Rasa's store is reached with its own engine, never
through the app's database or Alembic.
"""
from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping
from urllib.parse import quote

from sqlalchemy import MetaData, Table, and_, create_engine, delete, func, inspect, not_, or_, select
from sqlalchemy.orm import Session

from agents import audit
from agents.models import (OPEN_STATUSES, AuditEntry, ConversationEvent, CsatRating, Escalation,
                           EscalationMessage, RoutingOffer)
from gateway.db import Base
from kernel.clock import utcnow
from kernel.privacy import e164, keyed_digest
from kernel.settings import EnvReader, SettingsError

ROOT = pathlib.Path(__file__).resolve().parent.parent

# kind -> (environment name, default days); the order is the order of the purge's report.
PERIODS: dict[str, tuple[str, int]] = {
    "transcripts": ("AGENTS_RETAIN_TRANSCRIPT_DAYS", 90),
    "chat_messages": ("AGENTS_RETAIN_TRANSCRIPT_DAYS", 90),
    "phone_calls": ("AGENTS_RETAIN_CALL_DAYS", 90),
    "phone_turns": ("AGENTS_RETAIN_TURN_DAYS", 7),
    "callback_tickets": ("AGENTS_RETAIN_CALLBACK_DAYS", 90),
    "phone_limits": ("AGENTS_RETAIN_LIMIT_DAYS", 2),
    "rasa_trackers": ("AGENTS_RETAIN_TRACKER_DAYS", 30),
    "conversation_events": ("AGENTS_RETAIN_EVENT_DAYS", 400),
    "csat": ("AGENTS_RETAIN_CSAT_DAYS", 400),
    "audit": ("AGENTS_RETAIN_AUDIT_DAYS", 730),
}


@dataclass(frozen=True)
class RetentionSettings:
    days: Mapping[str, int]
    tracker_url: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, config: Mapping[str, Any] | None = None
                 ) -> "RetentionSettings":
        source = dict(os.environ if env is None else env)
        for key, value in (config or {}).items():
            if key.startswith("AGENTS_RETAIN_") or key == "AGENTS_RASA_TRACKER_URL":
                source[key] = str(value)
        read = EnvReader(source)
        days = {kind: read.integer(name, default, 1, 36500) for kind, (name, default) in PERIODS.items()}
        read.raise_errors(SettingsError, "bad retention settings")
        return cls(days=days, tracker_url=_tracker_url(source))


def _tracker_url(env: Mapping[str, str]) -> str | None:
    url = (env.get("AGENTS_RASA_TRACKER_URL") or "").strip()
    if url:
        return None if url == "-" else url
    if env.get("RASA_TRACKER_DB_NAME"):
        user = quote(env.get("RASA_TRACKER_DB_USER") or "postgres", safe="")
        password = env.get("RASA_TRACKER_DB_PASSWORD") or ""
        auth = f"{user}:{quote(password, safe='')}" if password else user
        host = env.get("RASA_TRACKER_DB_HOST") or "127.0.0.1:5432"
        return f"postgresql+psycopg://{auth}@{host}/{env['RASA_TRACKER_DB_NAME']}"
    path = pathlib.Path(env.get("RASA_TRACKER_SQLITE") or "var/rasa/tracker.db")
    path = path if path.is_absolute() else ROOT / path
    return f"sqlite:///{path}" if path.exists() else None


@dataclass
class Report:
    """Rows per kind (deleted, or that would be with ``dry_run``)."""

    counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def add(self, kind: str, count: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + int(count or 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        return [f"{kind:<20} {verb} {count}" for kind, count in self.counts.items()]


def _table(name: str) -> Table | None:
    """One of the phone line's tables (registered on the shared metadata when the gateway loads)."""
    return Base.metadata.tables.get(name)


def _count_and_delete(session: Session, table, where, dry_run: bool) -> int:
    count = session.scalar(select(func.count()).select_from(table).where(where)) or 0
    if count and not dry_run:
        session.execute(delete(table).where(where))
    return count


# ---------------------------------------------------------------- purge (retention periods)

def purge(session: Session, settings: RetentionSettings, *, dry_run: bool = False,
          now: datetime | None = None) -> Report:
    """Delete (or, with ``dry_run``, count) every row past its kind's period; committed here."""
    now = now or utcnow()
    cutoff = {kind: now - timedelta(days=days) for kind, days in settings.days.items()}
    report = Report(dry_run=dry_run)

    ended = func.coalesce(Escalation.closed_at, Escalation.created_at)
    old_cases = select(Escalation.id).where(and_(ended < cutoff["transcripts"],
                                                 not_(Escalation.status.in_(OPEN_STATUSES))))
    report.add("chat_messages", _count_and_delete(
        session, EscalationMessage.__table__, EscalationMessage.escalation_id.in_(old_cases), dry_run))
    _count_and_delete(session, RoutingOffer.__table__, RoutingOffer.escalation_id.in_(old_cases), dry_run)  # no personal data
    report.add("transcripts", _count_and_delete(session, Escalation.__table__, Escalation.id.in_(old_cases), dry_run))

    calls = _table("ivr_calls")
    if calls is not None:
        report.add("phone_calls", _count_and_delete(
            session, calls, func.coalesce(calls.c.ended_at, calls.c.started_at) < cutoff["phone_calls"], dry_run))
    turns = _table("ivr_turns")
    if turns is not None:
        report.add("phone_turns", _count_and_delete(session, turns, turns.c.created_at < cutoff["phone_turns"], dry_run))
    tickets = _table("ivr_callback_tickets")
    if tickets is not None:
        report.add("callback_tickets", _count_and_delete(
            session, tickets, tickets.c.created_at < cutoff["callback_tickets"], dry_run))
        # The voicemail's reference copied onto a case that is itself kept longer (still open).
        stale = and_(Escalation.recording_url.is_not(None), Escalation.created_at < cutoff["callback_tickets"],
                     Escalation.id.not_in(old_cases))
        refs = session.scalar(select(func.count()).select_from(Escalation).where(stale)) or 0
        if refs and not dry_run:
            session.execute(Escalation.__table__.update().where(stale).values(recording_url=None))
        report.add("voicemail_refs", refs)
    limits = _table("ivr_limits")
    if limits is not None:
        report.add("phone_limits", _count_and_delete(
            session, limits, limits.c.window_start < cutoff["phone_limits"], dry_run))

    report.add("conversation_events", _count_and_delete(
        session, ConversationEvent.__table__, ConversationEvent.at < cutoff["conversation_events"], dry_run))
    report.add("csat", _count_and_delete(session, CsatRating.__table__, CsatRating.at < cutoff["csat"], dry_run))
    report.add("audit", _count_and_delete(session, AuditEntry.__table__, AuditEntry.at < cutoff["audit"], dry_run))

    report.add("rasa_trackers", _purge_trackers(settings.tracker_url, cutoff["rasa_trackers"], dry_run))

    if not dry_run:
        audit.record(session, "retention_purge", actor="purge", counts=dict(report.counts))
        session.commit()
    else:
        session.rollback()
    return report


def _tracker_events(url: str | None):
    """(engine, Rasa's ``events`` table) or None when the store is not there (yet)."""
    if not url:
        return None
    engine = create_engine(url, pool_pre_ping=True)
    if not inspect(engine).has_table("events"):
        engine.dispose()
        return None
    return engine, Table("events", MetaData(), autoload_with=engine)


def _purge_trackers(url: str | None, cutoff: datetime, dry_run: bool) -> int:
    """Every event of each conversation whose last event is older than ``cutoff`` (Rasa's timestamps
    are UNIX seconds); the count is of conversations."""
    found = _tracker_events(url)
    if found is None:
        return 0
    engine, events = found
    try:
        with engine.begin() as conn:
            old = (select(events.c.sender_id).group_by(events.c.sender_id)
                   .having(func.max(events.c.timestamp) < cutoff.timestamp()))
            senders = [row[0] for row in conn.execute(old)]
            if senders and not dry_run:
                for chunk in _chunks(senders):
                    conn.execute(delete(events).where(events.c.sender_id.in_(chunk)))
            return len(senders)
    finally:
        engine.dispose()


def _chunks(values: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# ---------------------------------------------------------------- erasure (a data subject's request)

def subject_keys(secret: str, *, phone: str | None = None, username: str | None = None) -> tuple[str, str | None]:
    """The keyed digest the stores hold for a phone number (the phone line's caller digest) or a
    username (the account digest of the statistics), and the full E.164 number for a phone."""
    if phone is not None:
        full = e164(phone)
        if full is None:
            raise ValueError("not a phone number in a form that can be looked up")
        return keyed_digest(secret, "ivr-caller", full), full
    if username is not None and 0 < len(username.strip()) <= 64:
        return keyed_digest(secret, "contact-account", username.strip().casefold()), None
    raise ValueError("give one phone number or one username")


def erase_subject(session: Session, settings: RetentionSettings, secret: str, *, phone: str | None = None,
                  username: str | None = None, actor: str = "cli", dry_run: bool = False) -> Report:
    """Find every conversation of one phone number or one username and delete all of it, in every
    store; the audit entry says which kinds and how many rows, never whose or what."""
    key, full = subject_keys(secret, phone=phone, username=username)
    report = Report(dry_run=dry_run)
    conversations = set(session.scalars(select(ConversationEvent.conversation_id)
                                        .where(ConversationEvent.contact_key == key)))
    tickets = _table("ivr_callback_tickets")
    ticket_ids: list[int] = []
    if tickets is not None and full is not None:
        # The number to ring back is stored as Twilio sent it: compared in E.164, whatever its spelling.
        for ticket_id, call_sid, number in session.execute(
                select(tickets.c.id, tickets.c.call_sid, tickets.c.callback_number)
                .where(tickets.c.callback_number.is_not(None))):
            if e164(number) == full:
                ticket_ids.append(ticket_id)
                conversations.add(call_sid)
    ids = sorted(conversations)

    cases = select(Escalation.id).where(Escalation.conversation_id.in_(ids))
    case_ids = list(session.scalars(cases))
    report.add("chat_messages", _count_and_delete(
        session, EscalationMessage.__table__, EscalationMessage.escalation_id.in_(case_ids), dry_run))
    report.add("audit", _count_and_delete(session, AuditEntry.__table__, AuditEntry.escalation_id.in_(case_ids), dry_run))
    report.add("csat", _count_and_delete(session, CsatRating.__table__,
                                         or_(CsatRating.conversation_id.in_(ids), CsatRating.escalation_id.in_(case_ids)),
                                         dry_run))
    _count_and_delete(session, RoutingOffer.__table__, RoutingOffer.escalation_id.in_(case_ids), dry_run)  # no personal data
    report.add("transcripts", _count_and_delete(session, Escalation.__table__, Escalation.id.in_(case_ids), dry_run))
    report.add("conversation_events", _count_and_delete(
        session, ConversationEvent.__table__,
        or_(ConversationEvent.conversation_id.in_(ids), ConversationEvent.contact_key == key), dry_run))
    calls, turns, limits = _table("ivr_calls"), _table("ivr_turns"), _table("ivr_limits")
    if calls is not None:
        report.add("phone_calls", _count_and_delete(session, calls, calls.c.call_sid.in_(ids), dry_run))
    if turns is not None:
        report.add("phone_turns", _count_and_delete(session, turns, turns.c.call_sid.in_(ids), dry_run))
    if tickets is not None:
        where = tickets.c.call_sid.in_(ids)
        if ticket_ids:
            where = or_(where, tickets.c.id.in_(ticket_ids))
        report.add("callback_tickets", _count_and_delete(session, tickets, where, dry_run))
    if limits is not None and full is not None:
        report.add("phone_limits", _count_and_delete(session, limits, limits.c.key.like(f"%:{key}"), dry_run))
    report.add("rasa_trackers", _erase_trackers(settings.tracker_url, ids, dry_run))

    if dry_run:
        session.rollback()
    else:
        audit.record(session, "subject_erased", actor=actor, subject="phone" if full else "username",
                     conversations=len(ids), counts=dict(report.counts))
        session.commit()
    return report


def _erase_trackers(url: str | None, senders: list[str], dry_run: bool) -> int:
    found = _tracker_events(url) if senders else None
    if found is None:
        return 0
    engine, events = found
    try:
        with engine.begin() as conn:
            count = 0
            for chunk in _chunks(senders):
                where = events.c.sender_id.in_(chunk)
                count += conn.scalar(select(func.count()).select_from(events).where(where)) or 0
                if not dry_run:
                    conn.execute(delete(events).where(where))
            return count
    finally:
        engine.dispose()

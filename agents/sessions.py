"""Server-side console sessions (table agents_console_sessions).

The browser's cookie holds a random session id (256 bits); the table keys on its SHA-256, so the
database alone does not give a usable cookie. A session is valid while it is not revoked, younger
than its absolute lifetime (a working day, AGENTS_SESSION_HOURS) and seen within the idle timeout.
Logout revokes it; a supervisor (console or CLI) revokes every session of an agent; deactivating an
account ends them too because every request re-reads the account."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agents.models import AgentAccount, ConsoleSession
from kernel.clock import as_utc, utcnow


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Opened:
    session_id: str  # goes into the cookie, never stored
    csrf: str


def open_session(db: Session, account: AgentAccount, lifetime_s: int) -> Opened:
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    db.add(ConsoleSession(id_hash=_hash(session_id), agent_id=account.id, created_at=now, last_seen_at=now,
                          expires_at=now + timedelta(seconds=lifetime_s), csrf=csrf))
    db.commit()
    return Opened(session_id, csrf)


@dataclass(frozen=True)
class Found:
    row: ConsoleSession | None
    why: str | None  # None: valid; else "missing" | "revoked" | "expired" | "idle"


def find(db: Session, session_id: str | None, idle_s: float, now: datetime | None = None) -> Found:
    """The live session of ``session_id``; an idle or expired one is revoked on the way."""
    if not session_id:
        return Found(None, "missing")
    row = db.get(ConsoleSession, _hash(session_id))
    if row is None:
        return Found(None, "missing")
    if row.revoked_at is not None:
        return Found(row, "revoked")
    now = now or utcnow()
    if now >= as_utc(row.expires_at):
        _revoke_row(db, row, "expired", now)
        return Found(row, "expired")
    if (now - as_utc(row.last_seen_at)).total_seconds() > idle_s:
        _revoke_row(db, row, "idle", now)
        return Found(row, "idle")
    return Found(row, None)


def touch(db: Session, row: ConsoleSession) -> None:
    row.last_seen_at = utcnow()
    db.commit()


def _revoke_row(db: Session, row: ConsoleSession, reason: str, now: datetime) -> None:
    db.execute(update(ConsoleSession).where(ConsoleSession.id_hash == row.id_hash, ConsoleSession.revoked_at.is_(None))
               .values(revoked_at=now, revoked_reason=reason).execution_options(synchronize_session=False))
    db.commit()
    db.expire(row)


def revoke(db: Session, session_id: str | None, reason: str = "logout") -> None:
    if session_id:
        row = db.get(ConsoleSession, _hash(session_id))
        if row is not None:
            _revoke_row(db, row, reason, utcnow())


def revoke_agent(db: Session, agent_id: int, reason: str = "supervisor") -> int:
    """End every live session of one agent; returns how many were ended."""
    result = db.execute(update(ConsoleSession)
                        .where(ConsoleSession.agent_id == agent_id, ConsoleSession.revoked_at.is_(None))
                        .values(revoked_at=utcnow(), revoked_reason=reason)
                        .execution_options(synchronize_session=False))
    db.commit()
    return result.rowcount


def live_sessions(db: Session) -> list[tuple[ConsoleSession, AgentAccount]]:
    """Sessions not revoked and not past their lifetime, newest first (idle ones included until used)."""
    now = utcnow()
    rows = db.execute(select(ConsoleSession, AgentAccount).join(AgentAccount, AgentAccount.id == ConsoleSession.agent_id)
                      .where(ConsoleSession.revoked_at.is_(None)).order_by(ConsoleSession.created_at.desc()))
    return [(s, a) for s, a in rows if as_utc(s.expires_at) > now]

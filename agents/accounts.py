"""Agent accounts: argon2id password hashes, and a login check that costs the same for unknown names."""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agents.models import ROLES, AgentAccount
from kernel.clock import utcnow

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-equalises-timing")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why."""


def create_agent(session: Session, username: str, password: str, role: str = "agent",
                 display_name: str | None = None) -> AgentAccount:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError("username: 2-64 characters of a-z, 0-9, '.', '_', '-'")
    if role not in ROLES:
        raise AccountError(f"role: one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    account = AgentAccount(username=username, display_name=display_name or username,
                           password_hash=_hasher.hash(password), role=role, active=True)
    session.add(account)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AccountError(f"username: {username!r} is taken") from None
    return account


def authenticate(session: Session, username: str, password: str) -> AgentAccount | None:
    """The account if the password is right; None otherwise (same work and answer for unknown names)."""
    account = session.scalar(select(AgentAccount).where(AgentAccount.username == (username or "").strip().lower()))
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not account.active:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.last_login_at = utcnow()
    session.commit()
    return account

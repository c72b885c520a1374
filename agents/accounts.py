"""Agent accounts: argon2id password hashes, and a login check that costs the same for unknown names;
the agent's phone PIN (argon2id too), locked after repeated misses."""
from __future__ import annotations

import re
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agents.models import ROLES, AgentAccount
from kernel.clock import as_utc, utcnow
from kernel.fields import ascii_number

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


# --- what the agent takes (routing): languages and channels ------------------------------------

SKILL_LANGUAGES = ("hu", "en")
SKILL_CHANNELS = ("chat", "phone")


def set_skills(account: AgentAccount, languages: list[str], channels: list[str]) -> None:
    """Set the languages and channels an agent takes (at least one of each; unknown values refused);
    the caller commits."""
    langs = [x for x in SKILL_LANGUAGES if x in languages]
    chans = [x for x in SKILL_CHANNELS if x in channels]
    unknown = sorted(set(languages) - set(SKILL_LANGUAGES)) + sorted(set(channels) - set(SKILL_CHANNELS))
    if unknown:
        raise AccountError(f"unknown language or channel: {', '.join(unknown)}")
    if not langs or not chans:
        raise AccountError("at least one language (hu, en) and one channel (chat, phone)")
    account.languages, account.channels = ",".join(langs), ",".join(chans)


# --- the agent's phone PIN (the agent line: caller ID can be spoofed, a PIN cannot) --------------

PIN = re.compile(r"^[0-9]{6,12}$")
PIN_MAX_MISSES = 5                    # consecutive misses before the PIN is locked
PIN_LOCK = timedelta(minutes=30)      # how long a locked PIN stays locked
_DUMMY_PIN_HASH = _hasher.hash("000000-not-a-real-pin-only-equalises-timing")


def _weak_pin(pin: str) -> bool:
    """All one digit, or a run up or down (123456, 987654): the first PINs anyone tries."""
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def set_phone_pin(session: Session, username: str, pin: str) -> AgentAccount:
    """Give an agent a keypad PIN for the agent line (argon2id hash; the lock and misses are cleared)."""
    account = session.scalar(select(AgentAccount).where(AgentAccount.username == (username or "").strip().lower()))
    if account is None:
        raise AccountError(f"username: no agent {username!r}")
    if not PIN.match(pin or ""):
        raise AccountError("PIN: 6-12 digits")
    if _weak_pin(pin):
        raise AccountError("PIN: not one repeated digit or a run like 123456")
    account.phone_pin_hash = _hasher.hash(pin)
    account.phone_pin_misses = 0
    account.phone_pin_locked_until = None
    session.commit()
    return account


def check_phone_pin(session: Session, agent_number: str, pin: str) -> tuple[AgentAccount | None, str]:
    """(the account, "accepted") when ``pin`` is the PIN of agent ``agent_number`` (the account id);
    otherwise (None, why): "unknown" | "locked" | "wrong" | "now_locked". The same hashing work
    (argon2 verify, which compares in constant time) happens on every path; the caller commits."""
    account = None
    agent_id = ascii_number(agent_number, 9)
    if agent_id is not None:
        account = session.scalar(select(AgentAccount).where(AgentAccount.id == agent_id).with_for_update())
    usable = account is not None and account.active and account.phone_pin_hash is not None
    now = utcnow()
    locked = usable and account.phone_pin_locked_until is not None and as_utc(account.phone_pin_locked_until) > now
    try:
        _hasher.verify(account.phone_pin_hash if usable and not locked else _DUMMY_PIN_HASH, pin or "")
        right = usable and not locked
    except (VerificationError, InvalidHashError):
        right = False
    if not usable:
        return None, "unknown"
    if locked:
        return None, "locked"
    if not right:
        account.phone_pin_misses = (account.phone_pin_misses or 0) + 1
        if account.phone_pin_misses >= PIN_MAX_MISSES:
            account.phone_pin_misses = 0
            account.phone_pin_locked_until = now + PIN_LOCK
            return None, "now_locked"
        return None, "wrong"
    account.phone_pin_misses = 0
    account.phone_pin_locked_until = None
    return account, "accepted"


"""Backoff of console logins (table agents_login_throttle), keyed per username and per client address.

Keys: ``user:`` + HMAC of the normalised username under the gateway's secret (unknown names are
counted the same way and the table reveals no name) and ``addr:`` + the client address
(agents/client.py). Each key has a few free misses in an hour; every further miss doubles the wait
(1 s, 2 s, 4 s … up to 15 minutes). While a key waits, the login is refused before the password is
checked (so it costs no argon2 work) with the same answer for every name. A success clears the
username's key; the address key only decays with its window (one agent's good login must not
reset a guesser sharing the address)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agents.models import LoginThrottle
from kernel.clock import as_utc, utcnow
from kernel.privacy import keyed_digest

FREE_PER_USERNAME = 5
FREE_PER_ADDRESS = 20  # an office behind one NAT shares an address
WINDOW = timedelta(hours=1)
FIRST_WAIT_S = 1.0
MAX_WAIT_S = 15 * 60.0


@dataclass(frozen=True)
class Keys:
    username: str
    address: str

    @classmethod
    def of(cls, secret: str, username: str, address: str) -> "Keys":
        name = (username or "").strip().lower()[:64]
        return cls(f"user:{keyed_digest(secret, 'agents-login', name)[:64]}", f"addr:{address[:70]}")

    def pairs(self) -> tuple[tuple[str, int], ...]:
        return ((self.username, FREE_PER_USERNAME), (self.address, FREE_PER_ADDRESS))


def wait_seconds(db: Session, keys: Keys, now: datetime | None = None) -> int:
    """How long the login must wait (0: it may be tried now)."""
    now = now or utcnow()
    longest = 0.0
    for key, _free in keys.pairs():
        row = db.get(LoginThrottle, key)
        if row is not None and row.blocked_until is not None:
            longest = max(longest, (as_utc(row.blocked_until) - now).total_seconds())
    return int(longest + 0.999) if longest > 0 else 0


def failed(db: Session, keys: Keys, now: datetime | None = None) -> None:
    now = now or utcnow()
    for key, free in keys.pairs():
        for _attempt in range(3):
            row = db.get(LoginThrottle, key, with_for_update=True)
            if row is None:
                db.add(LoginThrottle(key=key, failures=0, window_started_at=now))
                try:
                    db.flush()
                except IntegrityError:
                    db.rollback()
                    continue
                row = db.get(LoginThrottle, key)
            if now - as_utc(row.window_started_at) > WINDOW and not _blocked(row, now):
                row.failures, row.window_started_at, row.blocked_until = 0, now, None
            row.failures += 1
            if row.failures > free:
                wait = min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** min(row.failures - free - 1, 20))
                row.blocked_until = now + timedelta(seconds=wait)
            break
    db.commit()


def succeeded(db: Session, keys: Keys) -> None:
    row = db.get(LoginThrottle, keys.username)
    if row is not None:
        db.delete(row)
        db.commit()


def _blocked(row: LoginThrottle, now: datetime) -> bool:
    return row.blocked_until is not None and as_utc(row.blocked_until) > now

"""Accounts and their one-time codes, and the rules between them (S1-S9), as plain dataclasses."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

PENDING, ACTIVE, LOCKED = "pending", "active", "locked"
# Wrong code entries (issue 10, M10): at most 5 per (account, source) in any 24 h, so a stranger's
# guesses block only the stranger's source; at most 20 per account in any 24 h from all sources
# together, and the one that reaches it burns the live code (80-bit codes: 20 guesses a day are nothing).
WRONG_CODE_LIMIT = 5
WRONG_CODE_ACCOUNT_LIMIT = 20
WRONG_CODE_WINDOW = timedelta(hours=24)

# Login failure reason codes (recorded server-side, never shown to the client).
UNKNOWN_USERNAME = "unknown_username"
USERNAME_LOOKS_LIKE_LEGAL_NAME = "username_looks_like_legal_name"  # S6
CODE_USED_AS_PASSWORD = "code_used_as_password"  # S7
NOT_ACTIVATED = "not_activated"
CODE_EXPIRED = "code_expired"
WRONG_PASSWORD = "wrong_password"
LOCKED_REASON = "locked"
LOGIN_REASONS = (UNKNOWN_USERNAME, USERNAME_LOOKS_LIKE_LEGAL_NAME, CODE_USED_AS_PASSWORD, NOT_ACTIVATED,
                 CODE_EXPIRED, WRONG_PASSWORD, LOCKED_REASON)


@dataclass
class ActivationCode:
    """One issued code; only its keyed hash is kept (the code itself lives in the mail, S2)."""

    id: int | None
    account_id: int
    code_hash: str
    reason: str  # registration | reset
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    superseded_at: datetime | None = None
    burned_at: datetime | None = None

    def is_expired(self, now: datetime) -> bool:
        """S4/S8: a code is valid for CODE_TTL_DAYS (5) days from issue."""
        return now >= self.expires_at

    def is_open(self) -> bool:
        """Neither used, nor replaced by a newer code, nor burned by wrong entries."""
        return self.used_at is None and self.superseded_at is None and self.burned_at is None

    def is_live(self, now: datetime) -> bool:
        return self.is_open() and not self.is_expired(now)


@dataclass
class Account:
    id: int | None
    username: str
    legal_name: str
    email: str
    language: str
    created_at: datetime
    password_hash: str | None = None
    activated_at: datetime | None = None
    locked_at: datetime | None = None
    login_failures: int = 0
    codes: list[ActivationCode] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.locked_at is not None:
            return LOCKED
        return ACTIVE if self.password_hash else PENDING

    def latest_code(self) -> ActivationCode | None:
        """The newest code issued; a new code invalidates every older one (S4, S8)."""
        return max(self.codes, key=lambda c: (c.issued_at, c.id or 0), default=None)

    def live_code(self, now: datetime) -> ActivationCode | None:
        code = self.latest_code()
        return code if code is not None and code.is_live(now) else None

    def last_code_lapsed(self, now: datetime) -> bool:
        """The newest code was never used, replaced or burned, and ran out (S4)."""
        latest = self.latest_code()
        return bool(latest and latest.is_open() and latest.is_expired(now))


def code_lifetime(now: datetime, ttl_days: int) -> tuple[datetime, datetime]:
    """(issued_at, expires_at) of a code issued ``now``."""
    return now, now + timedelta(days=ttl_days)

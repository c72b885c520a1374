"""The ports of the use cases: what a unit of work and its six repositories must do (accounts,
codes, outbox, audit, limits, reset requests). SQLAlchemy implements them in credentials/adapters/; the unit tests
use in-memory ones (tests/unit/credentials/fake_unit_of_work.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from credentials.domain.model import Account, ActivationCode


@dataclass(frozen=True)
class MailRecord:
    """What the diagnosis tells about a mail (never its address or content)."""

    id: int
    kind: str
    status: str
    attempts: int
    smtp_code: int | None
    smtp_detail: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class ClaimedMail:
    """A mail one outbox worker has taken for sending."""

    id: int
    account_id: int
    kind: str
    language: str
    to_address: str
    payload: str | None
    attempts: int


@dataclass(frozen=True)
class QueuedResetRequest:
    """A new-code request as accepted: ``payload`` is sealed (username, e-mail, source, client address)."""

    id: int
    channel: str
    payload: str
    created_at: datetime


@dataclass(frozen=True)
class NameKeys:
    """The normalised keys an account is found by (credentials.domain.names)."""

    username: str
    legal_name: str
    joined: str
    joined_reversed: str


class AccountRepository(Protocol):
    def add(self, account: Account, keys: NameKeys) -> int:
        """Store a new account; UsernameTaken when the username key is already used."""

    def username_taken(self, username_key: str) -> bool: ...

    def email_on_file(self, username_key: str) -> tuple[int, str] | None:
        """(id, e-mail) of the account, in one query whether or not it exists (no codes loaded)."""

    def get_by_username(self, username_key: str, *, for_update: bool = False) -> Account | None:
        """The account with its most recent codes, or None."""

    def ids_with_legal_name(self, legal_name_key: str, joined: str, limit: int = 5) -> list[int]:
        """Accounts whose legal name is what was typed: same words in any order, or run together."""

    def usernames_for(self, legal_name_key: str) -> list[tuple[str, str]]:
        """(username, email) of the accounts with this legal name; office use only (S9)."""

    def set_email(self, account_id: int, email: str) -> None: ...

    def set_password(self, account_id: int, password_hash: str, now: datetime) -> None:
        """Activation (S3): the new password replaces the code; the account opens (and unlocks)."""


class CodeRepository(Protocol):
    def add(self, code: ActivationCode) -> int:
        """Store a new code and retire every older open one of its account (S4, S8)."""

    def retire_open(self, account_id: int, now: datetime) -> None: ...

    def claim(self, code_id: int, now: datetime) -> bool:
        """Single use, atomically: True only for the one claim that finds the code still open (S8)."""

    def burn(self, code_id: int, now: datetime) -> None: ...


class OutboxRepository(Protocol):
    def enqueue(self, *, account_id: int, kind: str, language: str, to_address: str, payload: str | None,
                now: datetime) -> int: ...

    def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedMail]:
        """Atomically take up to ``limit`` due mails for sending (oldest first), each with a lease until
        ``now + lease``; a claim whose lease ran out (its worker died) is due again. Two workers never
        take one mail: PostgreSQL skips rows another transaction holds (FOR UPDATE SKIP LOCKED), SQLite
        has one writer at a time (BEGIN IMMEDIATE)."""

    def finish(self, mail_id: int, *, status: str, now: datetime, smtp_code: int | None, detail: str,
               subject: str | None, next_attempt_at: datetime | None = None, wipe_payload: bool = False) -> None: ...

    def cancel_code_mails(self, account_id: int) -> None:
        """A newer code makes every queued code mail pointless: keep no copy of a dead code."""

    def last_code_mail(self, account_id: int) -> MailRecord | None: ...


class AuditRepository(Protocol):
    def record(self, *, at: datetime, operation: str, channel: str, outcome: str, subject: str,
               reason: str | None = None) -> None:
        """One audit row; ``subject`` is already masked."""

    def record_login_failure(self, account_id: int | None, at: datetime, reason: str) -> None: ...

    def recent_login_failures(self, account_id: int, since: datetime, limit: int = 10) -> list[tuple[datetime, str]]:
        """(at, reason) of the account's failed logins since ``since``, newest first."""


class LimitRepository(Protocol):
    """Sliding-window counters (credentials.domain.limits); ``rules`` are (limit, window) pairs."""

    def hit(self, key: str, now: datetime, rules: tuple[tuple[int, timedelta], ...]) -> bool:
        """Count one request under ``key`` unless it is over a rule; True when it is over."""

    def record(self, key: str, now: datetime, rules: tuple[tuple[int, timedelta], ...]) -> datetime | None:
        """Log one hit whatever the rules say; when the key is blocked after it, until when."""

    def blocked_until(self, key: str, now: datetime, rules: tuple[tuple[int, timedelta], ...]) -> datetime | None:
        """Until when ``key`` refuses hits (None: it takes one now). Writes nothing."""

    def latest_block(self, prefix: str, now: datetime, rules: tuple[tuple[int, timedelta], ...]) -> datetime | None:
        """The latest ``blocked_until`` of the keys that start with ``prefix``."""

    def clear(self, prefix: str) -> None:
        """Forget every key that starts with ``prefix``."""

    def reserve_login_attempt(self, account_id: int, threshold: int) -> bool:
        """One conditional update: count the attempt as a failure in advance, only when the account is
        active, unlocked and below ``threshold``; False (nothing counted) otherwise."""

    def settle_login_failure(self, account_id: int, now: datetime, threshold: int) -> bool:
        """After a wrong password: lock the account if its failures reached ``threshold``; True if locked now."""

    def settle_login_success(self, account_id: int) -> bool:
        """After a right password: clear the failures, only if the account is still unlocked."""


class ResetRequestRepository(Protocol):
    def add(self, *, channel: str, payload: str, now: datetime) -> None:
        """Accept a new-code request into the queue: the one write of every request (issue 10, L12)."""

    def take_next(self) -> QueuedResetRequest | None:
        """Remove the oldest request no other transaction holds from the queue, or None when there is
        none; the removal commits with its evaluation (a worker that dies leaves it queued)."""


class UnitOfWork(Protocol):
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back on exit."""

    accounts: AccountRepository
    codes: CodeRepository
    outbox: OutboxRepository
    audit: AuditRepository
    limits: LimitRepository
    reset_requests: ResetRequestRepository

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self, durable: bool = True) -> None:
        """``durable=False`` (only for what a person simply asks again): the database may skip waiting for
        its disk; a crash of the database server may then lose it, a crash of ours never does."""

    def rollback(self) -> None: ...

"""The repository: the only code that turns rows into domain objects and back. Every state change
that must not race (claiming a code, counting failures, claiming a mail) is one conditional UPDATE."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from credentials.adapters.orm import AccountRow, AuditRow, CodeRow, LoginFailureRow, OutboxRow, RateLimitRow
from credentials.domain.model import WRONG_CODE_WINDOW, Account, ActivationCode

RECENT_CODES = 10


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
    id: int
    account_id: int
    kind: str
    language: str
    to_address: str
    payload: str | None
    attempts: int


def _code(row: CodeRow) -> ActivationCode:
    return ActivationCode(id=row.id, account_id=row.account_id, code_hash=row.code_hash, reason=row.reason,
                          issued_at=row.issued_at, expires_at=row.expires_at, used_at=row.used_at,
                          superseded_at=row.superseded_at, burned_at=row.burned_at)


class SqlAlchemyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- accounts -----------------------------------------------------------------------------
    def _account(self, row: AccountRow | None) -> Account | None:
        if row is None:
            return None
        codes = self.session.scalars(
            select(CodeRow).where(CodeRow.account_id == row.id)
            .order_by(CodeRow.issued_at.desc(), CodeRow.id.desc()).limit(RECENT_CODES)).all()
        return Account(id=row.id, username=row.username, legal_name=row.legal_name, email=row.email,
                       language=row.language, created_at=row.created_at, password_hash=row.password_hash,
                       activated_at=row.activated_at, locked_at=row.locked_at, login_failures=row.login_failures,
                       wrong_code_entries=row.wrong_code_entries,
                       wrong_code_window_start=row.wrong_code_window_start, codes=[_code(c) for c in codes])

    def add_account(self, account: Account, *, username_key: str, legal_name_key: str,
                    legal_name_joined: tuple[str, str]) -> int:
        row = AccountRow(username=account.username, username_key=username_key, legal_name=account.legal_name,
                         legal_name_key=legal_name_key, legal_name_joined=legal_name_joined[0],
                         legal_name_joined_rev=legal_name_joined[1], email=account.email, language=account.language,
                         created_at=account.created_at, login_failures=0, wrong_code_entries=0)
        self.session.add(row)
        self.session.flush()
        return row.id

    def username_taken(self, username_key: str) -> bool:
        return self.session.scalar(select(AccountRow.id).where(AccountRow.username_key == username_key)) is not None

    def get_by_username(self, username_key: str, *, for_update: bool = False) -> Account | None:
        stmt = select(AccountRow).where(AccountRow.username_key == username_key)
        if for_update:
            stmt = stmt.with_for_update()
        return self._account(self.session.scalar(stmt))

    def get(self, account_id: int, *, for_update: bool = False) -> Account | None:
        stmt = select(AccountRow).where(AccountRow.id == account_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self._account(self.session.scalar(stmt))

    def ids_with_legal_name(self, legal_name_key: str, joined: str, limit: int = 5) -> list[int]:
        """Accounts whose legal name is what was typed: same words in any order, or run together."""
        return list(self.session.scalars(
            select(AccountRow.id).where(or_(AccountRow.legal_name_key == legal_name_key,
                                            AccountRow.legal_name_joined == joined,
                                            AccountRow.legal_name_joined_rev == joined))
            .order_by(AccountRow.id).limit(limit)))

    def usernames_for(self, legal_name_key: str) -> list[tuple[str, str]]:
        """(username, email) of the accounts with this legal name; office use only (S9)."""
        return [(r.username, r.email) for r in self.session.execute(
            select(AccountRow.username, AccountRow.email).where(AccountRow.legal_name_key == legal_name_key)
            .order_by(AccountRow.id))]

    def set_email(self, account_id: int, email: str) -> None:
        self.session.execute(update(AccountRow).where(AccountRow.id == account_id).values(email=email))

    def set_password(self, account_id: int, password_hash: str, now: datetime) -> None:
        """Activation (S3): the new password replaces the code; the account opens (and unlocks)."""
        self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(
                password_hash=password_hash, locked_at=None, login_failures=0, wrong_code_entries=0,
                wrong_code_window_start=None,
                activated_at=func.coalesce(AccountRow.activated_at, now)))

    def count_wrong_code(self, account_id: int, now: datetime) -> int:
        """One more wrong code entry in the account's 24 h window; returns the new count."""
        fresh = or_(AccountRow.wrong_code_window_start.is_(None),
                    AccountRow.wrong_code_window_start <= now - WRONG_CODE_WINDOW)
        self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(
                wrong_code_entries=case((fresh, 1), else_=AccountRow.wrong_code_entries + 1),
                wrong_code_window_start=case((fresh, now), else_=AccountRow.wrong_code_window_start)))
        return self.session.scalar(select(AccountRow.wrong_code_entries).where(AccountRow.id == account_id)) or 0

    def count_login_failure(self, account_id: int, now: datetime, threshold: int) -> bool:
        """One more failed login; locks the account when the threshold is reached. True if locked now."""
        self.session.execute(update(AccountRow).where(AccountRow.id == account_id)
                             .values(login_failures=AccountRow.login_failures + 1))
        result = self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id, AccountRow.locked_at.is_(None),
                                     AccountRow.password_hash.is_not(None),
                                     AccountRow.login_failures >= threshold).values(locked_at=now))
        return result.rowcount == 1

    def reset_login_failures(self, account_id: int) -> None:
        self.session.execute(update(AccountRow).where(AccountRow.id == account_id, AccountRow.login_failures != 0)
                             .values(login_failures=0))

    # --- codes --------------------------------------------------------------------------------
    def add_code(self, code: ActivationCode) -> int:
        """Store a new code and retire every older open one (a new code invalidates older ones)."""
        self.session.execute(
            update(CodeRow).where(CodeRow.account_id == code.account_id, CodeRow.used_at.is_(None),
                                  CodeRow.superseded_at.is_(None)).values(superseded_at=code.issued_at))
        row = CodeRow(account_id=code.account_id, code_hash=code.code_hash, reason=code.reason,
                      issued_at=code.issued_at, expires_at=code.expires_at)
        self.session.add(row)
        self.session.flush()
        return row.id

    def retire_open_codes(self, account_id: int, now: datetime) -> None:
        self.session.execute(update(CodeRow).where(CodeRow.account_id == account_id, CodeRow.used_at.is_(None),
                                                   CodeRow.superseded_at.is_(None)).values(superseded_at=now))

    def claim_code(self, code_id: int, now: datetime) -> bool:
        """Single use, atomically: only the one UPDATE that finds the code still open wins."""
        result = self.session.execute(
            update(CodeRow).where(CodeRow.id == code_id, CodeRow.used_at.is_(None), CodeRow.superseded_at.is_(None),
                                  CodeRow.burned_at.is_(None), CodeRow.expires_at > now).values(used_at=now))
        return result.rowcount == 1

    def burn_code(self, code_id: int, now: datetime) -> None:
        self.session.execute(update(CodeRow).where(CodeRow.id == code_id, CodeRow.burned_at.is_(None))
                             .values(burned_at=now))

    # --- login failures, rate limits, audit ---------------------------------------------------
    def add_login_failure(self, account_id: int | None, at: datetime, reason: str) -> None:
        self.session.add(LoginFailureRow(account_id=account_id, at=at, reason=reason))

    def recent_login_failures(self, account_id: int, since: datetime, limit: int = 10) -> list[tuple[datetime, str]]:
        return [(r.at, r.reason) for r in self.session.execute(
            select(LoginFailureRow.at, LoginFailureRow.reason)
            .where(LoginFailureRow.account_id == account_id, LoginFailureRow.at >= since)
            .order_by(LoginFailureRow.at.desc(), LoginFailureRow.id.desc()).limit(limit))]

    def hit_rate_limit(self, key: str, now: datetime, *, limit: int, window: timedelta, block: timedelta) -> bool:
        """Count one request under ``key``; True when it is over the limit (or the key is blocked).
        More than ``limit`` requests within ``window`` block the key for ``block``."""
        insert = pg_insert if self.session.bind.dialect.name == "postgresql" else sqlite_insert
        self.session.execute(insert(RateLimitRow).values(key=key, window_start=now, count=0)
                             .on_conflict_do_nothing(index_elements=["key"]))
        row = self.session.scalar(select(RateLimitRow).where(RateLimitRow.key == key).with_for_update())
        if row.blocked_until is not None and row.blocked_until > now:
            return True
        if now - row.window_start >= window or row.blocked_until is not None:
            row.window_start, row.count, row.blocked_until = now, 0, None
        row.count += 1
        if row.count > limit:
            row.blocked_until = now + block
            return True
        return False

    def add_audit(self, *, at: datetime, operation: str, channel: str, outcome: str, subject: str,
                  reason: str | None = None) -> None:
        self.session.add(AuditRow(at=at, operation=operation, channel=channel, outcome=outcome,
                                  subject=subject[:120], reason=reason))

    # --- outbox -------------------------------------------------------------------------------
    def enqueue_mail(self, *, account_id: int, kind: str, language: str, to_address: str, payload: str | None,
                     now: datetime) -> int:
        row = OutboxRow(account_id=account_id, kind=kind, language=language, to_address=to_address,
                        payload=payload, status="queued", attempts=0, next_attempt_at=now, created_at=now,
                        updated_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def due_mail_ids(self, now: datetime, limit: int) -> list[int]:
        return list(self.session.scalars(
            select(OutboxRow.id).where(
                or_(OutboxRow.status.in_(("queued", "retrying")) & (OutboxRow.next_attempt_at <= now),
                    (OutboxRow.status == "sending") & (OutboxRow.lease_until <= now)))
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit)))

    def claim_mail(self, mail_id: int, now: datetime, lease: timedelta) -> ClaimedMail | None:
        """Atomically take one due mail for sending; a second worker's UPDATE finds nothing to take.
        A claim whose lease ran out (its worker died) can be taken again."""
        result = self.session.execute(
            update(OutboxRow).where(
                OutboxRow.id == mail_id,
                or_(OutboxRow.status.in_(("queued", "retrying")) & (OutboxRow.next_attempt_at <= now),
                    (OutboxRow.status == "sending") & (OutboxRow.lease_until <= now)))
            .values(status="sending", lease_until=now + lease, attempts=OutboxRow.attempts + 1, updated_at=now))
        if result.rowcount != 1:
            return None
        row = self.session.get(OutboxRow, mail_id, populate_existing=True)
        return ClaimedMail(id=row.id, account_id=row.account_id, kind=row.kind, language=row.language,
                           to_address=row.to_address, payload=row.payload, attempts=row.attempts)

    def finish_mail(self, mail_id: int, *, status: str, now: datetime, smtp_code: int | None, detail: str,
                    subject: str | None, next_attempt_at: datetime | None = None, wipe_payload: bool = False) -> None:
        values = dict(status=status, smtp_code=smtp_code, smtp_detail=detail[:500], updated_at=now, lease_until=None)
        if subject is not None:
            values["subject"] = subject[:300]
        if status == "sent":
            values["sent_at"] = now
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        if wipe_payload:
            values["payload"] = None
        self.session.execute(update(OutboxRow).where(OutboxRow.id == mail_id).values(**values))

    def wipe_code_payloads(self, account_id: int) -> None:
        """A newer code makes every queued code mail pointless: keep no copy of a dead code."""
        self.session.execute(update(OutboxRow).where(OutboxRow.account_id == account_id,
                                                     OutboxRow.kind == "activation_code",
                                                     OutboxRow.status.in_(("queued", "retrying")))
                             .values(status="cancelled", payload=None, smtp_detail="superseded by a newer code"))

    def last_code_mail(self, account_id: int) -> MailRecord | None:
        row = self.session.scalar(select(OutboxRow).where(OutboxRow.account_id == account_id,
                                                          OutboxRow.kind == "activation_code")
                                  .order_by(OutboxRow.created_at.desc(), OutboxRow.id.desc()).limit(1))
        if row is None:
            return None
        return MailRecord(id=row.id, kind=row.kind, status=row.status, attempts=row.attempts, smtp_code=row.smtp_code,
                          smtp_detail=row.smtp_detail, created_at=row.created_at, updated_at=row.updated_at,
                          sent_at=row.sent_at)

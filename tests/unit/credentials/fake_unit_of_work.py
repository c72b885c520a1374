"""An in-memory unit of work for the credentials use cases: the six repositories of
credentials.domain.ports over plain Python tables. Records are never changed in place (every
change stores a new one), so a transaction's first write takes shallow copies of the tables and
only ``commit`` makes them the store's."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from credentials.domain.exceptions import UsernameTaken
from credentials.domain import limits as rules_of
from credentials.domain.model import Account, ActivationCode
from credentials.domain.ports import ClaimedMail, MailRecord, NameKeys, QueuedResetRequest
from tests.fixtures.credentials_services import Desk

RECENT_CODES = 10


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    operation: str
    channel: str
    outcome: str
    subject: str
    reason: str | None


@dataclass(frozen=True)
class LoginFailure:
    id: int
    account_id: int | None
    at: datetime
    reason: str


@dataclass(frozen=True)
class Mail:
    id: int
    account_id: int
    kind: str
    language: str
    to_address: str
    payload: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    lease_until: datetime | None = None
    subject: str | None = None
    smtp_code: int | None = None
    smtp_detail: str | None = None
    sent_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        return ((self.status in ("queued", "retrying") and self.next_attempt_at <= now)
                or (self.status == "sending" and self.lease_until is not None and self.lease_until <= now))


@dataclass
class Tables:
    accounts: dict[int, Account] = field(default_factory=dict)  # stored without codes
    keys: dict[int, NameKeys] = field(default_factory=dict)
    by_username: dict[str, int] = field(default_factory=dict)
    codes: dict[int, ActivationCode] = field(default_factory=dict)
    failures: list[LoginFailure] = field(default_factory=list)
    rate_limits: dict[str, rules_of.Hits] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    outbox: dict[int, Mail] = field(default_factory=dict)
    reset_requests: dict[int, QueuedResetRequest] = field(default_factory=dict)

    def copy(self) -> "Tables":
        return Tables(dict(self.accounts), dict(self.keys), dict(self.by_username), dict(self.codes),
                      list(self.failures), dict(self.rate_limits), list(self.audit), dict(self.outbox),
                      dict(self.reset_requests))


class Store:
    """What the fake database holds between units of work; ids never repeat, as with a sequence."""

    def __init__(self) -> None:
        self.tables = Tables()
        self.ids = itertools.count(1)


class _Repository:
    def __init__(self, uow: "FakeUnitOfWork") -> None:
        self.uow = uow
        self.store = uow.store

    @property
    def t(self) -> Tables:
        """The tables as this transaction sees them (for reading)."""
        return self.uow.tables

    @property
    def w(self) -> Tables:
        """The transaction's own copy of the tables (for writing)."""
        return self.uow.writable()


class FakeAccounts(_Repository):
    def _with_codes(self, account: Account | None) -> Account | None:
        if account is None:
            return None
        codes = sorted((c for c in self.t.codes.values() if c.account_id == account.id),
                       key=lambda c: (c.issued_at, c.id), reverse=True)[:RECENT_CODES]
        return replace(account, codes=[replace(c) for c in codes])

    def add(self, account: Account, keys: NameKeys) -> int:
        if self.username_taken(keys.username):
            raise UsernameTaken(account.username)
        account_id = next(self.store.ids)
        self.w.accounts[account_id] = replace(account, id=account_id, codes=[])
        self.w.keys[account_id] = keys
        self.w.by_username[keys.username] = account_id
        return account_id

    def username_taken(self, username_key: str) -> bool:
        return username_key in self.t.by_username

    def email_on_file(self, username_key: str) -> tuple[int, str] | None:
        account = self.t.accounts.get(self.t.by_username.get(username_key))
        return None if account is None else (account.id, account.email)

    def get_by_username(self, username_key: str, *, for_update: bool = False) -> Account | None:
        return self._with_codes(self.t.accounts.get(self.t.by_username.get(username_key)))

    def ids_with_legal_name(self, legal_name_key: str, joined: str, limit: int = 5) -> list[int]:
        return sorted(i for i, k in self.t.keys.items()
                      if legal_name_key == k.legal_name or joined in (k.joined, k.joined_reversed))[:limit]

    def usernames_for(self, legal_name_key: str) -> list[tuple[str, str]]:
        return [(self.t.accounts[i].username, self.t.accounts[i].email)
                for i in sorted(self.t.keys) if self.t.keys[i].legal_name == legal_name_key]

    def set_email(self, account_id: int, email: str) -> None:
        self.w.accounts[account_id] = replace(self.w.accounts[account_id], email=email)

    def set_password(self, account_id: int, password_hash: str, now: datetime) -> None:
        account = self.w.accounts[account_id]
        self.w.accounts[account_id] = replace(account, password_hash=password_hash, locked_at=None, login_failures=0,
                                              activated_at=account.activated_at or now)


class FakeCodes(_Repository):
    def add(self, code: ActivationCode) -> int:
        self.retire_open(code.account_id, code.issued_at)
        code_id = next(self.store.ids)
        self.w.codes[code_id] = replace(code, id=code_id)
        return code_id

    def retire_open(self, account_id: int, now: datetime) -> None:
        for c in list(self.w.codes.values()):
            if c.account_id == account_id and c.used_at is None and c.superseded_at is None:
                self.w.codes[c.id] = replace(c, superseded_at=now)

    def claim(self, code_id: int, now: datetime) -> bool:
        c = self.w.codes.get(code_id)
        if c is None or not c.is_open() or c.expires_at <= now:
            return False
        self.w.codes[code_id] = replace(c, used_at=now)
        return True

    def burn(self, code_id: int, now: datetime) -> None:
        c = self.w.codes[code_id]
        if c.burned_at is None:
            self.w.codes[code_id] = replace(c, burned_at=now)


class FakeOutbox(_Repository):
    def enqueue(self, *, account_id: int, kind: str, language: str, to_address: str, payload: str | None,
                now: datetime) -> int:
        mail_id = next(self.store.ids)
        self.w.outbox[mail_id] = Mail(id=mail_id, account_id=account_id, kind=kind, language=language,
                                      to_address=to_address, payload=payload, status="queued", attempts=0,
                                      next_attempt_at=now, created_at=now, updated_at=now)
        return mail_id

    def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedMail]:
        due = sorted((m for m in self.t.outbox.values() if m.due(now)), key=lambda m: (m.next_attempt_at, m.id))
        claimed = []
        for mail in due[:limit]:
            mail = self.w.outbox[mail.id] = replace(mail, status="sending", lease_until=now + lease,
                                                    attempts=mail.attempts + 1, updated_at=now)
            claimed.append(ClaimedMail(id=mail.id, account_id=mail.account_id, kind=mail.kind,
                                       language=mail.language, to_address=mail.to_address, payload=mail.payload,
                                       attempts=mail.attempts))
        return sorted(claimed, key=lambda m: m.id)

    def finish(self, mail_id: int, *, status: str, now: datetime, smtp_code: int | None, detail: str,
               subject: str | None, next_attempt_at: datetime | None = None, wipe_payload: bool = False) -> None:
        mail = self.w.outbox[mail_id]
        self.w.outbox[mail_id] = replace(
            mail, status=status, smtp_code=smtp_code, smtp_detail=detail[:500], updated_at=now, lease_until=None,
            subject=subject[:300] if subject is not None else mail.subject,
            sent_at=now if status == "sent" else mail.sent_at,
            next_attempt_at=next_attempt_at or mail.next_attempt_at,
            payload=None if wipe_payload else mail.payload)

    def cancel_code_mails(self, account_id: int) -> None:
        for m in list(self.w.outbox.values()):
            if m.account_id == account_id and m.kind == "activation_code" and m.status in ("queued", "retrying"):
                self.w.outbox[m.id] = replace(m, status="cancelled", payload=None,
                                              smtp_detail="superseded by a newer code")

    def last_code_mail(self, account_id: int) -> MailRecord | None:
        mails = [m for m in self.t.outbox.values() if m.account_id == account_id and m.kind == "activation_code"]
        if not mails:
            return None
        m = max(mails, key=lambda m: (m.created_at, m.id))
        return MailRecord(id=m.id, kind=m.kind, status=m.status, attempts=m.attempts, smtp_code=m.smtp_code,
                          smtp_detail=m.smtp_detail, created_at=m.created_at, updated_at=m.updated_at,
                          sent_at=m.sent_at)


class FakeAudit(_Repository):
    def record(self, *, at: datetime, operation: str, channel: str, outcome: str, subject: str,
               reason: str | None = None) -> None:
        self.w.audit.append(AuditEntry(at, operation, channel, outcome, subject[:120], reason))

    def record_login_failure(self, account_id: int | None, at: datetime, reason: str) -> None:
        self.w.failures.append(LoginFailure(next(self.store.ids), account_id, at, reason))

    def recent_login_failures(self, account_id: int, since: datetime, limit: int = 10) -> list[tuple[datetime, str]]:
        mine = [f for f in self.t.failures if f.account_id == account_id and f.at >= since]
        return [(f.at, f.reason) for f in sorted(mine, key=lambda f: (f.at, f.id), reverse=True)[:limit]]


class FakeLimits(_Repository):
    def hit(self, key: str, now: datetime, rules) -> bool:
        self.w.rate_limits[key], limited = rules_of.slide(self.w.rate_limits.get(key, ()), now, rules)
        return limited

    def record(self, key: str, now: datetime, rules) -> datetime | None:
        hits = self.w.rate_limits[key] = rules_of.record(self.w.rate_limits.get(key, ()), now, rules)
        return rules_of.blocked_until(hits, now, rules)

    def blocked_until(self, key: str, now: datetime, rules) -> datetime | None:
        return rules_of.blocked_until(self.t.rate_limits.get(key, ()), now, rules)

    def latest_block(self, prefix: str, now: datetime, rules) -> datetime | None:
        ends = [rules_of.blocked_until(h, now, rules) for k, h in self.t.rate_limits.items() if k.startswith(prefix)]
        return max((e for e in ends if e is not None), default=None)

    def clear(self, prefix: str) -> None:
        for key in [k for k in self.t.rate_limits if k.startswith(prefix)]:
            del self.w.rate_limits[key]

    def reserve_login_attempt(self, account_id: int, threshold: int) -> bool:
        account = self.w.accounts[account_id]
        if account.locked_at is not None or account.password_hash is None or account.login_failures >= threshold:
            return False
        self.w.accounts[account_id] = replace(account, login_failures=account.login_failures + 1)
        return True

    def settle_login_failure(self, account_id: int, now: datetime, threshold: int) -> bool:
        account = self.w.accounts[account_id]
        if account.locked_at is not None or account.login_failures < threshold:
            return False
        self.w.accounts[account_id] = replace(account, locked_at=now)
        return True

    def settle_login_success(self, account_id: int) -> bool:
        account = self.w.accounts[account_id]
        if account.locked_at is not None:
            return False
        self.w.accounts[account_id] = replace(account, login_failures=0)
        return True


class FakeResetRequests(_Repository):
    def add(self, *, channel: str, payload: str, now: datetime) -> None:
        request_id = next(self.store.ids)
        self.w.reset_requests[request_id] = QueuedResetRequest(request_id, channel, payload, now)

    def take_next(self) -> QueuedResetRequest | None:
        if not self.t.reset_requests:
            return None
        return self.w.reset_requests.pop(min(self.t.reset_requests))


class FakeUnitOfWork:
    """``with uow: ...; uow.commit()`` on a Store; what is not committed is dropped on exit."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.accounts = FakeAccounts(self)
        self.codes = FakeCodes(self)
        self.outbox = FakeOutbox(self)
        self.audit = FakeAudit(self)
        self.limits = FakeLimits(self)
        self.reset_requests = FakeResetRequests(self)
        self.rollback()

    def writable(self) -> Tables:
        if not self._own:
            self.tables, self._own = self.tables.copy(), True
        return self.tables

    def __enter__(self) -> "FakeUnitOfWork":
        self.rollback()
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def commit(self, durable: bool = True) -> None:
        self.store.tables, self._own = self.tables, False

    def rollback(self) -> None:
        self.tables, self._own = self.store.tables, False


class FakeDesk(Desk):
    """The use cases on an app whose unit of work is in memory; ``store`` is what it holds."""

    def __init__(self, app) -> None:
        super().__init__(app)
        self.store: Store = app.config["FAKE_STORE"]

    @property
    def tables(self):
        return self.store.tables

    def account_id(self, username: str) -> int:
        return self.tables.by_username[username.casefold()]

    def activate_from(self, client_address: str, username: str, code: str, password: str) -> dict:
        """An activation that the portal saw coming from ``client_address``."""
        from credentials import services

        self.call(services.activate, username, code, password, client_address=client_address)
        return {"status": "active"}

    def mails(self, kind: str | None = None, status: str | None = None) -> list[Mail]:
        """The outbox, oldest first."""
        return [m for _, m in sorted(self.tables.outbox.items())
                if (kind is None or m.kind == kind) and (status is None or m.status == status)]

    def mailed_code(self, username: str = "kovacsj") -> str:
        account_id = self.account_id(username)
        (newest, *_) = [m for m in reversed(self.mails("activation_code")) if m.account_id == account_id]
        return self.kit.cipher.open(newest.payload)["code"]

    def code_count(self, reason: str | None = None) -> int:
        return sum(1 for c in self.tables.codes.values() if reason is None or c.reason == reason)

    def account(self, username: str = "kovacsj"):
        return self.tables.accounts[self.account_id(username)]

    def login_reasons(self, username: str = "kovacsj") -> list[str]:
        account_id = self.account_id(username)
        return [f.reason for f in sorted(self.tables.failures, key=lambda f: f.id) if f.account_id == account_id]

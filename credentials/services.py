"""Use cases of the credentials backend. Each takes primitives and a unit of work
(credentials.domain.ports.UnitOfWork), applies the letter's rules (S1-S9) as decided in
credentials/domain/, writes the audit log and returns a plain result; credentials/api/ turns
results into JSON, the office CLI into lines."""
from __future__ import annotations

import hmac
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator, NoReturn

from credentials.domain import activation as activation_rules
from credentials.domain import limits as limit_rules
from credentials.domain import login as login_rules
from credentials.domain import model
from credentials.domain.codes import canonical_code, generate_code
from credentials.domain.exceptions import AccountNotFound, ActivationFailed, LoginFailed, PasswordRejected, UsernameTaken
from credentials.domain.model import Account, ActivationCode, code_lifetime
from credentials.domain.names import (email_key, joined_name_keys, name_key, required_text, username_key,
                                      validate_channel, validate_email, validate_language, validate_legal_name,
                                      validate_username)
from credentials.domain.passwords import PasswordPolicy
from credentials.domain.ports import MailRecord, NameKeys, UnitOfWork
from credentials.security import CodeHasher, OutboxCipher, PasswordHasher
from credentials.settings import CredentialsSettings
from kernel.clock import utcnow
from kernel.privacy import mask_email, mask_username

RECENT_FAILURES_WINDOW = timedelta(days=30)
RATE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Toolkit:
    """What the use cases need besides the database: settings, hashers, cipher, password policy."""

    settings: CredentialsSettings
    codes: CodeHasher
    passwords: PasswordHasher
    cipher: OutboxCipher
    policy: PasswordPolicy

    @classmethod
    def from_settings(cls, settings: CredentialsSettings) -> "Toolkit":
        """The toolkit of ``settings``' keys and password minimum."""
        return cls(settings=settings, codes=CodeHasher(settings.code_key), passwords=PasswordHasher(),
                   cipher=OutboxCipher(settings.outbox_key), policy=PasswordPolicy(settings.password_min_length))


@dataclass(frozen=True)
class Registration:
    username: str
    state: str
    language: str
    code_expires_at: datetime


@dataclass(frozen=True)
class EmailCorrection:
    username: str
    email_masked: str


@dataclass(frozen=True)
class Diagnosis:
    """What the help desk may know about a verified account."""

    state: str
    language: str
    live_code_expires_at: datetime | None
    last_issued_at: datetime | None
    last_expired: bool
    code_entry_blocked_until: datetime | None
    recent_failures: list[tuple[datetime, str]]
    last_code_mail: MailRecord | None


@contextmanager
def _at_least(seconds: float) -> Iterator[None]:
    """Pad an answer to a fixed minimum duration so its timing tells nothing about the account."""
    start = time.monotonic()
    try:
        yield
    finally:
        remaining = seconds - (time.monotonic() - start)
        if remaining > 0:
            time.sleep(remaining)


def _issue_code(uow: UnitOfWork, kit: Toolkit, account: Account, reason: str, now: datetime,
                code: str | None = None) -> ActivationCode:
    """S2/S4/S8: a fresh code for ``account`` (older ones die), mailed only to the address on file, in
    the account's language. The code leaves this function only encrypted, inside the outbox row."""
    code = code or generate_code()
    issued_at, expires_at = code_lifetime(now, kit.settings.code_ttl_days)
    record = ActivationCode(id=None, account_id=account.id, code_hash=kit.codes.hash_code(code), reason=reason,
                            issued_at=issued_at, expires_at=expires_at)
    record.id = uow.codes.add(record)
    uow.outbox.cancel_code_mails(account.id)
    payload = kit.cipher.seal({"code": code, "expires_at": expires_at.isoformat(), "legal_name": account.legal_name,
                               "reason": reason})
    uow.outbox.enqueue(account_id=account.id, kind="activation_code", language=account.language,
                       to_address=account.email, payload=payload, now=now)
    return record


def _queue_notice(uow: UnitOfWork, kit: Toolkit, account: Account, kind: str, now: datetime) -> None:
    """A notice without any secret, to the address on file: after an activation, and after a reset request."""
    uow.outbox.enqueue(account_id=account.id, kind=kind, language=account.language, to_address=account.email,
                       payload=kit.cipher.seal({"legal_name": account.legal_name}), now=now)


# --- the document office (S1, S5, S9) ---------------------------------------------------------
def register_account(username: object, legal_name: object, email: object, language: object, *, uow: UnitOfWork,
                     kit: Toolkit, channel: str = "office") -> Registration:
    """S1: the clerk registers the chosen username and e-mail; S2: the first code is e-mailed."""
    name = validate_username(username)
    legal = validate_legal_name(legal_name)
    address = validate_email(email)
    lang = validate_language(language)
    now = utcnow()
    with uow:
        if uow.accounts.username_taken(username_key(name)):
            raise UsernameTaken(name)
        account = Account(id=None, username=name, legal_name=legal, email=address, language=lang, created_at=now)
        joined, joined_reversed = joined_name_keys(legal)
        account.id = uow.accounts.add(account, NameKeys(username_key(name), name_key(legal), joined, joined_reversed))
        code = _issue_code(uow, kit, account, "registration", now)
        uow.audit.record(at=now, operation="office_register", channel=channel, outcome="registered",
                         subject=mask_username(name))
        uow.commit()
    return Registration(username=name, state=model.PENDING, language=lang, code_expires_at=code.expires_at)


def correct_email(username: object, email: object, *, uow: UnitOfWork, kit: Toolkit,
                  channel: str = "office") -> EmailCorrection:
    """S5: only the document office corrects an e-mail address. Codes sent to the old address die;
    the person then requests a new code, which goes to the corrected address."""
    name = required_text(username, "username")
    address = validate_email(email)
    now = utcnow()
    with uow:
        account = uow.accounts.get_by_username(username_key(name), for_update=True)
        if account is None:
            raise AccountNotFound(name)
        uow.accounts.set_email(account.id, address)
        uow.codes.retire_open(account.id, now)
        uow.outbox.cancel_code_mails(account.id)
        uow.audit.record(at=now, operation="office_correct_email", channel=channel, outcome="corrected",
                         subject=f"{mask_username(name)} {mask_email(address)}")
        uow.commit()
    return EmailCorrection(username=account.username, email_masked=mask_email(address))


def disclose_usernames(legal_name: object, email: object, *, uow: UnitOfWork, kit: Toolkit,
                       channel: str = "office") -> list[str]:
    """S9: a forgotten username is told only in person, at the document office (after an ID check).
    Accounts with that legal name; the e-mail on file, when given, narrows the list."""
    legal = validate_legal_name(legal_name)
    address = validate_email(email) if email not in (None, "") else None
    now = utcnow()
    with uow:
        rows = uow.accounts.usernames_for(name_key(legal))
        found = [u for u, e in rows if address is None or email_key(e) == email_key(address)]
        uow.audit.record(at=now, operation="office_disclose_username", channel=channel,
                         outcome=f"found_{len(found)}", subject=mask_username(legal))
        uow.commit()
    return found


# --- activation (S3, S8) ----------------------------------------------------------------------
def activate(username: object, code: object, new_password: object, *, uow: UnitOfWork, kit: Toolkit,
             channel: str = "web") -> str:
    """S3: username + one-time code + new password -> the account's new state (active). The code is
    claimed atomically, so two concurrent redemptions of one code cannot both win; the failure is
    always the generic ActivationFailed."""
    name = required_text(username, "username")
    typed = required_text(code, "code")
    password = required_text(new_password, "new_password")
    now = utcnow()
    subject = mask_username(name)

    def fail(reason: str, account: Account | None = None, wrong_entry: bool = False) -> NoReturn:
        with uow:
            if wrong_entry and account is not None:
                latest = account.latest_code()
                if activation_rules.burns_code(uow.limits.count_wrong_code(account.id, now)):
                    uow.codes.burn(latest.id, now)
                    reason = activation_rules.CODE_BURNED
            uow.audit.record(at=now, operation="activate", channel=channel, outcome="failed", subject=subject,
                             reason=reason)
            uow.commit()
        raise ActivationFailed(reason)

    with uow:
        account = uow.accounts.get_by_username(username_key(name))
    if account is None:
        kit.codes.hash_code(typed)
        fail(activation_rules.UNKNOWN_USERNAME)
    refusal = activation_rules.activation_refusal(account, typed, kit.codes.matches, now)
    if refusal is not None:
        fail(refusal.reason, account, refusal.wrong_entry)
    latest = account.latest_code()
    try:
        password = kit.policy.check(password, username=account.username, code=typed)
    except PasswordRejected as exc:
        with uow:
            uow.audit.record(at=now, operation="activate", channel=channel, outcome="password_rejected",
                             subject=subject, reason=exc.rule)
            uow.commit()
        raise
    password_hash = kit.passwords.hash(password)
    with uow:
        won = uow.codes.claim(latest.id, now)
        if won:
            uow.accounts.set_password(account.id, password_hash, now)
            _queue_notice(uow, kit, account, "notice_activated", now)
            uow.audit.record(at=now, operation="activate", channel=channel, outcome="activated", subject=subject)
            uow.commit()
    if not won:  # a concurrent redemption of the same code got there first
        fail(activation_rules.CODE_USED)
    return model.ACTIVE


# --- login (S6, S7, S8) -----------------------------------------------------------------------
def login(username: object, password: object, *, uow: UnitOfWork, kit: Toolkit, channel: str = "web") -> None:
    """Returns when the password is right; else LoginFailed, generic to the client, its reason recorded
    for the help desk's diagnosis. Every path verifies one argon2 hash, so timing does not tell whether
    the username exists."""
    name = required_text(username, "username")
    secret = required_text(password, "password")
    now = utcnow()
    with uow:
        account = uow.accounts.get_by_username(username_key(name))
        # S6: own name typed as username; compared accent- and order-insensitively.
        namesakes = [] if account is not None else uow.accounts.ids_with_legal_name(
            name_key(name), joined_name_keys(name)[0])
    if account is None:
        kit.passwords.dummy_verify(secret)
        _refuse_login(uow, kit, namesakes, login_rules.unknown_account_reason(namesakes), now, channel, name)
    looks_like_code = canonical_code(secret) is not None
    matched_code = next((c for c in account.codes if looks_like_code and kit.codes.matches(secret, c.code_hash)), None)
    reason = login_rules.refusal_before_password(account, matched_code, now)
    if reason is not None:
        kit.passwords.dummy_verify(secret)
        _refuse_login(uow, kit, [account.id], reason, now, channel, name)
    if kit.passwords.verify(account.password_hash, secret):
        with uow:
            uow.limits.reset_login_failures(account.id)
            uow.audit.record(at=now, operation="login", channel=channel, outcome="ok", subject=mask_username(name))
            uow.commit()
        return
    _refuse_login(uow, kit, [account.id], login_rules.wrong_password_reason(matched_code), now, channel, name,
                  count=True)


def _refuse_login(uow: UnitOfWork, kit: Toolkit, account_ids: list[int], reason: str, now: datetime, channel: str,
                  name: str, *, count: bool = False) -> NoReturn:
    """Record the failed login for each account (``count``: towards the lockout), then refuse it."""
    with uow:
        outcome = "failed"
        for account_id in account_ids:
            uow.audit.record_login_failure(account_id, now, reason)
            if count and uow.limits.count_login_failure(account_id, now, kit.settings.login_lockout_threshold):
                outcome = "failed_and_locked"
        uow.audit.record(at=now, operation="login", channel=channel, outcome=outcome, subject=mask_username(name),
                         reason=reason)
        uow.commit()
    raise LoginFailed(reason)


# --- new-code requests and diagnosis (S4, S5, S8, S9) -----------------------------------------
def _match(uow: UnitOfWork, kit: Toolkit, operation: str, name: str, address: str, channel: str, source: str,
           now: datetime, *, for_update: bool) -> tuple[Account | None, str]:
    """The shared first half of a request about an account: rate limits per source and per account
    (more than N an hour blocks for 24 h), and whether username AND e-mail match. Both paths do the
    same queries, so the answer's timing does not depend on the match."""
    settings = kit.settings
    limits = dict(limit=settings.requests_per_hour, window=RATE_WINDOW, block=timedelta(hours=settings.rate_block_hours))
    account = uow.accounts.get_by_username(username_key(name), for_update=for_update)
    on_file = account.email if account is not None else "nobody@invalid.invalid"
    matched = hmac.compare_digest(email_key(on_file).encode(), email_key(address).encode()) and account is not None
    source_key = f"{operation}:src:{kit.codes.subject_key('source', f'{channel}:{source}')}"
    source_limited = uow.limits.hit(source_key, now, **limits)
    account_limited = matched and uow.limits.hit(f"{operation}:acct:{account.id}", now, **limits)
    verdict = limit_rules.request_verdict(matched, source_limited, account_limited)
    return (account if verdict == limit_rules.MATCHED else None), verdict


def request_new_code(username: object, email: object, channel: object, source: object, *, uow: UnitOfWork,
                     kit: Toolkit) -> None:
    """S4/S5/S8: a new code goes to the address on file, in the account's language, only when the
    username and the e-mail both match. Nothing tells the caller which case it was; the call takes at
    least the minimum duration, and the address given in the conversation is never used to send anything."""
    name, address = required_text(username, "username"), required_text(email, "email")
    chan, src = validate_channel(channel), required_text(source, "source")
    with _at_least(kit.settings.min_answer_seconds):
        now = utcnow()
        candidate = generate_code()
        kit.codes.hash_code(candidate)  # same hashing work whether or not a code is issued
        with uow:
            account, outcome = _match(uow, kit, "reset", name, address, chan, src, now, for_update=True)
            if account is not None:
                _issue_code(uow, kit, account, "reset", now, code=candidate)
                _queue_notice(uow, kit, account, "notice_reset", now)
                outcome = "code_sent"
            uow.audit.record(at=now, operation="reset_request", channel=chan, outcome=outcome,
                             subject=mask_username(name))
            uow.commit()


def diagnose(username: object, email: object, channel: object, source: object, *, uow: UnitOfWork,
             kit: Toolkit) -> Diagnosis | None:
    """For the help desk: when username AND e-mail match, what state the account is in, whether a live
    code exists, the recent failed-login reasons and what became of the last code mail. Otherwise
    (or when rate limited) None, the same as for an unknown account."""
    name, address = required_text(username, "username"), required_text(email, "email")
    chan, src = validate_channel(channel), required_text(source, "source")
    with _at_least(kit.settings.min_answer_seconds):
        now = utcnow()
        with uow:
            account, outcome = _match(uow, kit, "diagnose", name, address, chan, src, now, for_update=False)
            report = None
            if account is not None:
                report = _diagnosis(uow, account, now)
                outcome = "verified"
            uow.audit.record(at=now, operation="diagnose", channel=chan, outcome=outcome, subject=mask_username(name))
            uow.commit()
    return report


def _diagnosis(uow: UnitOfWork, account: Account, now: datetime) -> Diagnosis:
    live = account.live_code(now)
    latest = account.latest_code()
    return Diagnosis(
        state=account.state, language=account.language,
        live_code_expires_at=live.expires_at if live else None,
        last_issued_at=latest.issued_at if latest else None,
        last_expired=account.last_code_lapsed(now),
        code_entry_blocked_until=account.code_entry_blocked_until(now),
        recent_failures=uow.audit.recent_login_failures(account.id, now - RECENT_FAILURES_WINDOW),
        last_code_mail=uow.outbox.last_code_mail(account.id))
